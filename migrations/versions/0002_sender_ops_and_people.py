"""client_op_id scoped to its sender; participants can be merged and removed

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default="")
        )
    # Every event names its actor in the JSON column: copy the id out, so resends of old ops still dedupe.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE event SET actor_id = COALESCE(actor::json ->> 'id', '')")
    else:
        op.execute("UPDATE event SET actor_id = COALESCE(json_extract(actor, '$.id'), '')")
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint("uq_event_client_op", type_="unique")
        batch.create_unique_constraint("uq_event_actor_client_op", ["board_id", "actor_id", "client_op_id"])
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("merged_into", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch.add_column(sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("merged_into")
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint("uq_event_actor_client_op", type_="unique")
        batch.create_unique_constraint("uq_event_client_op", ["board_id", "client_op_id"])
        batch.drop_column("actor_id")

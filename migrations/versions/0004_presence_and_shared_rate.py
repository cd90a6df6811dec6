"""presence across processes; an index for the rate limit shared by processes

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("board_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("process_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("board_id", "process_id"),
    )
    op.create_index("ix_event_actor_seq", "event", ["board_id", "actor_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_event_actor_seq", table_name="event")
    op.drop_table("presence")

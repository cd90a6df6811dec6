"""board snapshots: the board every few hundred events, so the past opens without replaying it all;
events by time, to find the first event at or after an agenda item's planned start

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_snapshot",
        sa.Column("board_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("board_id", "seq"),
    )
    op.create_index("ix_event_board_at", "event", ["board_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_board_at", table_name="event")
    op.drop_table("board_snapshot")

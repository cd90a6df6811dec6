"""tracker sync: a board's connection to Jira or Azure DevOps (sealed token, scope, mapping, where the
sync stands, the one-poller lease) and the sync's log

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "tracker_connection",
        sa.Column("board_id", _TEXT(length=40), nullable=False),
        sa.Column("product", _TEXT(length=20), nullable=False),
        sa.Column("url", _TEXT(length=500), nullable=False),
        sa.Column("user", _TEXT(length=200), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("hook_secret", sa.LargeBinary(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("write_back", sa.Boolean(), nullable=False),
        sa.Column("state", _TEXT(length=20), nullable=False),
        sa.Column("message", _TEXT(length=500), nullable=False),
        sa.Column("cursor", _WHEN(), nullable=True),
        sa.Column("last_synced_at", _WHEN(), nullable=True),
        sa.Column("last_attempt_at", _WHEN(), nullable=True),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("poll_due_at", _WHEN(), nullable=True),
        sa.Column("reconcile", sa.Boolean(), nullable=False),
        sa.Column("lease_owner", _TEXT(length=60), nullable=False),
        sa.Column("lease_until", _WHEN(), nullable=True),
        sa.Column("memory", sa.JSON(), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("board_id"),
    )
    op.create_table(
        "tracker_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", _TEXT(length=40), nullable=False),
        sa.Column("at", _WHEN(), nullable=False),
        sa.Column("kind", _TEXT(length=20), nullable=False),
        sa.Column("text", _TEXT(length=500), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tracker_log_board_id", "tracker_log", ["board_id"])


def downgrade() -> None:
    op.drop_index("ix_tracker_log_board_id", table_name="tracker_log")
    op.drop_table("tracker_log")
    op.drop_table("tracker_connection")

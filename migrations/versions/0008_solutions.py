"""solutions (issue 29): several trains on one cadence, their join links and the people in them

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "solution",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("name", _TEXT(length=120), nullable=False),
        sa.Column("pi_name", _TEXT(length=120), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "solution_train",
        sa.Column("board_id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("joined_at", _WHEN, nullable=False),
        sa.Column("joined_by", _TEXT(length=80), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("board_id"),
    )
    op.create_index("ix_solution_train_solution_id", "solution_train", ["solution_id"])
    op.create_table(
        "solution_link",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("token_hash", _TEXT(length=64), nullable=False),
        sa.Column("kind", _TEXT(length=30), nullable=False),
        sa.Column("label", _TEXT(length=80), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_solution_link_solution_id", "solution_link", ["solution_id"])
    op.create_table(
        "solution_member",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("link_id", _TEXT(length=40), nullable=False),
        sa.Column("name", _TEXT(length=80), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["solution_link.id"]),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_solution_member_solution_id", "solution_member", ["solution_id"])


def downgrade() -> None:
    op.drop_index("ix_solution_member_solution_id", table_name="solution_member")
    op.drop_table("solution_member")
    op.drop_index("ix_solution_link_solution_id", table_name="solution_link")
    op.drop_table("solution_link")
    op.drop_index("ix_solution_train_solution_id", table_name="solution_train")
    op.drop_table("solution_train")
    op.drop_table("solution")

"""capabilities (issue 29): a solution's capabilities and the feature each was split into per train

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "capability",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("title", _TEXT(length=200), nullable=False),
        sa.Column("description", _TEXT(length=4000), nullable=False),
        sa.Column("created_by", _TEXT(length=80), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_capability_solution_id", "capability", ["solution_id"])
    op.create_table(
        "capability_feature",
        sa.Column("capability_id", _TEXT(length=40), nullable=False),
        sa.Column("board_id", _TEXT(length=40), nullable=False),
        sa.Column("feature_id", _TEXT(length=100), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.ForeignKeyConstraint(["capability_id"], ["capability.id"]),
        sa.PrimaryKeyConstraint("capability_id", "board_id"),
    )


def downgrade() -> None:
    op.drop_table("capability_feature")
    op.drop_index("ix_capability_solution_id", table_name="capability")
    op.drop_table("capability")

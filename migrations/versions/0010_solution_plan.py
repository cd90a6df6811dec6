"""solution plan (issue 29): Post-PI Planning's solution objectives, solution risks and confidence vote

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "solution_objective",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("title", _TEXT(length=500), nullable=False),
        sa.Column("draws_from", sa.JSON(), nullable=False),
        sa.Column("committed", sa.Boolean(), nullable=False),
        sa.Column("planned_bv", sa.Integer(), nullable=True),
        sa.Column("actual_bv", sa.Integer(), nullable=True),
        sa.Column("created_by", _TEXT(length=80), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_solution_objective_solution_id", "solution_objective", ["solution_id"])
    op.create_table(
        "solution_risk",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("title", _TEXT(length=200), nullable=False),
        sa.Column("description", _TEXT(length=2000), nullable=False),
        sa.Column("roam", _TEXT(length=20), nullable=False),
        sa.Column("owner", _TEXT(length=80), nullable=False),
        sa.Column("raised_by", _TEXT(length=80), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_solution_risk_solution_id", "solution_risk", ["solution_id"])
    op.create_table(
        "solution_vote",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("solution_id", _TEXT(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", _TEXT(length=20), nullable=False),
        sa.Column("opened_by", _TEXT(length=80), nullable=False),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("solution_id", "number", name="uq_solution_vote_number"),
    )
    op.create_index("ix_solution_vote_solution_id", "solution_vote", ["solution_id"])
    op.create_table(
        "solution_ballot",
        sa.Column("vote_id", _TEXT(length=40), nullable=False),
        sa.Column("member_id", _TEXT(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("cast_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["solution_member.id"]),
        sa.ForeignKeyConstraint(["vote_id"], ["solution_vote.id"]),
        sa.PrimaryKeyConstraint("vote_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("solution_ballot")
    op.drop_index("ix_solution_vote_solution_id", table_name="solution_vote")
    op.drop_table("solution_vote")
    op.drop_index("ix_solution_risk_solution_id", table_name="solution_risk")
    op.drop_table("solution_risk")
    op.drop_index("ix_solution_objective_solution_id", table_name="solution_objective")
    op.drop_table("solution_objective")

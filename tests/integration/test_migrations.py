"""Schema upgrades: a board made by an older piboard opens in this one; the models match the migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from board.capacity import team_load
from server.db import make_engine, upgrade
from server.oppath import OpPath

OLD_DUMP = Path(__file__).resolve().parent.parent / "data" / "piboard-0.1.0.sql"


def test_a_board_made_by_version_0_1_0_opens_and_takes_edits(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DUMP.read_text())
    url = f"sqlite:///{path}"
    upgrade(url)
    oppath = OpPath(make_engine(url))
    (board,) = oppath.boards()
    state = oppath.state(board["id"])
    assert state.meta.name == "Old ART"
    assert team_load(state, "alpha", "it1") == 5
    assert [e.op.type for e in oppath.events_since(board["id"], 0)][-1] == "story.create"


def test_the_migrations_build_exactly_the_tables_the_code_uses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_upgrading_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    assert OpPath(make_engine(url)).boards() == []

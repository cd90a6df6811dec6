"""Schema upgrades: a board made by an older piboard opens in this one; the models match the migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from board.capacity import team_load
from server.store.db import alembic_config, make_engine, migration_heads, schema_is_current, upgrade
from server.store.op_path import OpPath

OLD_DUMP = Path(__file__).resolve().parent.parent / "data" / "piboard-0.1.0.sql"


def test_a_board_made_by_version_0_1_0_opens_and_takes_edits(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DUMP.read_text())
    url = f"sqlite:///{path}"
    upgrade(url)
    op_path = OpPath(make_engine(url))
    (board,) = op_path.boards()
    state = op_path.state(board["id"])
    assert state.meta.name == "Old ART"
    assert team_load(state, "alpha", "it1") == 5
    assert [e.op.type for e in op_path.events_since(board["id"], 0)][-1] == "story.create"


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


def test_the_newest_revision_is_read_from_the_files_as_alembic_reads_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'any.db'}"
    assert migration_heads() == set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def test_only_a_database_behind_the_newest_migration_is_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    assert not schema_is_current(url), "no schema yet"
    upgrade(url)
    assert schema_is_current(url)
    command.downgrade(alembic_config(url), "-1")
    assert not schema_is_current(url)
    upgrade(url)
    assert schema_is_current(url)
    with make_engine(url).connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == migration_heads()

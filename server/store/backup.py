"""Backups of the SQLite database while piboard serves, and their restore on a stopped server.

SQLite's online backup API copies the database in one step, inside one read transaction: the copy is
the database as it was when the copy began, while the server goes on writing (WAL). Every event
committed before then is in it. A PostgreSQL database is backed up with pg_dump instead
(server/store/backup_postgres.py).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
# The tables every piboard database has had since its first migration.
REQUIRED_TABLES = ("alembic_version", "board", "event")


class BackupRefused(Exception):
    """A backup or restore that cannot be done; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Contents:
    """What a database file holds, to print after a backup or restore and to check a backup by."""

    boards: int
    events: int
    schema_revision: str

    def describe(self) -> str:
        return f"{self.boards} boards, {self.events} events, schema {self.schema_revision}"


def contents(path: Path) -> Contents:
    """Check that ``path`` is a whole, readable piboard database and say what it holds."""
    if not path.is_file():
        raise BackupRefused(f"{path} does not exist")
    with path.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupRefused(f"{path} is not an SQLite database")
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if check != "ok":
                raise BackupRefused(f"{path} is damaged: {check}")
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise BackupRefused(f"{path} is not a piboard database (no {', '.join(missing)} table)")
            boards = conn.execute("SELECT count(*) FROM board").fetchone()[0]
            events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupRefused(f"{path} cannot be read: {exc}") from None
    return Contents(boards, events, revision[0] if revision else "none")


@contextmanager
def new_file(target: Path) -> Iterator[Path]:
    """Where to write a backup (or a restored database) that appears whole or not at all.

    ``target`` must not exist yet; the block writes the ``.partial`` file yielded, which is moved into
    place in one step when the block succeeds and removed when it fails.
    """
    if target.exists():
        raise BackupRefused(f"{target} exists: a backup never overwrites, choose a new file name")
    if not target.parent.is_dir():
        raise BackupRefused(f"the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Readable by its owner only: it holds every participant's name and the whole plan.
    partial.touch(mode=0o600)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    """Copy with the online backup API, checked before it takes its place."""
    with (
        new_file(target) as partial,
        closing(sqlite3.connect(source, timeout=30)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst)  # all pages in one step: one consistent snapshot
        # One self-contained file, no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        contents(partial)


def backup(database: Path, target: Path) -> Contents:
    """Copy the (possibly serving) database to ``target``, which must not exist yet."""
    if not database.is_file():
        raise BackupRefused(f"there is no database at {database}")
    _copy(database, target)
    return contents(target)


def in_use(database: Path) -> bool:
    """Whether another process has the database open: a running server keeps its connections open,
    each holding a shared lock, so an exclusive lock cannot be had."""
    with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as conn:
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
    return False


def _set_aside(database: Path) -> Path:
    """Move the current database out of the way, kept under a dated name, with its WAL folded in."""
    with closing(sqlite3.connect(database, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    os.replace(database, kept)
    for side in ("-wal", "-shm"):
        database.with_name(database.name + side).unlink(missing_ok=True)
    return kept


def restore(backup_file: Path, database: Path, *, replace: bool) -> Path | None:
    """Put ``backup_file`` in place of ``database`` (its migrations are run afterwards by the caller).

    Returns where the replaced database was kept, if there was one.
    """
    contents(backup_file)
    kept = None
    if database.exists():
        if not replace:
            raise BackupRefused(
                f"{database} exists: stop the server and add --replace (the old database is kept beside it)"
            )
        if in_use(database):
            raise BackupRefused(f"{database} is open in a running piboard: stop the server first")
        kept = _set_aside(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup_file, database)
    return kept

"""Backups of a PostgreSQL database with PostgreSQL's own tools, and their restore on stopped servers.

``pg_dump`` copies one consistent snapshot of a database in use (as SQLite's online backup does for
the SQLite file, see server/store/backup.py); ``pg_restore --clean`` puts it back. The password travels in
``PGPASSWORD``, never on a command line other users can read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.store.backup import BackupRefused, new_file
from server.store.db import make_engine


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq tools take it (no driver, no password) and the environment carrying the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, *args: str, env: dict[str, str]) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BackupRefused(f"{tool} is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run([found, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupRefused(f"{tool} failed: {done.stderr.strip()}")
    return done.stdout


def backup(url: str, target: Path) -> int:
    """``pg_dump`` the database to ``target`` (which must not exist yet); returns its size in bytes."""
    database, env = _libpq(url)
    with new_file(target) as partial:
        _run("pg_dump", "--format=custom", f"--file={partial}", f"--dbname={database}", env=env)
        _run("pg_restore", "--list", str(partial), env=env)  # the archive reads whole
    return target.stat().st_size


OTHER_CONNECTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _others_connected(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(OTHER_CONNECTIONS).scalar_one())
    finally:
        engine.dispose()


def _boards(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('board')")).scalar_one() is None:
                return 0
            return int(conn.execute(text("SELECT count(*) FROM board")).scalar_one())
    finally:
        engine.dispose()


def restore(backup_file: Path, url: str, *, replace: bool, keep_in: Path) -> Path | None:
    """``pg_restore`` ``backup_file`` into the database (the caller then runs the migrations).

    A database that holds boards is only replaced with ``replace``, with no other connection to it
    (stopped servers), after a dump of it is kept in ``keep_in``; returns that dump's path.
    """
    database, env = _libpq(url)
    if not backup_file.is_file():
        raise BackupRefused(f"{backup_file} does not exist")
    try:
        _run("pg_restore", "--list", str(backup_file), env=env)
    except BackupRefused:
        raise BackupRefused(f"{backup_file} is not a pg_dump archive (made by 'piboard backup')") from None
    others = _others_connected(url)
    if others:
        raise BackupRefused(f"{others} other connection(s) to the database: stop every piboard process first")
    kept = None
    if _boards(url):
        if not replace:
            raise BackupRefused("the database holds boards: stop the servers and add --replace")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = keep_in.resolve() / f"piboard-before-restore-{stamp}.dump"
        backup(url, kept)
    _run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        f"--dbname={database}",
        str(backup_file),
        env=env,
    )
    return kept

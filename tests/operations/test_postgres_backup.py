"""``piboard backup`` and ``restore`` on PostgreSQL: pg_dump and pg_restore, run as an operator runs them."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

from tests.pg import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def by_id(row: dict[str, Any]) -> str:
    return str(row["id"])


def piboard(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIBOARD_DATABASE_URL": database_url}
    env.pop("PIBOARD_DATA_DIR", None)
    command = [sys.executable, "-m", "server.cli", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def exported(database_url: str, board_id: str, cwd: Path) -> dict[str, Any]:
    done = piboard(database_url, "export", board_id, "--output", "-", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_pg_dump_backup_restores_every_board_and_replaces_only_when_asked(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    live, scratch = postgres.create_database("live"), postgres.create_database("scratch")
    made = re.search(r"Board (\S+) created", piboard(live, "demo", "--name", "Train P", cwd=tmp_path).stdout)
    assert made is not None
    board_id = made.group(1)

    archive = tmp_path / "piboard.dump"
    backed_up = piboard(live, "backup", str(archive), cwd=tmp_path)
    assert backed_up.returncode == 0, backed_up.stderr
    assert "pg_dump archive" in backed_up.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert piboard(live, "backup", str(archive), cwd=tmp_path).returncode == 1  # never overwrites

    restored = piboard(scratch, "restore", str(archive), cwd=tmp_path)  # an empty database: no --replace
    assert restored.returncode == 0, restored.stderr
    before, after = exported(live, board_id, tmp_path), exported(scratch, board_id, tmp_path)
    assert after["board"]["seq"] == before["board"]["seq"] > 0
    for section in ("teams", "features", "stories", "dependencies", "risks"):
        assert sorted(after[section], key=by_id) == sorted(before[section], key=by_id), section

    refused = piboard(scratch, "restore", str(archive), cwd=tmp_path)
    assert refused.returncode == 1
    assert "--replace" in refused.stderr
    with psycopg.connect(scratch):  # a server still running on it
        busy = piboard(scratch, "restore", "--replace", str(archive), cwd=tmp_path)
    assert busy.returncode == 1
    assert "other connection" in busy.stderr
    replaced = piboard(scratch, "restore", "--replace", str(archive), cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    (kept,) = tmp_path.glob("piboard-before-restore-*.dump")
    assert f"kept as {kept}" in replaced.stdout


def test_restore_refuses_what_is_not_a_pg_dump_archive(postgres: PostgresServer, tmp_path: Path) -> None:
    scratch = postgres.create_database("scratch")
    (tmp_path / "notes.txt").write_text("not a dump")
    done = piboard(scratch, "restore", str(tmp_path / "notes.txt"), cwd=tmp_path)
    assert done.returncode == 1
    assert "not a pg_dump archive" in done.stderr

"""On PostgreSQL, backups are PostgreSQL's own: the commands docs/operations.md gives, run as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.pg import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()


def by_id(row: dict[str, Any]) -> str:
    return str(row["id"])


def piboard(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIBOARD_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "server.cli", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_documented_pg_dump_and_pg_restore_bring_every_board_back(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    live, scratch = postgres.create_database("live"), postgres.create_database("scratch")
    made = re.search(r"Board (\S+) created", piboard(live, "demo", "--name", "Train P", cwd=tmp_path).stdout)
    assert made is not None
    refused = piboard(live, "backup", str(tmp_path / "b.db"), cwd=tmp_path)
    assert refused.returncode == 2
    assert "pg_dump" in refused.stderr

    dump = tmp_path / "piboard.dump"
    assert "pg_dump --format=custom" in OPERATIONS
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", live], check=True, timeout=120)
    subprocess.run(["pg_restore", "--list", str(dump)], check=True, capture_output=True, timeout=60)
    restore = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={scratch}", str(dump)]
    assert " ".join(restore[:4]) in OPERATIONS
    subprocess.run(restore, check=True, timeout=120)
    assert piboard(scratch, "db", "upgrade", cwd=tmp_path).returncode == 0

    for url, name in ((live, "live.json"), (scratch, "scratch.json")):
        done = piboard(url, "export", made.group(1), "--output", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    before, after = (json.loads((tmp_path / n).read_text()) for n in ("live.json", "scratch.json"))
    assert before["board"]["seq"] == after["board"]["seq"] > 0
    for section in ("teams", "features", "stories", "dependencies", "risks"):
        assert sorted(after[section], key=by_id) == sorted(before[section], key=by_id), section

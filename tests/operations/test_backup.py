"""``piboard backup`` of a serving SQLite database and ``piboard restore`` of it, as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import create_board, start_server
from tests.live.client import LiveClient, run_async

ROOT = Path(__file__).resolve().parents[2]
PIBOARD = [sys.executable, "-m", "server.cli"]


def env_for(data_dir: Path) -> dict[str, str]:
    dropped = {"PIBOARD_DATABASE_URL", "PIBOARD_SECRET_FILE", "PIBOARD_DATA_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**env, "PYTHONPATH": str(ROOT), "PIBOARD_DATA_DIR": str(data_dir)}


def piboard(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*PIBOARD, *args]
    return subprocess.run(command, env=env_for(data_dir), cwd=data_dir.parent, capture_output=True, text=True)


@dataclass(frozen=True)
class Acked:
    title: str
    seq: int
    at: float  # monotonic time the ack arrived


def test_a_backup_while_a_board_is_written_holds_every_event_acked_before_it_began(tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    server = start_server(f"sqlite:///{serving / 'piboard.db'}", ops_per_second=1000.0, ops_burst=1000)
    try:
        board = create_board(server)
        backup_file = tmp_path / "backup.db"

        async def scenario() -> tuple[list[Acked], float, float, subprocess.CompletedProcess[bytes]]:
            writer = await LiveClient.connect(
                server.ws_url, board.id, board.rte_session, last_seq=board.read()["seq"]
            )
            await writer.wait_welcome()
            acked: list[Acked] = []
            stop = asyncio.Event()

            async def write() -> None:
                n = 0
                while not stop.is_set():
                    title = f"risk {n}"
                    op_id = await writer.op("risk.create", args={"title": title})
                    await writer.wait_acks([op_id])
                    acked.append(Acked(title, writer.acks[op_id]["seq"], time.monotonic()))
                    n += 1

            writing = asyncio.create_task(write())
            await writer.wait_until(lambda: len(acked) >= 10)
            began = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                *PIBOARD,
                "backup",
                str(backup_file),
                env=env_for(serving),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
            ended = time.monotonic()
            stop.set()
            await writing
            await writer.close()
            done = subprocess.CompletedProcess(["backup"], proc.returncode or 0, out, err)
            return acked, began, ended, done

        acked, began, ended, done = run_async(scenario())
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    before = [a for a in acked if a.at < began]
    during = [a for a in acked if began <= a.at <= ended]
    assert before and during, "the board was written before and while the backup ran"

    restored_dir = tmp_path / "restored"  # a new folder: restore makes it
    restored = piboard(restored_dir, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert "restored from" in restored.stdout

    again = start_server(f"sqlite:///{restored_dir / 'piboard.db'}")
    try:
        with again.client(board.rte_session) as client:
            state = client.get(f"/api/boards/{board.id}").json()
            events: list[dict[str, Any]] = []
            while page := client.get(f"/api/boards/{board.id}/events", params={"since": len(events)}).json():
                events += page
    finally:
        again.stop()
    titles = {risk["title"] for risk in state["items"]["risk"].values()}
    assert {a.title for a in before} <= titles
    seqs = {e["seq"] for e in events}
    assert {a.seq for a in before} <= seqs
    # the restored history is gapless, whatever moment of the writing the copy caught
    assert sorted(seqs) == list(range(1, max(seqs) + 1))


def make_database(data_dir: Path) -> Path:
    made = piboard(data_dir, "demo", "--name", "Backed up ART")
    assert made.returncode == 0, made.stderr
    return data_dir / "piboard.db"


def test_a_backup_never_overwrites_and_checks_what_it_wrote(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_database(data)
    target = tmp_path / "b.db"
    first = piboard(data, "backup", str(target))
    assert first.returncode == 0, first.stderr
    assert "1 boards" in first.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    before = target.read_bytes()
    second = piboard(data, "backup", str(target))
    assert second.returncode == 1
    assert "never overwrites" in second.stderr
    assert target.read_bytes() == before


def test_restore_refuses_what_is_not_a_piboard_backup_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "notes.txt").write_text("not a database")
    with closing(sqlite3.connect(tmp_path / "other.db")) as conn:
        conn.execute("CREATE TABLE t (x)")
    for bad, reason in (("notes.txt", "not an SQLite database"), ("other.db", "not a piboard database")):
        done = piboard(data, "restore", str(tmp_path / bad))
        assert done.returncode == 1
        assert reason in done.stderr
    assert not (data / "piboard.db").exists()


def test_restore_over_a_database_needs_replace_and_a_stopped_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = make_database(data)
    backup_file = tmp_path / "b.db"
    assert piboard(data, "backup", str(backup_file)).returncode == 0
    refused = piboard(data, "restore", str(backup_file))
    assert refused.returncode == 1
    assert "--replace" in refused.stderr

    server = start_server(f"sqlite:///{database}")
    try:
        create_board(server, "Made after the backup")
        running = piboard(data, "restore", "--replace", str(backup_file))
    finally:
        server.stop()
        server.services.engine.dispose()
    assert running.returncode == 1
    assert "running piboard" in running.stderr

    replaced = piboard(data, "restore", "--replace", str(backup_file))
    assert replaced.returncode == 0, replaced.stderr
    (kept,) = data.glob("piboard.db.before-restore-*")
    with closing(sqlite3.connect(kept)) as old, closing(sqlite3.connect(database)) as new:
        assert old.execute("SELECT count(*) FROM board").fetchone()[0] == 2
        assert new.execute("SELECT count(*) FROM board").fetchone()[0] == 1

"""A tracker's token never leaves the server: not in an answer, an export, the audit trail, the sync's
log, the server's log lines or the database file (where it is sealed)."""

from __future__ import annotations

import io
import logging
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.transfer.files import export_file, format_names
from tests.conftest import BoardHandle, create_board, start_server
from tests.trackers.jira_emulator import JiraEmulator
from tests.trackers.test_doors import jira_body, wait_for

TOKEN = "SEKRET-jira-token-7f3c9a1e"


@pytest.fixture
def jira_with_secret() -> Iterator[JiraEmulator]:
    emulator = JiraEmulator("cloud", token=TOKEN)
    emulator.add_project("ATL")
    sprint = emulator.add_sprint("Sprint 1")
    emulator.add_issue("ATL", "Pay by card", points=5, team="Atlas", sprint=sprint)
    with emulator.running():
        yield emulator


def readable(name: str, content: bytes, tmp_path: Path) -> bytes:
    """What a person reads in the file: a zip's members, a PDF's text."""
    if name == "zip":  # a format's name is its extension
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return b"".join(archive.read(member) for member in archive.namelist())
    if name == "pdf":
        pdf = tmp_path / "board.pdf"
        pdf.write_bytes(content)
        return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    return content


def test_the_token_never_leaves(
    tmp_path: Path, jira_with_secret: JiraEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jira = jira_with_secret
    database = tmp_path / "piboard.db"
    server = start_server(f"sqlite:///{database}", ops_per_second=1000.0, ops_burst=1000, tracker_tick=0.05)
    try:
        board: BoardHandle = create_board(server)
        answers: list[str] = []
        with board.rte() as rte:
            wrong = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, token=TOKEN + "x"))
            answers.append(wrong.text)
            made = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, interval_s=10))
            answers += [made.text, rte.post(f"/api/boards/{board.id}/tracker/preview", json={}).text]
            answers.append(rte.post(f"/api/boards/{board.id}/tracker/apply").text)
            jira.set_status(jira.keys()[0], "Done", "done")
            synced = rte.post(f"/api/boards/{board.id}/tracker/sync")
            assert synced.json()["applied"] == 1, synced.text
            answers.append(synced.text)
            jira.outage()  # every request fails: the sync says Jira is unreachable
            answers.append(rte.post(f"/api/boards/{board.id}/tracker/sync").text)
            jira.clear_faults()
            jira.revoke(401)  # the token stops working: the sync pauses
            answers.append(rte.post(f"/api/boards/{board.id}/tracker/sync").text)
            status = rte.get(f"/api/boards/{board.id}/tracker")
            assert status.json()["state"] == "paused", status.text
            answers += [status.text, rte.get(f"/api/boards/{board.id}/tracker/log").text]
        assert board.op(board.rte_session, "baseline.take").status_code == 200
        services = server.services
        # Every export format, made the one way every door makes it.
        exports = {
            name: export_file(services.op_path, services.baselines, board.id, name).content
            for name in format_names()
        }
        for name, content in exports.items():
            assert TOKEN.encode() not in readable(name, content, tmp_path), name
        assert b"Jira" in exports["audit.jsonl"]  # the sync's edits are in the audit trail, by "Jira"
        for text in answers:
            assert TOKEN not in text
        assert "401" in answers[-1] or "refused the token" in answers[-1]
        wait_for(lambda: caplog.records)
        logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
        assert "tracker" in logged.lower() or "jira" in logged.lower()
        assert TOKEN not in logged
    finally:
        server.stop()
        server.services.engine.dispose()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("piboard.db*"))
    assert b"Atlas" in stored and TOKEN.encode() not in stored

"""``piboard sync BOARD`` as an operator runs it: a real process, a real database file, the Jira emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.settings import Settings
from server.store.sealed import Secret
from server.store.storage import open_storage
from server.store.trackers import TrackerSettings
from tests.trackers.conftest import RTE
from tests.trackers.jira_emulator import JiraEmulator

PIBOARD = [sys.executable, "-m", "server.cli"]
SECRET = "a test server's secret key, long enough to sign"


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PIBOARD, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_sync_previews_applies_then_polls(tmp_path: Path, jira: JiraEmulator) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    storage = open_storage(Settings(database_url=url, secret_key=SECRET))
    board_id = storage.op_path.create_board("Rocket ART", RTE)
    settings = TrackerSettings("jira_cloud", jira.base_url, jira.email, {"jql": "project = ATL"}, [])
    storage.trackers.connect(board_id, settings, Secret(jira.token))
    key = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas", sprint=jira.sprint1)  # type: ignore[attr-defined]
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "PIBOARD_DATABASE_URL": url, "PIBOARD_SECRET_KEY": SECRET}

    preview = run(["sync", board_id], env, tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert f"{key} (Story) create story" in preview.stdout and "1 issues read from Jira" in preview.stdout
    assert storage.trackers.status(board_id).state == "new"  # type: ignore[union-attr]

    applied = run(["sync", board_id, "--apply"], env, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "first sync applied" in applied.stdout
    jira.set_status(key, "Done", "done")
    polled = run(["sync", board_id], env, tmp_path)
    assert polled.returncode == 0, polled.stderr
    assert "Jira: 1 read, 1 changes applied" in polled.stdout
    storage.op_path.forget(board_id)
    stories = storage.op_path.state(board_id).items["story"].values()
    assert [s.status.value for s in stories] == ["done"]
    assert jira.token not in preview.stdout + applied.stdout + polled.stdout + polled.stderr


def test_sync_of_a_board_without_a_tracker_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    storage = open_storage(Settings(database_url=url, secret_key=SECRET))
    board_id = storage.op_path.create_board("Rocket ART", RTE)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PIBOARD_DATABASE_URL": url}
    refused = run(["sync", board_id], env, tmp_path)
    assert refused.returncode == 1 and "is not connected to a tracker" in refused.stderr

"""The ``piboard`` command as an operator runs it: a real process, a real database file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from server.app import build_services
from server.settings import Settings
from server.store.provision import ensure_demo
from tests.conftest import LiveServer, free_port, start_server
from tests.serving import piboard_serve

PIBOARD = [sys.executable, "-m", "server.cli"]


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([*PIBOARD, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    return {
        **os.environ,
        "PYTHONPATH": str(root),
        "PIBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PIBOARD_SECRET_FILE": str(tmp_path / "secret"),
        **extra,
    }


def test_serve_creates_the_demo_and_its_rte_link_works(tmp_path: Path) -> None:
    port = free_port()
    env = env_for(tmp_path, PIBOARD_PORT=str(port))
    with piboard_serve([*PIBOARD, "serve"], port, env, tmp_path) as serving:
        assert serving.rte_link.startswith(f"{serving.url}/join/")
        with httpx.Client(base_url=serving.url, timeout=10) as client:
            joined = client.post(serving.rte_link, data={"name": "Rita"}, follow_redirects=False)
            assert joined.status_code == 303
            board_id = joined.headers["location"].split("/")[2]
            # the client keeps the session cookie the join page set, as a browser would
            board = client.get(f"/api/boards/{board_id}").json()
    assert len(board["items"]["team"]) == 8
    assert board["derived"]["conflict_count"] >= 3


def test_db_upgrade_demo_and_link_commands(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert "up to date" in run(["db", "upgrade"], env, tmp_path)
    out = run(["demo", "--name", "Train B"], env, tmp_path)
    board_id = re.search(r"Board (\S+) created", out)
    assert board_id is not None
    link = run(["link", board_id.group(1), "--role", "observer"], env, tmp_path)
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/join/[\w-]{43}\n", link)


def test_link_for_an_unknown_board_is_refused(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    done = subprocess.run(
        [*PIBOARD, "link", "nope"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "no board 'nope'" in done.stderr + done.stdout


def test_processes_starting_together_on_an_empty_database_make_one_demo(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'race.db'}", secret_key="k" * 40)
    processes = [build_services(settings) for _ in range(3)]
    with ThreadPoolExecutor(len(processes)) as pool:
        tokens = list(pool.map(ensure_demo, processes))
    assert len([t for t in tokens if t is not None]) == 1
    assert [b["id"] for b in processes[0].op_path.boards()] == ["demo"]


def test_a_new_board_is_made_from_the_home_page_and_its_maker_is_the_rte(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        assert "Start a new board" in browser.get("/").text
        made = browser.post("/boards", data={"name": "Phoenix ART", "pi_name": "PI 27.2"})
        assert made.status_code == 303
        board_id = made.headers["location"].split("/")[2]
        assert made.headers["location"] == f"/b/{board_id}/admin"
        admin = browser.get(made.headers["location"])
        assert admin.status_code == 200, "the maker's browser is the RTE: the admin page opens"
        board = browser.get(f"/api/boards/{board_id}").json()
        assert (board["items"]["meta"]["meta"]["name"], board["items"]["meta"]["meta"]["pi_name"]) == (
            "Phoenix ART",
            "PI 27.2",
        )
        refused = browser.post("/boards", data={"name": "   "})
        assert refused.status_code == 422
        assert "Not created: the name must not be empty" in refused.text
        assert [b["name"] for b in browser.get("/api/boards").json()] == ["Phoenix ART"]


def test_with_an_admin_token_the_home_page_hides_boards_and_asks_for_the_token(db_url: str) -> None:
    server = start_server(db_url, admin_token="s3cret-token")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            with server.client() as api:
                api.post(
                    "/api/boards", json={"name": "Hidden ART"}, headers={"X-Admin-Token": "s3cret-token"}
                )
            home = browser.get("/").text
            assert "Hidden ART" not in home and 'name="admin_token"' in home
            assert browser.get("/api/boards").status_code == 403
            wrong = browser.post("/boards", data={"name": "Mine", "admin_token": "guess"})
            assert wrong.status_code == 403 and "admin token" in wrong.text
            right = browser.post("/boards", data={"name": "Mine", "admin_token": "s3cret-token"})
            assert right.status_code == 303
    finally:
        server.stop()

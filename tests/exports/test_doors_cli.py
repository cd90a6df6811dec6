"""``piboard export`` and ``piboard import`` as an operator runs them: real processes, a real database."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from test_doors import comparable
from test_jira import FIXTURES

from server.app import build_services
from server.doors.deps import Services
from server.settings import Settings
from server.store.provision import create_board_with_rte
from server.transfer.board_json import export_board
from tests.integration.test_cli import env_for

PIBOARD = [sys.executable, "-m", "server.cli"]


def piboard(
    args: list[str], env: dict[str, str], cwd: Path, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*PIBOARD, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert (done.returncode == 0) == ok, (done.returncode, done.stdout, done.stderr)
    return done


def services_on(tmp_path: Path) -> Services:
    """The same database file, opened in this process: to set up and to check what the commands did."""
    env = env_for(tmp_path)
    return build_services(
        Settings(database_url=env["PIBOARD_DATABASE_URL"], secret_file=Path(env["PIBOARD_SECRET_FILE"]))
    )


def exported(services: Services, board_id: str) -> dict[str, Any]:
    return export_board(services.op_path.state(board_id))


def test_export_and_import_on_the_command_line(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    services = services_on(tmp_path)
    board_id, _, _ = create_board_with_rte(services, "CLI ART", demo=True)
    doc = exported(services, board_id)

    piboard(["export", board_id, "--format", "json", "-o", str(tmp_path / "board.json")], env, tmp_path)
    from_file = json.loads((tmp_path / "board.json").read_text(encoding="utf-8"))
    assert comparable(from_file) == comparable(doc) and from_file["meta"]["name"] == "CLI ART"
    piboard(["export", board_id, "--format", "zip", "-o", str(tmp_path / "all.zip")], env, tmp_path)
    archive = zipfile.ZipFile(tmp_path / "all.zip")
    assert {"features.csv", "stories.csv", "risks.csv", "votes.csv"} <= set(archive.namelist())
    rows = list(csv.DictReader(io.StringIO(archive.read("stories.csv").decode("utf-8-sig"))))
    assert len(rows) == len(doc["stories"])

    # JSON -> a new board, equal to the old, with the RTE's join link printed.
    imported = piboard(["import", str(tmp_path / "board.json")], env, tmp_path)
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/join/\S+\n", imported.stdout), imported.stdout
    new_id = re.search(r"Board (\S+) imported", imported.stderr).group(1)  # type: ignore[union-attr]
    assert new_id != board_id
    assert comparable(exported(services, new_id)) == comparable(doc)
    token = imported.stdout.strip().rsplit("/", 1)[1]
    assert services.auth.link_for_token(token).board_id == new_id, "the link opens the new board as RTE"


def test_jira_on_the_command_line_a_new_board_then_a_re_import(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    services = services_on(tmp_path)
    source = FIXTURES / "cloud_custom_type.csv"
    boards = services.op_path.boards()

    preview = piboard(["import", "--jira", str(source), "--preview"], env, tmp_path).stdout
    assert "line 2: OPS-201 (Work Request) create story" in preview, preview
    assert services.op_path.boards() == boards, "a preview makes nothing"

    made = piboard(["import", "--jira", str(source), "--default-team", "Service Desk"], env, tmp_path)
    board_id = re.search(r"^board id: (\S+)$", made.stdout, re.M).group(1)  # type: ignore[union-attr]
    token = re.search(r"^http://127\.0\.0\.1:8000/join/(\S+)$", made.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert services.auth.link_for_token(token).board_id == board_id, "the RTE's link to the new board"
    state = services.op_path.state(board_id)
    assert state.meta.name == "Operations Desk"
    assert {t.name for t in state.teams} == {"Identity", "Workplace", "Compliance", "Service Desk"}
    assert len(state.stories) == 10 and sum(s.points for s in state.stories) == 29

    changed = source.read_text(encoding="utf-8").replace(
        "VPN certificate renewal", "VPN certificates renewed"
    )
    (tmp_path / "newer.csv").write_text(changed, encoding="utf-8")
    again = ["import", "--jira", str(tmp_path / "newer.csv"), "--board", board_id]
    shown = piboard([*again, "--preview"], env, tmp_path).stdout
    assert (
        "OPS-203 (Work Request) update story: title: VPN certificate renewal -> VPN certificates renewed"
        in shown
    )
    piboard([*again, "--map", "type:Work Request=story", "--map", "removed=delete"], env, tmp_path)
    titles = {s.title for s in services.op_path.state(board_id).stories}
    assert "VPN certificates renewed" in titles and len(titles) == 10
    bad = piboard([*again, "--map", "type:Work Request=incident"], env, tmp_path, ok=False)
    assert "choose one of" in bad.stderr


def test_bad_files_are_refused_with_where_and_nothing_is_made(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    services = services_on(tmp_path)
    board_id, _, _ = create_board_with_rte(services, "Target")
    boards = services.op_path.boards()
    (tmp_path / "broken.json").write_text('{\n  "schema": "piboard/1",\n  "meta": {\n}\n,', encoding="utf-8")
    refused = piboard(["import", str(tmp_path / "broken.json")], env, tmp_path, ok=False)
    assert "nothing was changed" in refused.stderr and "line 5" in refused.stderr
    assert services.op_path.boards() == boards

    (tmp_path / "jira.csv").write_bytes(b'Summary,Issue key\r\nfine,PAY-1\r\n"open,PAY-2\r\n')
    seq = services.op_path.state(board_id).seq
    jira = ["import", "--jira", str(tmp_path / "jira.csv"), "--board", board_id]
    refused = piboard(jira, env, tmp_path, ok=False)
    assert "line 3" in refused.stderr, refused.stderr
    assert services.op_path.state(board_id).seq == seq


# Runs the command as ``piboard`` does, then writes the names of every module it loaded to a file.
LOADING = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("server.cli", run_name="__main__")
"""
WEB = ("fastapi", "starlette", "uvicorn", "httpx", "jinja2")


def modules_loaded_by(args: list[str], env: dict[str, str], cwd: Path) -> set[str]:
    out = cwd / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", LOADING, str(out), *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return {name.split(".")[0] for name in json.loads(out.read_text())}


def test_an_import_loads_no_web_application_and_migrates_only_a_database_behind(tmp_path: Path) -> None:
    services = services_on(tmp_path)
    board_id, _, _ = create_board_with_rte(services, "Source ART", demo=True)
    (tmp_path / "board.json").write_text(json.dumps(exported(services, board_id)), encoding="utf-8")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = env_for(fresh)

    first = modules_loaded_by(["import", str(tmp_path / "board.json")], env, fresh)
    assert first.isdisjoint(WEB), first & set(WEB)
    assert "alembic" in first, "a new database is made by the migrations"
    again = modules_loaded_by(["import", str(tmp_path / "board.json")], env, fresh)
    assert again.isdisjoint({*WEB, "alembic"}), again & {*WEB, "alembic"}
    imported = services_on(fresh).op_path.boards()
    assert [b["name"] for b in imported] == ["Source ART", "Source ART"]

"""F1: one bad string must not break a board.

The probe's steps: a plain team member posts ``risk.create`` with a title holding an unpaired UTF-16
surrogate. Before the fix it was stored, and then the board's REST read and ``/events`` answered
500, the exports 404, every socket was closed with 1000, and it survived a restart. Now every door
refuses it with a reason and changes nothing; and a database that already holds such rows (written
by an older piboard) opens, with the rows repaired in what is read and reported, not hidden.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.live.client import LiveClient, run_async

BROKEN_TITLE = "x \ud800 y"
EXPORTS = ["export.json", "export.zip", "export/jira.csv", "export/risks.csv", "board.svg", "report.html"]


def post_json(client: httpx.Client, url: str, body: Any) -> httpx.Response:
    """JSON as any client may send it: ``\\ud800`` is a legal JSON escape, so no encoder stops it."""
    return client.post(url, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def assert_board_works(board: BoardHandle, session: str) -> dict[str, Any]:
    with board.server.client(session) as c:
        read = c.get(f"/api/boards/{board.id}")
        assert read.status_code == 200, read.text
        events = c.get(f"/api/boards/{board.id}/events", params={"since": 0})
        assert events.status_code == 200, events.text
        for path in EXPORTS:
            got = c.get(f"/api/boards/{board.id}/{path}")
            assert got.status_code == 200, (path, got.status_code, got.text[:200])
        for page in ("program", "risks", "admin"):
            assert c.get(f"/b/{board.id}/{page}").status_code in (200, 403), page
    return dict(read.json())


def team_setup(board: BoardHandle) -> tuple[str, str]:
    team = board.op(board.rte_session, "team.create", args={"name": "Alpha"}).json()["changes"][0]["id"]
    return team, board.join("team", "Tess", team)


def test_a_lone_surrogate_from_a_team_member_is_refused_and_the_board_keeps_working(
    board: BoardHandle,
) -> None:
    team, tess = team_setup(board)

    async def scenario() -> None:
        start = board.read()["seq"]
        watcher = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=start)
        await watcher.wait_welcome()
        with board.server.client(tess) as c:
            r = post_json(
                c, f"/api/boards/{board.id}/ops", {"type": "risk.create", "args": {"title": BROKEN_TITLE}}
            )
            assert r.status_code == 422, r.text
            assert r.json()["error"] == "invalid" and "broken character" in r.json()["reason"]
            # Anywhere in the op, not only in the fields the op reads.
            r = post_json(
                c,
                f"/api/boards/{board.id}/ops",
                {"type": "risk.create", "args": {"title": "ok", "team_id": team, "note": ["\udfff"]}},
            )
            assert r.status_code == 422, r.text
        # The socket door refuses it too, and the socket stays open for the next, good op.
        bad = await watcher.op("risk.create", args={"title": BROKEN_TITLE})
        await watcher.wait_until(lambda: bad in watcher.refusals)
        assert watcher.refusals[bad]["error"] == "invalid"
        good = await watcher.op("risk.create", args={"title": "Vendor late"})
        await watcher.wait_acks([good])
        await watcher.wait_events(1)
        assert watcher.closed_code is None
        assert board.read()["seq"] == start + 1, "nothing of the refused ops was stored"
        await watcher.close()

    run_async(scenario())
    assert_board_works(board, tess)


def test_the_form_door_never_stores_broken_text(board: BoardHandle) -> None:
    """Form bytes that are not UTF-8 (``%ED%A0%80`` would be a surrogate) arrive as U+FFFD, which is
    valid text; a NUL is refused with a reason and changes nothing."""
    start = board.read()["seq"]
    with board.server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        form = {"content-type": "application/x-www-form-urlencoded"}
        r = c.post(f"/b/{board.id}/ops", content=b"type=risk.create&args.title=x+%00+y", headers=form)
        assert r.status_code == 422 and "NUL character" in r.text
        assert board.read()["seq"] == start
        r = c.post(f"/b/{board.id}/ops", content=b"type=risk.create&args.title=x+%ED%A0%80+y", headers=form)
        assert r.status_code == 204, r.text
    titles = [r["title"] for r in assert_board_works(board, board.rte_session)["items"]["risk"].values()]
    assert titles == ["x \ufffd\ufffd\ufffd y"]


def test_imports_refuse_broken_text_with_the_row(live_server: LiveServer) -> None:
    """A board file (JSON, whose ``\\ud800`` escape decodes to a lone surrogate) and a Jira CSV (bytes
    that are not UTF-8) are refused with a reason; no board and no item is made."""
    doc = {
        "schema": "piboard/1",
        "meta": {"name": "Imported"},
        "risks": [{"id": "r1", "title": BROKEN_TITLE}],
    }
    with live_server.client() as c:
        before = c.get("/api/boards").json()
        r = post_json(c, "/api/boards/import", doc)
        assert r.status_code == 422, r.text
        assert "broken character" in json.dumps(r.json())
        doc["meta"] = {"name": "bad \udc00 name"}
        doc["risks"] = []
        assert post_json(c, "/api/boards/import", doc).status_code == 422
        assert c.get("/api/boards").json() == before
    board = create_board(live_server)
    start = board.read()["seq"]
    csv = b"Issue Type,Summary\nEpic,x \xed\xa0\x80 y\n"
    with board.rte() as c:
        r = c.post(f"/api/boards/{board.id}/import/jira", files={"file": ("jira.csv", csv, "text/csv")})
    assert r.status_code == 422, r.text
    assert board.read()["seq"] == start


def test_names_and_board_names_with_broken_text_are_refused(board: BoardHandle) -> None:
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "observer"}).json()
        token = link["join_url"].rsplit("/", 1)[1]
        assert post_json(c, "/api/join", {"token": token, "name": "Eve \ud800"}).status_code == 422
        assert post_json(c, "/api/boards", {"name": "ART \udfff"}).status_code == 422
        label = post_json(c, f"/api/boards/{board.id}/links", {"role": "observer", "label": "\ud800"})
        assert label.status_code == 422
        page = c.post(
            f"/join/{token}",
            content=b"name=Eve+%00",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert page.status_code == 400 and "say your name" in page.text


# --- a database written before text was checked --------------------------------------------------------


def break_rows(db_file: Path, board_id: str, risk_id: str) -> None:
    """Write what an older piboard stored for the probe's op: the item and its event hold ``\\ud800``.
    Plus one item row that no longer decodes at all."""
    conn = sqlite3.connect(db_file)
    with conn:
        (data,) = conn.execute(
            "SELECT data FROM item WHERE board_id=? AND kind='risk' AND item_id=?", (board_id, risk_id)
        ).fetchone()
        conn.execute(
            "UPDATE item SET data=? WHERE board_id=? AND kind='risk' AND item_id=?",
            (data.replace('"Vendor late"', '"x \\ud800 y"'), board_id, risk_id),
        )
        seq, changes = conn.execute(
            "SELECT seq, changes FROM event WHERE board_id=? AND op_type='risk.create' ORDER BY seq",
            (board_id,),
        ).fetchone()
        conn.execute(
            "UPDATE event SET changes=? WHERE board_id=? AND seq=?",
            (changes.replace('"Vendor late"', '"x \\ud800 y"'), board_id, seq),
        )
        conn.execute(
            "INSERT INTO item (board_id, kind, item_id, version, data) VALUES (?, 'risk', 'ghost', 1, ?)",
            (board_id, '{"not": "a risk"}'),
        )
    conn.close()


def test_a_database_already_holding_broken_rows_opens_and_reports_them(tmp_path: Path) -> None:
    db_file = tmp_path / "old.db"
    server = start_server(f"sqlite:///{db_file}", ops_per_second=1000.0, ops_burst=1000)
    board = create_board(server)
    risk = board.op(board.rte_session, "risk.create", args={"title": "Vendor late"}).json()["changes"][0][
        "id"
    ]
    board.op(board.rte_session, "risk.create", args={"title": "Other risk"})
    server.stop()
    break_rows(db_file, board.id, risk)

    server = start_server(f"sqlite:///{db_file}", ops_per_second=1000.0, ops_burst=1000)
    try:
        board = BoardHandle(server, board.id, board.rte_session)
        read = assert_board_works(board, board.rte_session)
        titles = sorted(r["title"] for r in read["items"]["risk"].values())
        assert titles == ["Other risk", "x \ufffd y"], (
            "the broken row is shown repaired, the good one as it is"
        )
        problems = {p["row"]: p["problem"] for p in read["problems"]}
        assert f"item risk/{risk}" in problems and "title" in problems[f"item risk/{risk}"]
        assert "item risk/ghost" in problems and "left out" in problems["item risk/ghost"]
        with board.rte() as c:
            events = c.get(f"/api/boards/{board.id}/events", params={"since": 0}).json()
            assert any(
                ch["after"] and ch["after"].get("title") == "x \ufffd y"
                for e in events
                for ch in e["changes"]
            )
            assert any(
                p["row"].startswith("event ") for p in c.get(f"/api/boards/{board.id}").json()["problems"]
            )
            c.cookies.set(f"pb_{board.id}", board.rte_session)
            assert f'hx-get="/b/{board.id}/admin/people"' in c.get(f"/b/{board.id}/admin").text
            panel = c.get(f"/b/{board.id}/admin/people")
            assert panel.status_code == 200 and f"item risk/{risk}" in panel.text

        async def catch_up() -> None:
            client = await LiveClient.connect(
                server.ws_url, board.id, board.rte_session, last_seq=0, view="risks", mode="html"
            )
            await client.wait_until(lambda: len(client.raw) >= 2)
            other = await LiveClient.connect(server.ws_url, board.id, board.rte_session, last_seq=1)
            await other.wait_until(lambda: len(other.events) >= read["seq"] - 1)
            assert client.closed_code is None and other.closed_code is None
            await asyncio.gather(client.close(), other.close())

        run_async(catch_up())
        # The RTE fixes the item through the op path; the fix is an event like any other edit.
        version = read["items"]["risk"][risk]["version"]
        fixed = board.op(
            board.rte_session, "risk.update", target=risk, base_version=version, args={"title": "Vendor late"}
        )
        assert fixed.status_code == 200, fixed.text
        assert board.read()["items"]["risk"][risk]["title"] == "Vendor late"
    finally:
        server.stop()

    # The operator's check reads every board whole, events included, and names each row.
    env = {
        **os.environ,
        "PIBOARD_DATABASE_URL": f"sqlite:///{db_file}",
        "PIBOARD_SECRET_FILE": str(tmp_path / "s"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "item risk/ghost" in done.stdout and "event " in done.stdout
    assert f"item risk/{risk}" not in done.stdout, "the item was fixed through the op path"


def test_the_command_line_import_refuses_broken_text(tmp_path: Path) -> None:
    """The CLI door: a board file whose ``\\ud800`` escape decodes to a lone surrogate makes no board."""
    doc = {"schema": "piboard/1", "meta": {"name": "CLI"}, "risks": [{"id": "r1", "title": BROKEN_TITLE}]}
    (tmp_path / "board.json").write_text(json.dumps(doc), encoding="utf-8")
    env = {
        **os.environ,
        "PIBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PIBOARD_SECRET_FILE": "s",
    }
    command = [sys.executable, "-m", "server.cli", "import", str(tmp_path / "board.json")]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout
    assert "broken character" in done.stderr and "/join/" not in done.stdout


def test_control_characters_an_older_piboard_stored_are_repaired_and_the_export_imports(
    tmp_path: Path,
) -> None:
    """Text was once kept with C1 controls and DEL in it (a terminal escape pasted in a title): read
    back, each is U+FFFD and the row reported, and the board's own export imports again."""
    db_file = tmp_path / "old.db"
    server = start_server(f"sqlite:///{db_file}", ops_per_second=1000.0, ops_burst=1000)
    board = create_board(server)
    made = board.op(board.rte_session, "risk.create", args={"title": "Vendor late"})
    risk = made.json()["changes"][0]["id"]
    server.stop()
    conn = sqlite3.connect(db_file)
    with conn:
        (data,) = conn.execute("SELECT data FROM item WHERE item_id=?", (risk,)).fetchone()
        stored = data.replace('"Vendor late"', '"Vendor \\u009b31m late\\u007f"')
        conn.execute("UPDATE item SET data=? WHERE item_id=?", (stored, risk))
    conn.close()

    server = start_server(f"sqlite:///{db_file}", ops_per_second=1000.0, ops_burst=1000)
    try:
        board = BoardHandle(server, board.id, board.rte_session)
        read = board.read()
        assert read["items"]["risk"][risk]["title"] == "Vendor \ufffd31m late\ufffd"
        assert any(p["row"] == f"item risk/{risk}" for p in read["problems"])
        with board.rte() as c:
            exported = c.get(f"/api/boards/{board.id}/export.json").content
        with server.client() as c:
            imported = c.post("/api/boards/import", content=exported)
        assert imported.status_code == 201, imported.text
    finally:
        server.stop()

"""User text with HTML and JavaScript in every field is inert on every page, live fragment and export."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.live.client import LiveClient

# Markup that would run or render if it reached a page unescaped, in tag and attribute contexts.
LONG = '"\'><xss-probe></xss-probe><script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
SHORT = "\"'><img src=x onerror=__xss=1>"  # fits 40-character fields
RAW_MARKERS = ("<xss-probe", "<script>window.__xss", "<img src=x onerror")
ESCAPED_MARKER = re.compile(r"&lt;(img src=x onerror|xss-probe)")


def text(n: int) -> str:
    return LONG if n >= len(LONG) else SHORT


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        f"sqlite:///{tmp_path_factory.mktemp('xss') / 'piboard.db'}", ops_per_second=1000.0, ops_burst=1000
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_board(xss_server: LiveServer) -> tuple[BoardHandle, dict[str, str]]:
    """A board whose every text field, name and label carries the payload."""
    board = create_board(xss_server, LONG[:120])
    s = board.rte_session
    ids: dict[str, str] = {}

    def op(key: str | None, type: str, **body: Any) -> dict[str, Any]:
        r = board.op(s, type, **body)
        assert r.status_code == 200, (type, r.text)
        answer: dict[str, Any] = r.json()
        if key:
            ids[key] = answer["changes"][0]["id"]
        return answer

    op(None, "board.update", base_version=1, args={"pi_name": LONG[:120]})
    op("i1", "iteration.create", args={"number": 1, "name": SHORT})
    op("i2", "iteration.create", args={"number": 2, "name": SHORT})
    op("t1", "team.create", args={"name": SHORT})
    op("t2", "team.create", args={"name": SHORT + "2"})
    op(None, "member.create", args={"name": SHORT, "team_id": ids["t1"], "fte": 1.0, "role": SHORT})
    feature = {"team_id": ids["t1"], "iteration_id": ids["i1"], "external_key": SHORT}
    op("f1", "feature.create", args={"title": LONG, "description": LONG, "acceptance": LONG, **feature})
    op("f2", "feature.create", args={"title": LONG, "team_id": ids["t2"], "iteration_id": ids["i2"]})
    op(
        None,
        "story.create",
        args={"title": LONG, "feature_id": ids["f1"], "iteration_id": ids["i1"], "points": 3},
    )
    op(None, "milestone.create", args={"title": LONG, "iteration_id": ids["i1"]})
    dep = {"need": LONG, "requesting_team_id": ids["t1"], "needed_by_iteration_id": ids["i1"]}
    op("d1", "dependency.create", args={**dep, "provider_team_id": ids["t2"]})
    op(None, "dependency.create", args={**dep, "external_party": SHORT})
    op(None, "dependency.comment", target=ids["d1"], base_version=1, args={"comment": LONG})
    op(None, "objective.create", args={"team_id": ids["t1"], "statement": LONG, "committed": True})
    op(None, "risk.create", args={"title": LONG, "description": LONG, "owner": SHORT, "team_id": ids["t1"]})
    op(None, "agenda.create", args={"day": 1, "title": LONG, "minutes": 30})
    # People's names and a link label are user text too: a team member with a hostile name votes 1.
    with board.rte() as c:
        link = c.post(
            f"/api/boards/{board.id}/links", json={"role": "team", "team_id": ids["t1"], "label": LONG[:80]}
        )
        token = link.json()["join_url"].rsplit("/", 1)[1]
        member = c.post("/api/join", json={"token": token, "name": SHORT}).json()["session"]
    ids["token"] = token
    vote = op(None, "vote.open", args={})
    round_id = vote["changes"][0]["id"]
    r = board.op(member, "vote.cast", target=round_id, args={"value": 1, "reason": LONG})
    assert r.status_code == 200, r.text
    op(None, "vote.close", target=round_id)
    op(None, "vote.reveal", target=round_id)
    return board, ids


def pages(board: BoardHandle, ids: dict[str, str]) -> list[str]:
    b = board.id
    views = ("program", "screen", "objectives", "objectives/vague", "risks", "vote", "agenda", "admin")
    return ["/", *(f"/b/{b}/{v}" for v in views), f"/b/{b}/team/{ids['t1']}", f"/join/{ids['token']}"]


def exports(board: BoardHandle) -> list[str]:
    return [f"/api/boards/{board.id}/report.html", f"/api/boards/{board.id}/board.svg"]


def assert_inert(body: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in body, f"{where}: unescaped {marker!r}"


def test_every_page_and_export_shows_the_payload_escaped(
    xss_server: LiveServer, hostile_board: tuple[BoardHandle, dict[str, str]]
) -> None:
    board, ids = hostile_board
    with board.rte() as c:
        for path in pages(board, ids) + exports(board):
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            assert_inert(r.text, path)
            if path.startswith("/b/") and not path.endswith("/vague"):
                assert ESCAPED_MARKER.search(r.text), f"{path}: the user text is not shown at all"
        exported = c.get(f"/api/boards/{board.id}/export.json")
        assert exported.headers["content-type"].startswith("application/json")
        assert exported.headers["x-content-type-options"] == "nosniff"


def test_refusal_fragments_escape_what_they_echo(
    xss_server: LiveServer, hostile_board: tuple[BoardHandle, dict[str, str]]
) -> None:
    board, _ = hostile_board
    with board.rte() as c:
        for fields in (
            {"type": "risk.update", "target": LONG},
            {"type": LONG},
            {"type": "risk.create", "args.title": LONG * 5},
        ):
            r = c.post(f"/b/{board.id}/ops", data=fields)
            assert r.status_code >= 400
            assert_inert(r.text, f"form refusal {fields['type'][:20]}")


def test_live_fragments_pushed_over_the_socket_are_escaped(
    xss_server: LiveServer, hostile_board: tuple[BoardHandle, dict[str, str]]
) -> None:
    board, ids = hostile_board
    views = ["program", f"team:{ids['t1']}", "risks", "objectives", "vote", "agenda", "screen", "admin"]

    async def watch() -> list[str]:
        clients = [
            await LiveClient.connect(
                xss_server.ws_url,
                board.id,
                board.rte_session,
                last_seq=None,
                view=v,
                mode="html",
                name=f"v{n}",
            )
            for n, v in enumerate(views)
        ]
        for c in clients:
            await c.wait_until(lambda c=c: c.welcome is not None)
        seq = board.read()["seq"]
        s = board.rte_session
        for type, body in (
            ("feature.create", {"args": {"title": LONG, "team_id": ids["t1"], "iteration_id": ids["i2"]}}),
            ("risk.create", {"args": {"title": LONG, "description": LONG, "team_id": ids["t1"]}}),
            ("objective.create", {"args": {"team_id": ids["t1"], "statement": LONG}}),
            ("agenda.create", {"args": {"day": 2, "title": LONG, "minutes": 10}}),
            (
                "story.create",
                {"args": {"title": LONG, "team_id": ids["t1"], "iteration_id": ids["i2"], "points": 2}},
            ),
        ):
            assert board.op(s, type, **body).status_code == 200
        final = seq + 5
        for c in clients:
            await c.wait_until(lambda c=c: any(f'data-seq="{final}"' in m for m in c.raw), 20)
        raw = [m for c in clients for m in c.raw]
        for c in clients:
            await c.close()
        return raw

    frames = asyncio.run(watch())
    assert any(ESCAPED_MARKER.search(f) for f in frames), "the live fragments show the user text"
    for frame in frames:
        assert_inert(frame, "live fragment")


def test_no_injected_script_runs_in_a_real_browser(
    xss_server: LiveServer, hostile_board: tuple[BoardHandle, dict[str, str]], browser: Browser
) -> None:
    board, ids = hostile_board
    dialogs: list[str] = []
    context = browser.new_context()
    context.add_cookies([{"name": f"pb_{board.id}", "value": board.rte_session, "url": xss_server.url}])
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in [*pages(board, ids), exports(board)[0]]:
        page.goto(xss_server.url + path, wait_until="load")
        page.wait_for_timeout(150)
        assert page.evaluate("window.__xss") is None, path
        assert page.evaluate("document.querySelectorAll('xss-probe, img[src=\"x\"]').length") == 0, path
    # A live update while the program board is open: htmx swaps the fragment in; still inert.
    page.goto(f"{xss_server.url}/b/{board.id}/program", wait_until="load")
    page.wait_for_timeout(500)
    created = board.op(
        board.rte_session,
        "feature.create",
        args={"title": LONG, "team_id": ids["t2"], "iteration_id": ids["i1"]},
    )
    assert created.status_code == 200
    page.wait_for_function(
        "document.querySelector('#live-seq') && "
        f"Number(document.querySelector('#live-seq').dataset.seq) >= {created.json()['seq']}",
        timeout=15_000,
    )
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('xss-probe, img[src=\"x\"]').length") == 0
    context.close()
    assert dialogs == []

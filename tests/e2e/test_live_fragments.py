"""The pages' live renderers: only the regions an edit changed, the same bytes for everyone, escaped."""

from __future__ import annotations

import re

import pytest

from board import Actor
from board.model import Role
from server.pages import common
from server.pages.program import build_program, program_regions
from server.pages.renderer import render_update
from server.pages.templating import Viewer, rendering_for
from tests.conftest import BoardHandle, LiveServer
from tests.e2e.conftest import atlas_accepts_dep1, build_plan

NOW = re.compile(r'data-now="[0-9.]+"')
OOB_IDS = re.compile(r'id="([^"]+)"[^>]*hx-swap-oob')

RTE_AUDIENCE = (Role.RTE, None)  # the RTE sees every control


def after_op(server: LiveServer, board: BoardHandle, type: str, **body: object) -> dict[str, str]:
    """Apply one op over REST and render every view of ours for the batch it became."""
    op_path = server.services.op_path
    seq = op_path.state(board.id).seq
    r = board.op(board.rte_session, type, **body)
    assert r.status_code == 200, r.text
    events = op_path.events_since(board.id, seq)
    state = op_path.state(board.id)
    views = ("program", "screen", "team:atlas", "team:borealis", "team:comet")
    return {view: render_update(view, state, events, RTE_AUDIENCE) or "" for view in views}


def version(board: BoardHandle, kind: str, item_id: str) -> int:
    return int(board.read()["items"][kind][item_id]["version"])


def test_a_move_sends_only_the_cells_strings_and_counters_it_changed(
    live_server: LiveServer, board: BoardHandle
) -> None:
    build_plan(board)
    atlas_accepts_dep1(board)
    html = after_op(
        live_server,
        board,
        "feature.move",
        target="payapi",
        base_version=version(board, "feature", "payapi"),
        args={"iteration_id": "it4"},
    )
    # Of Atlas's row, the two cells the card left and reached and the label (its conflict mark); of
    # Comet's, the cell of its Checkout card, now in conflict, and the label; of the strings list, only
    # the dependency whose state changed. No row, nor the whole list, is sent again.
    changed = ["team-atlas", "cell-5-atlas-it2", "cell-5-atlas-it4", "team-comet", "cell-5-comet-it3"]
    changed += ["dep-dep1", "deps-summary", "counters"]
    assert OOB_IDS.findall(html["program"]) == changed
    assert 'data-state="conflict"' in html["program"]
    assert 'id="strings"' not in html["program"] and 'id="row-' not in html["program"]
    assert OOB_IDS.findall(html["screen"])[:8] == changed
    assert 'id="row-' not in html["screen"]
    with live_server.client(board.rte_session) as c:
        page = c.get(f"/b/{board.id}/program").text
    assert all("<!--/part-->" not in text for text in (page, html["program"], html["screen"]))
    # What is sent of a row is its cells as the whole row shows them: the page after the move.
    state = live_server.services.op_path.state(board.id)
    with rendering_for(Viewer(Actor("", "", Role.RTE), locked=False)):
        rows = {r.id: r for r in program_regions(build_program(state))}
    for team, cell in (("atlas", "cell-5-atlas-it4"), ("comet", "cell-5-comet-it3")):
        whole = rows[f"row-{team}"]
        assert whole.parts is not None
        assert whole.parts[cell].strip() in html["program"].replace(' hx-swap-oob="outerHTML"', "")
        assert len(html["program"]) < len(rows["row-atlas"].html) + len(whole.html)
    assert "col-it2" in OOB_IDS.findall(html["team:atlas"])
    assert "col-it4" in OOB_IDS.findall(html["team:atlas"])
    assert "deps-out" in OOB_IDS.findall(html["team:comet"])
    assert not any(i.startswith(("row-", "col-", "cell-")) for i in OOB_IDS.findall(html["team:borealis"]))


def test_a_new_dependency_sends_the_whole_strings_list(live_server: LiveServer, board: BoardHandle) -> None:
    """The list's items changed (one more): it is sent whole, with every string, the new one in place."""
    build_plan(board)
    args = {"need": "Search API", "requesting_team_id": "comet", "requesting_feature_id": "loyalty"}
    args |= {"provider_team_id": "borealis", "provider_feature_id": "search", "needed_by_iteration_id": "it2"}
    html = after_op(live_server, board, "dependency.create", args=args)
    assert "strings" in OOB_IDS.findall(html["program"])
    assert "dep-dep1" not in OOB_IDS.findall(html["program"])  # in the list, not sent again alone
    assert html["program"].count('class="string ') == 2  # dep1 and the new one


def test_a_new_team_redraws_the_whole_board(live_server: LiveServer, board: BoardHandle) -> None:
    build_plan(board)
    html = after_op(live_server, board, "team.create", args={"name": "Dynamo"})
    assert OOB_IDS.findall(html["program"])[0] == "program-grid"
    assert "Dynamo" in html["program"]


def test_user_text_is_escaped_in_pages_and_fragments(live_server: LiveServer, board: BoardHandle) -> None:
    build_plan(board)
    evil = '<img src=x onerror="alert(1)">'
    html = after_op(
        live_server,
        board,
        "feature.update",
        target="payapi",
        base_version=version(board, "feature", "payapi"),
        args={"title": evil},
    )
    for fragment in (html["program"], html["team:atlas"]):
        assert evil not in fragment
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in fragment
    with live_server.client(board.rte_session) as c:
        page = c.get(f"/b/{board.id}/program").text
    assert evil not in page


def test_pages_ask_for_a_session_first(live_server: LiveServer, board: BoardHandle) -> None:
    with live_server.client() as c:
        r = c.get(f"/b/{board.id}/program")
    assert r.status_code == 401
    assert "join link" in r.text


def test_fragments_from_the_kept_rendering_are_those_of_rebuilding_the_board_before(
    live_server: LiveServer, board: BoardHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's "before" is taken from the rendering kept for the previous batch; the fragments are
    exactly those of rendering the board rebuilt as it was before the batch."""
    build_plan(board)
    op_path = live_server.services.op_path
    views = ("program", "screen", "risks", "objectives", "team:atlas", "team:comet")
    state = op_path.state(board.id)
    for view in views:  # the renderings of the current seq are kept
        render_update(view, state, op_path.events_since(board.id, state.seq - 1), RTE_AUDIENCE)
    edits: list[tuple[str, dict[str, object]]] = [
        ("feature.move", {"target": "payapi", "args": {"iteration_id": "it4"}}),
        ("risk.create", {"args": {"title": "Vendor late", "team_id": "comet"}}),
        ("feature.move", {"target": "payapi", "args": {"iteration_id": "it2"}}),
        ("team.create", {"args": {"name": "Dynamo"}}),
    ]
    for type, body in edits:
        seq = op_path.state(board.id).seq
        if "target" in body:
            body = {**body, "base_version": version(board, "feature", str(body["target"]))}
        board.op(board.rte_session, type, **body).raise_for_status()
        events, state = op_path.events_since(board.id, seq), op_path.state(board.id)
        rte = Viewer(Actor("", "", Role.RTE), locked=False)
        assert all(common.RENDERINGS.recall(board.id, common.rendering_key(v, rte), seq) for v in views)
        kept = {view: render_update(view, state, events, RTE_AUDIENCE) for view in views}
        with monkeypatch.context() as m:
            m.setattr(common, "RENDERINGS", common.Renderings(size=0))  # keeps nothing: always rebuilds
            rebuilt = {view: render_update(view, state, events, RTE_AUDIENCE) for view in views}
        # The timer carries the server's clock at render time (data-now): equal but for that.
        assert {v: NOW.sub("", html) for v, html in kept.items()} == {
            v: NOW.sub("", html) for v, html in rebuilt.items()
        }, type
        assert kept["program"], type

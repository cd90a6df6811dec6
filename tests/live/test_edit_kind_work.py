"""Each kind of edit a room makes (issue 27) renders each view once per audience, whatever the number of
browsers watching: a story or feature moved, a risk raised or ROAMed, an objective edited, business value
given, a vote cast, the timer started. The renders are counted by the hub (its ``renders`` stat: one per
view and audience rendered for a batch) and by the region memo (regions rendered again)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.pages import region_memo
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.live.client import LiveClient, run_async

VIEWS = ["program", "risks", "objectives", "team:chk"]
VIEWS_AND_AUDIENCES = 12  # 4 views, each for 3 audiences (the RTE, an observer, a member of Checkout)
EDITS = 2
KINDS = ["story", "feature", "risk", "roam", "objective", "bv", "vote", "timer"]


def prepare(board: BoardHandle, kind: str) -> None:
    """What an edit of ``kind`` needs on the demo ART first: an open vote, an agenda."""
    if kind == "vote":
        board.op(board.rte_session, "vote.open", args={"team_id": None}).raise_for_status()
    if kind == "timer":
        for k in range(2):
            body = {"args": {"title": f"Item {k}", "minutes": 15}}
            board.op(board.rte_session, "agenda.create", **body).raise_for_status()


def next_edit(board: BoardHandle, kind: str, k: int) -> tuple[str, dict[str, Any]]:
    """The ``k``-th edit of ``kind`` on the board as it is now: (op type, body)."""
    items = board.read()["items"]

    def first(kind: str, **match: Any) -> dict[str, Any]:
        found = [i for i in items[kind].values() if all(i.get(f) == v for f, v in match.items())]
        return dict(sorted(found, key=lambda i: str(i["id"]))[0])

    def on(item: dict[str, Any], **args: Any) -> dict[str, Any]:
        return {"target": item["id"], "base_version": item["version"], "args": args}

    iterations = sorted((i for i in items["iteration"].values() if not i["is_ip"]), key=lambda i: i["number"])
    later = iterations[2 + k % 2]["id"]
    if kind == "story":
        return "story.move", on(first("story", team_id="chk"), iteration_id=later)
    if kind == "feature":
        return "feature.move", on(first("feature", team_id="chk"), iteration_id=later)
    if kind == "risk":
        return "risk.create", {"args": {"title": f"Risk {k}", "team_id": "chk"}}
    if kind == "roam":
        return "risk.roam", on(first("risk"), roam=["accepted", "mitigated"][k % 2])
    if kind == "objective":
        return "objective.update", on(first("objective", team_id="chk"), statement=f"Objective {k}")
    if kind == "bv":
        return "objective.set_bv", on(first("objective", team_id="chk"), value=7 + k % 2)
    if kind == "vote":
        return "vote.cast", {"target": first("vote")["id"], "args": {"value": 3 + k % 2}}
    agenda = sorted(items["agenda"].values(), key=lambda a: a["order"])
    return "timer.start", {"target": agenda[k % len(agenda)]["id"], "args": {}}


def render_work(server: LiveServer, kind: str, watchers: int) -> list[dict[str, int]]:
    """On a fresh demo ART, ``watchers`` browsers per view and role; ``EDITS`` edits of ``kind``, each
    waited for on every screen; per edit, the views rendered and the regions rendered again."""
    board = create_board(server, demo=True)
    prepare(board, kind)
    hub = server.app.state.hub
    sessions = [board.rte_session, board.join("observer", "Olive"), board.join("team", "Tina", "chk")]
    start = board.read()["seq"]
    primed = hub.stats["primed"]

    async def scenario() -> list[dict[str, int]]:
        screens = [
            await LiveClient.connect(server.ws_url, board.id, session, last_seq=start, view=view, mode="html")
            for view in VIEWS
            for session in sessions
            for _ in range(watchers)
        ]
        for c in screens:
            await c.wait_welcome()
        await screens[0].wait_until(lambda: hub.stats["primed"] >= primed + VIEWS_AND_AUDIENCES)
        work = []
        for k in range(EDITS):
            before = (hub.stats["renders"], region_memo.MEMO.rendered)
            op_type, body = await asyncio.to_thread(next_edit, board, kind, k)
            done = await asyncio.to_thread(board.op, board.rte_session, op_type, **body)
            seq = done.raise_for_status().json()["seq"]
            for c in screens:
                await c.wait_until(lambda c=c, seq=seq: f'data-seq="{seq}"' in "".join(c.raw))
            work.append(
                {
                    "views": hub.stats["renders"] - before[0],
                    "regions": region_memo.MEMO.rendered - before[1],
                }
            )
        for c in screens:
            await c.close()
        return work

    return run_async(scenario())


@pytest.mark.parametrize("kind", KINDS)
def test_an_edit_renders_each_view_once_per_audience_however_many_browsers_watch(
    live_server: LiveServer, kind: str
) -> None:
    few = render_work(live_server, kind, watchers=1)
    many = render_work(live_server, kind, watchers=2)  # 24 browsers: more than views and audiences
    assert few == many  # nothing of it grows with the connections
    for edit in many:
        assert 1 <= edit["views"] <= VIEWS_AND_AUDIENCES < len(VIEWS) * 3 * 2

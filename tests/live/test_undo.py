"""Undo on a live server: an op like any other, refused with a reason, and across a reconnect."""

from __future__ import annotations

from typing import Any

from tests.conftest import BoardHandle
from tests.live.client import LiveClient, apply_changes, run_async


def make(board: BoardHandle, session: str, type: str, **args: Any) -> str:
    r = board.op(session, type, args=args)
    assert r.status_code == 200, r.text
    return str(next(c["id"] for c in r.json()["changes"] if c["before"] is None))


def test_a_team_member_undoes_their_move_after_reconnecting_and_everyone_sees_it(board: BoardHandle) -> None:
    team = make(board, board.rte_session, "team.create", name="Atlas")
    first = make(board, board.rte_session, "iteration.create", number=1)
    second = make(board, board.rte_session, "iteration.create", number=2)
    ana = board.join("team", "Ana", team)
    story = make(board, ana, "story.create", title="Pay by card", team_id=team, iteration_id=first)

    async def scenario() -> None:
        start = board.read()
        watcher = await LiveClient.connect(
            board.server.ws_url, board.id, board.join("observer", "Screen"), last_seq=start["seq"]
        )
        client = await LiveClient.connect(board.server.ws_url, board.id, ana, last_seq=start["seq"])
        await client.wait_welcome()
        moved = await client.op("story.move", target=story, base_version=1, args={"iteration_id": second})
        await client.wait_acks([moved])
        move_seq = client.acks[moved]["seq"]
        await client.close()

        again = await LiveClient.connect(board.server.ws_url, board.id, ana, last_seq=start["seq"])
        await again.wait_events(1)  # caught up on its own move
        undo = await again.op("event.undo", target=str(move_seq))
        await again.wait_acks([undo])
        await watcher.wait_events(2)
        assert [e["op"]["type"] for e in watcher.events] == ["story.move", "event.undo"]
        items = start["items"]
        for event in watcher.events:
            apply_changes(items, event["changes"])
        assert items["story"][story]["iteration_id"] == first
        assert items == board.read()["items"]
        await again.close()
        await watcher.close()

    run_async(scenario())


def test_an_undo_of_an_item_changed_since_is_refused_with_the_reason_and_changes_nothing(
    board: BoardHandle,
) -> None:
    risk = make(board, board.rte_session, "risk.create", title="Vendor late")
    r = board.op(board.rte_session, "risk.update", target=risk, base_version=1, args={"owner": "Ana"})
    owner_seq = r.json()["seq"]
    board.op(board.rte_session, "risk.roam", target=risk, base_version=2, args={"roam": "mitigated"})
    before = board.read()

    refused = board.op(board.rte_session, "event.undo", target=str(owner_seq))

    assert refused.status_code == 409
    assert refused.json()["error"] == "stale"
    assert "was changed since" in refused.json()["reason"]
    assert board.read() == before


def test_someone_elses_op_is_not_theirs_to_undo(board: BoardHandle) -> None:
    team = make(board, board.rte_session, "team.create", name="Atlas")
    ana, amir = board.join("team", "Ana", team), board.join("team", "Amir", team)
    make(board, ana, "risk.create", title="Holidays", team_id=team)
    seq = board.read()["seq"]

    refused = board.op(amir, "event.undo", target=str(seq))

    assert refused.status_code == 403
    assert refused.json()["reason"] == "only Ana or the RTE can undo this"

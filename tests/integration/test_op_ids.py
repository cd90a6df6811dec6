"""F2: a ``client_op_id`` belongs to its sender.

The probe's steps: browser ids (``web-<id>-<n>``) are visible in the event stream, so a team member
sends edits of her own with the RTE's next ids; the RTE's real edit was then acked as a duplicate
and never applied. Now the same id from another participant is a different op, and a resend by
the same participant still changes nothing.
"""

from __future__ import annotations

from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async


def test_another_participant_cannot_pre_claim_the_rtes_next_op_ids(board: BoardHandle) -> None:
    team = board.op(board.rte_session, "team.create", args={"name": "Alpha"}).json()["changes"][0]["id"]
    tess = board.join("team", "Tess", team)
    # What the event stream shows of the RTE's browser ids, and the next ones she guesses.
    board.op(board.rte_session, "risk.create", args={"title": "Seen"}, client_op_id="web-rte1-1")
    with board.rte() as c:
        seen = c.get(f"/api/boards/{board.id}/events", params={"since": 0}).json()[-1]["op"]["client_op_id"]
    assert seen == "web-rte1-1"
    for n in (2, 3):
        claimed = board.op(
            tess, "risk.create", args={"title": f"Claim {n}", "team_id": team}, client_op_id=f"web-rte1-{n}"
        )
        assert claimed.status_code == 200 and claimed.json()["duplicate"] is False

    # Over REST: the RTE's edit with that id is applied.
    real = board.op(
        board.rte_session, "risk.create", args={"title": "RTE's real risk"}, client_op_id="web-rte1-2"
    )
    assert real.status_code == 200 and real.json()["duplicate"] is False

    # Over the socket too.
    async def scenario() -> None:
        rte = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=None)
        await rte.wait_welcome()
        await rte.op("risk.create", client_op_id="web-rte1-3", args={"title": "RTE's live risk"})
        await rte.wait_acks(["web-rte1-3"])
        assert rte.acks["web-rte1-3"]["duplicate"] is False
        # A resend of the same op by the same sender stays idempotent.
        await rte.close()
        again = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=None)
        await again.op("risk.create", client_op_id="web-rte1-3", args={"title": "RTE's live risk"})
        await again.wait_acks(["web-rte1-3"])
        assert again.acks["web-rte1-3"]["duplicate"] is True
        assert again.acks["web-rte1-3"]["seq"] == rte.acks["web-rte1-3"]["seq"]
        await again.close()

    run_async(scenario())
    titles = sorted(r["title"] for r in board.read()["items"]["risk"].values())
    assert titles == ["Claim 2", "Claim 3", "RTE's live risk", "RTE's real risk", "Seen"]
    resent = board.op(
        tess, "risk.create", args={"title": "Claim 2", "team_id": team}, client_op_id="web-rte1-2"
    )
    assert resent.json()["duplicate"] is True
    assert len(board.read()["items"]["risk"]) == 5

"""The meeting's pages' live fragments, as a browser's socket receives them (html mode), without a browser."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

from websockets.sync.client import ClientConnection, connect

from tests.conftest import BoardHandle
from tests.meeting.browser import leaked_ballot_values

SECRET_REASON = "zebra-secret-reason"


@contextmanager
def html_socket(board: BoardHandle, session: str, view: str) -> Iterator[ClientConnection]:
    url = f"{board.server.ws_url}/b/{board.id}/ws"
    with connect(url, additional_headers={"Authorization": f"Bearer {session}"}, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "hello", "mode": "html", "view": view}))
        yield ws


def drain(ws: ClientConnection, quiet: float = 0.4) -> list[str]:
    """Every message until the socket has been quiet for ``quiet`` seconds."""
    got: list[str] = []
    while True:
        try:
            message = ws.recv(timeout=quiet)
        except TimeoutError:
            return got
        got.append(message if isinstance(message, str) else message.decode())


def test_vote_fragments_carry_counts_before_the_reveal_and_the_tally_after(board: BoardHandle) -> None:
    team = board.op(board.rte_session, "team.create", args={"id": "atlas", "name": "Atlas"})
    assert team.status_code == 200
    voters = [board.join("team", f"Dev {n}", "atlas") for n in range(3)]
    observer = board.join("observer", "Screen")
    with (
        html_socket(board, voters[0], "vote") as vote_view,
        html_socket(board, observer, "screen") as screen_view,
        html_socket(board, voters[1], "program") as program_view,
    ):
        for ws in (vote_view, screen_view, program_view):
            drain(ws)
        round_id = board.op(board.rte_session, "vote.open").json()["changes"][0]["id"]
        for session, value in zip(voters, (1, 2, 5), strict=True):
            cast = board.op(
                session, "vote.cast", target=round_id, args={"value": value, "reason": SECRET_REASON}
            )
            assert cast.status_code == 200
        board.op(voters[2], "vote.cast", target=round_id, args={"value": 4})  # a change of mind
        assert board.op(board.rte_session, "vote.close", target=round_id).status_code == 200
        before = {"vote": drain(vote_view), "screen": drain(screen_view), "program": drain(program_view)}
        assert any("data-vote-count>3<" in m for m in before["vote"])
        assert any("data-vote-count>3<" in m for m in before["screen"])
        for view, frames in before.items():
            leaks = [leak for f in frames for leak in leaked_ballot_values(f, [SECRET_REASON])]
            assert leaks == [], view
        # The program board has no vote part: it is not sent the vote at all.
        assert not any("vote-round" in m or "screen-vote" in m for m in before["program"])

        assert board.op(board.rte_session, "vote.reveal", target=round_id).status_code == 200
        after = "".join(drain(vote_view))
        assert "data-tally" in after and "data-average>2.33<" in after
        assert 'data-fist="4" data-votes="1"' in after and 'data-fist="5" data-votes="0"' in after
        assert "data-rework" in after
        assert "data-average>2.33<" in "".join(drain(screen_view))


def test_the_timer_part_reaches_every_view_once_per_change(board: BoardHandle) -> None:
    member = board.join("observer", "Screen")
    with (
        html_socket(board, member, "program") as program_view,
        html_socket(board, member, "agenda") as agenda,
        html_socket(board, board.rte_session, "agenda") as rte_agenda,
    ):
        drain(rte_agenda)
        drain(program_view)
        drain(agenda)
        before = time.time()
        assert board.op(board.rte_session, "timer.start").status_code == 200
        program = "".join(drain(program_view))
        assert program.count('id="timer"') == 1 and 'data-status="running"' in program
        ends_at = float(program.split('data-ends-at="')[1].split('"')[0])
        now = float(program.split('data-now="')[1].split('"')[0])
        assert before + 3600 - 1 < ends_at < time.time() + 3600 + 1
        assert before - 1 < now < time.time() + 1
        # The agenda page has a large countdown too, and the RTE's controls change to Pause; the
        # observer, who may not pause, is sent no control at all.
        agenda_html = "".join(drain(agenda))
        assert 'id="agenda-now"' in agenda_html and "data-action=" not in agenda_html
        assert 'data-action="pause"' in "".join(drain(rte_agenda))
        # An op that does not touch the timer sends no timer part.
        assert board.op(board.rte_session, "risk.create", args={"title": "Flaky CI"}).status_code == 200
        assert 'id="timer"' not in "".join(drain(program_view))

"""The preview door (POST /b/{board}/ops/preview) says what an op would take with it, refuses it as the
form door would, and changes nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import BoardHandle


def made(board: BoardHandle, type: str, **args: Any) -> str:
    r = board.op(board.rte_session, type, args=args)
    assert r.status_code == 200, r.text
    return str(next(c["id"] for c in r.json()["changes"] if c["before"] is None))


def preview(board: BoardHandle, session: str, **fields: str) -> tuple[int, str]:
    with board.server.client(session) as c:
        r = c.post(f"/b/{board.id}/ops/preview", data=fields)
        return r.status_code, r.text


def test_a_preview_tells_the_stories_and_loads_a_move_changes_and_changes_nothing(board: BoardHandle) -> None:
    team = made(board, "team.create", name="Atlas <A>")
    i1 = made(board, "iteration.create", number=1, name="I1")
    i2 = made(board, "iteration.create", number=2, name="I2")
    made(board, "member.create", name="Ann", team_id=team)
    feature = made(board, "feature.create", title="Payments", team_id=team, iteration_id=i1)
    made(
        board,
        "story.create",
        title="Intents <b>",
        points=5,
        team_id=team,
        iteration_id=i1,
        feature_id=feature,
    )
    made(board, "story.create", title="Refunds", points=6, team_id=team, iteration_id=i2)
    before = board.read()

    status, html = preview(
        board,
        board.rte_session,
        type="feature.move",
        target=feature,
        base_version="1",
        **{"args.iteration_id": i2},
    )
    assert status == 200, html
    assert "1 story moves with it" in html
    assert "Intents &lt;b&gt; → Atlas &lt;A&gt; · I2" in html
    assert 'data-stories-moved="1"' in html and 'data-loads="2"' in html
    # I2 goes from 6 to 11 points, over the 8 of one full-time person.
    assert '<td>6</td><td>11 <strong class="over">‼ over capacity</strong></td><td>8</td>' in html
    assert board.read() == before

    alone = {"args.iteration_id": i2, "args.carry_stories": "false"}
    status, html = preview(
        board, board.rte_session, type="feature.move", target=feature, base_version="1", **alone
    )
    assert (status, 'data-stories-moved="0"' in html, 'data-loads="0"' in html) == (200, True, True)


def test_a_preview_is_refused_like_the_op(board: BoardHandle) -> None:
    atlas = made(board, "team.create", name="Atlas")
    comet = made(board, "team.create", name="Comet")
    feature = made(board, "feature.create", title="Payments", team_id=atlas)
    member = board.join("team", "Carl", comet)

    status, html = preview(board, member, type="feature.delete", target=feature, base_version="1")
    assert status == 403 and 'data-code="forbidden"' in html
    status, html = preview(board, board.rte_session, type="feature.delete", target=feature, base_version="7")
    assert status == 409 and 'data-code="stale"' in html
    assert 'data-reload-retry data-version="1"' in html
    status, html = preview(board, board.rte_session, type="no.such", target=feature)
    assert status in (400, 403) and "Not saved" in html
    assert board.read()["items"]["feature"][feature]["title"] == "Payments"

"""The earlier PI's history taken from its board's JSON export (issue 26): the RTE uploads the earlier
board's export on the Admin page (or POSTs it), each team of the same name gets its throughput per
closed iteration there, and the forecast says "history from <PI>"; a bad file or a non-RTE changes
nothing."""

from __future__ import annotations

import datetime

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.execution.rocket import rocket, rte_op
from tests.execution.test_forecast_alerts import forecast_of

# The Rocket ART's PI 26.4 has run (its I1 to I4 closed); the next PI's first iteration is ahead.
AFTER_PI_26_4 = datetime.date(2026, 6, 20)


def earlier_export(server: LiveServer) -> bytes:
    """PI 26.4 as its export: Atlas finished 21 points in I1 (Ledger CSV not done), 13 in I2, none after."""
    earlier = rocket(server)
    for story in ("ls0", "ls1", "pay1"):
        rte_op(earlier, "story.update", story, status="done")
    with earlier.rte() as c:
        r = c.get(f"/api/boards/{earlier.id}/export.json")
    assert r.status_code == 200, r.text
    return r.content


def next_pi(server: LiveServer) -> BoardHandle:
    """The next PI's board: Atlas (named in another case) and Zephyr, a new team."""
    board = create_board(server, name="Rocket ART")
    rte_op(board, "iteration.create", id="n1", number=1, name="I1", start="2026-07-01", end="2026-07-14")
    rte_op(board, "team.create", id="atl", name="ATLAS", color="#2f6fb3")
    rte_op(board, "team.create", id="zep", name="Zephyr", color="#8e44ad")
    rte_op(board, "story.create", id="n1s", title="Refunds", points=5, team_id="atl", iteration_id="n1")
    return board


def take(board: BoardHandle, session: str, data: bytes, **headers: str):  # type: ignore[no-untyped-def]
    with board.server.client(session) as c:
        return c.post(
            f"/api/boards/{board.id}/forecast/earlier", files={"file": ("pi.json", data)}, headers=headers
        )


def test_the_earlier_pis_export_gives_each_team_its_history(live_server: LiveServer, clock: Clock) -> None:
    clock.travel_to(AFTER_PI_26_4)
    data = earlier_export(live_server)
    board = next_pi(live_server)
    atlas = next(t for t in forecast_of(board)["teams"] if t["team_id"] == "atl")
    assert atlas["source"] == "none"  # no members: no capacity, and no history yet

    # The Admin page's form, as htmx posts it: the page says which teams were matched and which not.
    r = take(board, board.rte_session, data, **{"HX-Request": "true"})
    assert r.status_code == 200, r.text
    said = " ".join(r.text.split())
    assert "History from PI 26.4 taken for ATLAS (21, 13, 0, 0)." in said
    assert "Not in the file: Zephyr." in said and "Not on this board: Borealis, Comet." in said

    items = board.read()["items"]
    assert items["team"]["atl"]["earlier_throughput"] == [21, 13, 0, 0]
    assert items["team"]["zep"]["earlier_throughput"] == []
    assert items["meta"]["meta"]["earlier_pi_name"] == "PI 26.4"
    atlas = next(t for t in forecast_of(board)["teams"] if t["team_id"] == "atl")
    assert atlas["source"] == "earlier PI"
    assert "ATLAS: history from PI 26.4: 21, 13, 0, 0 points" in atlas["why"]

    # Over REST, the same file answers the same, as JSON.
    r = take(board, board.rte_session, data)
    assert r.status_code == 200, r.text
    assert r.json()["matched"] == {"ATLAS": [21, 13, 0, 0]} and r.json()["missing"] == ["Zephyr"]


def test_a_bad_file_or_another_role_changes_nothing(live_server: LiveServer, clock: Clock) -> None:
    clock.travel_to(AFTER_PI_26_4)
    board = next_pi(live_server)
    seq = board.read()["seq"]
    for bad in (b'{"schema": "piboard/1", "meta": ', b'{"schema": "trello"}'):
        r = take(board, board.rte_session, bad)
        assert r.status_code == 422 and r.json()["error"] == "file_refused", r.text
    r = take(board, board.rte_session, b'{"schema": "trello"}', **{"HX-Request": "true"})
    assert r.status_code == 422 and "this is not a piboard export" in r.text, r.text
    team = board.join("team", "Ann", team_id="atl")
    r = take(board, team, earlier_export(live_server))
    assert r.status_code == 403 and "may not" in r.json()["reason"], r.text
    assert board.read()["seq"] == seq
    assert board.read()["items"]["team"]["atl"]["earlier_throughput"] == []

    # The Admin page offers the upload to the RTE only.
    form = 'id="earlier-pi"'
    with board.rte() as c:
        assert form in c.get(f"/b/{board.id}/admin").text
    with board.server.client(team) as c:
        admin = c.get(f"/b/{board.id}/admin")
    assert admin.status_code == 403 and form not in admin.text  # the Admin page is the RTE's

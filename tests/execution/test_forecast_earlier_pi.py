"""Before this PI has a closed iteration, a team's forecast draws from what it finished per iteration of
the earlier PI, as the RTE typed it on the Admin page: through the op path, the form door as the page
posts it, and the forecast API that says where the numbers came from."""

from __future__ import annotations

import datetime

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import rocket
from tests.execution.test_forecast_alerts import forecast_of

BEFORE_I1 = datetime.date(2026, 1, 20)


def atlas(board: BoardHandle) -> dict:
    return next(t for t in forecast_of(board)["teams"] if t["team_id"] == "atlas")


def admin_form(board: BoardHandle, type: str, target: str, **args: str) -> None:
    """An op as the Admin page's form posts it (``args.<field>`` as typed), on the item's version."""
    kind = "meta" if type.startswith("board.") else type.split(".")[0]
    version = board.read()["items"][kind][target]["version"]
    data = {"type": type, "target": target, "base_version": str(version)}
    data.update({f"args.{name}": value for name, value in args.items()})
    with board.rte() as c:
        r = c.post(f"/b/{board.id}/ops", data=data)
    assert r.status_code == 204, r.text  # applied (a refusal is a 422 naming why)


def test_the_earlier_pi_typed_on_the_admin_page_drives_the_forecast(
    live_server: LiveServer, clock: Clock
) -> None:
    clock.travel_to(BEFORE_I1)
    board = rocket(live_server)
    assert atlas(board)["source"] == "capacity"
    admin_form(board, "board.update", "meta", name="Rocket ART", earlier_pi_name="PI 2025.4")
    admin_form(board, "team.update", "atlas", name="Atlas", color="#4a6fa5", earlier_throughput="31, 28, 35")
    stored = board.read()["items"]["team"]["atlas"]
    assert stored["earlier_throughput"] == [31, 28, 35]
    found = atlas(board)
    assert found["source"] == "earlier PI" and found["observed"] == []
    said = "Atlas: history from PI 2025.4: 31, 28, 35 points (no closed iteration in this PI yet)"
    assert found["why"] == said
    # The Admin page shows what was typed, in the fields it was typed in.
    with board.rte() as c:
        admin = c.get(f"/b/{board.id}/admin").text
    assert 'name="args.earlier_pi_name" value="PI 2025.4"' in admin
    assert 'name="args.earlier_throughput" value="31, 28, 35"' in admin
    doc = forecast_of(board)
    payments = next(row for row in doc["dependencies"] if row["item_id"] == "dep1")
    assert "history from PI 2025.4: 31, 28, 35 points" in payments["why"]

    # Bad input is refused, saying why, and changes nothing.
    seq = board.read()["seq"]
    r = board.op(
        board.rte_session,
        "team.update",
        target="atlas",
        base_version=stored["version"],
        args={"earlier_throughput": "31, lots"},
    )
    assert r.status_code == 422 and "whole number" in r.text, r.text
    assert board.read()["seq"] == seq
    assert board.read()["items"]["team"]["atlas"]["earlier_throughput"] == [31, 28, 35]

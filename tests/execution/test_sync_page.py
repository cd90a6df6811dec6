"""The ART sync view and its charts, on a real server: figures follow the plan, the baseline and the clock."""

from __future__ import annotations

import datetime
import re

import httpx

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import SVG_NS, charts, rocket, rte_op


def sync(board: BoardHandle, client: httpx.Client | None = None) -> str:
    """The page as the RTE sees it; ``client`` keeps cookies between visits, as a browser does."""
    if client is None:
        with board.rte() as fresh:
            return sync(board, fresh)
    r = client.get(f"/b/{board.id}/sync")
    assert r.status_code == 200, r.text
    return r.text


def test_burn_up_points_are_the_plan_the_baseline_and_what_is_done(
    watched_server: LiveServer, clock: Clock
) -> None:
    board = rocket(watched_server)
    clock.travel_to(datetime.date(2026, 3, 20))  # iteration 1 closed, iteration 2 closed, 3 not started
    rte_op(board, "story.update", "ls0", status="done")  # 13 points done in I1
    rte_op(board, "story.update", "ls1", status="done")  # 8 more
    rte_op(board, "story.move", "co1", iteration_id="it4")  # Comet re-plans 8 points from I3 to I4
    burn = charts(sync(board))["burn-up"]
    values = {
        (c.get("data-series"), c.get("data-iteration")): int(c.get("data-value", "-1"))
        for c in burn.iter(f"{SVG_NS}circle")
    }
    # baseline: I1 30, I2 +13 = 43, I3 +8 = 51, I4 51; planned now: I3 43, I4 51; done: 21 by I1 and I2
    assert [values[("baseline", f"it{n}")] for n in range(1, 5)] == [30, 43, 51, 51]
    assert [values[("planned", f"it{n}")] for n in range(1, 5)] == [30, 43, 43, 51]
    assert values[("done", "it1")] == 21 and values[("done", "it2")] == 21
    assert ("done", "it3") not in values  # I3 had not started on 20 March


def test_late_dependency_in_the_sync_view_and_the_health_strip(
    watched_server: LiveServer, clock: Clock
) -> None:
    board = rocket(watched_server)
    clock.travel_to(datetime.date(2026, 4, 10))
    html = sync(board)
    assert 'data-kind="late"' not in html
    clock.travel_to(datetime.date(2026, 4, 15))  # I3, which Comet needs the Payments API by, has closed
    html = sync(board)
    assert re.search(r'class="alert[^"]*" data-kind="late" data-item="dep1"', html)
    assert re.search(r'class="alert[^"]*" data-kind="at_risk" data-item="checkout"', html)
    team = html[html.index('id="sync-team-comet"') :]
    assert "LATE</strong> Payments API" in team[: team.index("</article>")]
    strip = charts(html)["dependency-health"]
    cells = {
        (r.get("data-iteration"), r.get("data-state")): int(r.get("data-count", "0"))
        for r in strip.iter(f"{SVG_NS}rect")
        if r.get("data-state")
    }
    assert cells == {("it3", "late"): 1}
    # the API says the same, derived: nobody set "late"
    derived = board.read()["derived"]
    assert derived["dependency_states"]["dep1"] == "late"
    assert "pay1" in derived["slipped_stories"]


def counter(html: str, name: str) -> int:
    found = re.search(rf'data-counter="{name}"[^>]*>.*?<span class="n">(\d+)</span>', html, re.S)
    assert found is not None, name
    return int(found.group(1))


def test_a_conflict_whose_need_closed_is_counted_late_on_the_page(
    watched_server: LiveServer, clock: Clock
) -> None:
    """Issue 25: the Payments API, re-planned past I3 (Comet's need), is a conflict until I3 closes
    undelivered; from then on it is late, and the program page's late counter says 1, not 0."""
    board = rocket(watched_server)
    rte_op(board, "feature.move", "payapi", iteration_id="it4")
    clock.travel_to(datetime.date(2026, 4, 10))
    with board.rte() as rte:
        program = rte.get(f"/b/{board.id}/program").text
        assert (counter(program, "conflicts"), counter(program, "late")) == (1, 0)
        clock.travel_to(datetime.date(2026, 4, 15))
        program = rte.get(f"/b/{board.id}/program").text
        assert (counter(program, "conflicts"), counter(program, "late")) == (0, 1)
    assert re.search(r'class="alert[^"]*" data-kind="late" data-item="dep1"', sync(board))


def test_alerts_new_since_your_last_visit(watched_server: LiveServer, clock: Clock) -> None:
    board = rocket(watched_server)
    clock.travel_to(datetime.date(2026, 3, 20))
    with board.rte() as browser_like:
        first = sync(board, browser_like)
        assert "new since your last visit" not in first
        assert 'data-kind="slipped" data-item="ls2"' in first
        clock.travel_to(datetime.date(2026, 4, 15))
        second = sync(board, browser_like)
    assert re.search(r'class="alert is-new" data-kind="late" data-item="dep1"', second)
    assert re.search(r'class="alert" data-kind="slipped" data-item="ls2"', second)  # seen last time


def test_user_text_in_charts_is_escaped(watched_server: LiveServer, clock: Clock) -> None:
    board = rocket(watched_server)
    rte_op(board, "feature.update", "ledger", title='<script>alert(1)</script> & "Ledger"')
    html = sync(board)
    assert "<script>alert(1)</script>" not in html
    charts(html)  # every chart still parses as XML

"""The forecast over the API and the sync page, and its alerts at a webhook: once per crossing."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import SVG_NS, charts, rocket, rte_op
from tests.execution.test_webhooks import Receiver, receiver, set_webhook, until

pytestmark = pytest.mark.usefixtures("outbound_to_loopback")
__all__ = ["receiver"]  # the fixture, shared with the webhook tests

I2_RUNS = datetime.date(2026, 3, 5)
I3_RUNS = datetime.date(2026, 4, 2)


def atlas_finished_i1(server: LiveServer) -> BoardHandle:
    """The Rocket ART running, Atlas's I1 stories (30 points) done: its Payments API (13 points, I2)
    is needed by Comet in I3."""
    board = rocket(server)
    for story in ("ls0", "ls1", "ls2"):
        rte_op(board, "story.update", story, status="done")
    return board


def forecast_of(board: BoardHandle, session: str | None = None) -> dict:
    with board.server.client(session if session is not None else board.rte_session) as c:
        r = c.get(f"/api/boards/{board.id}/forecast")
    assert r.status_code == 200, r.text
    return dict(r.json())


def chance(html: str) -> int:
    """The forecast's chance shown in a piece of a page."""
    found = re.search(r'class="forecast-chance[^"]*" data-chance="(\d+)"', html)
    assert found is not None, html
    return int(found.group(1))


def dep1(doc: dict) -> dict:
    return next(row for row in doc["dependencies"] if row["item_id"] == "dep1")


def test_the_forecast_api_gives_tables_with_their_why(watched_server: LiveServer, clock: Clock) -> None:
    clock.travel_to(I2_RUNS)
    board = atlas_finished_i1(watched_server)
    doc = forecast_of(board, board.join("team", "Tess", "comet"))  # any participant may read it
    assert doc["today"] == "2026-03-05" and doc["trials"] == 2000
    atlas = next(t for t in doc["teams"] if t["team_id"] == "atlas")
    assert (atlas["source"], atlas["observed"][0]["done"]) == ("history", 30)
    assert dep1(doc)["probability"] == 1.0 and dep1(doc)["by_iteration"] == "I3"
    assert "Atlas finished 30 points in I1" in dep1(doc)["why"]
    assert doc["predictability"] is not None
    with board.rte() as c:
        export = c.get(f"/api/boards/{board.id}/export.json").json()
    assert dep1(export["execution"]["forecast"])["probability"] == 1.0  # the export carries it too
    with board.server.client() as c:  # as other read APIs: no session, no forecast
        assert c.get(f"/api/boards/{board.id}/forecast").status_code == 401


def test_a_falling_forecast_is_posted_once_per_crossing(
    watched_server: LiveServer, clock: Clock, receiver: Callable[[list[int]], Receiver]
) -> None:
    clock.travel_to(I2_RUNS)
    board = atlas_finished_i1(watched_server)
    rte_op(board, "board.update", "meta", forecast_threshold=0.6)
    slack = receiver([])
    assert set_webhook(board, slack.url).status_code == 200

    def posted(item_id: str) -> list[dict]:
        return [
            a
            for _, body in slack.posts
            for a in body["alerts"]
            if a["kind"] == "likely_late" and a["item_id"] == item_id
        ]

    # I2 closes with the Payments API undone: Atlas's history is 30, 0; a coin toss for I3
    clock.travel_to(I3_RUNS)
    until(lambda: posted("dep1"), "the forecast alert")
    alert = posted("dep1")[0]
    assert alert["team_ids"] == ["atlas"]
    assert "likely late: " in alert["text"]
    assert " by I3 (Atlas finished 30, 0 points in I1, I2" in alert["text"]
    assert "likely late" in slack.posts[-1][1]["text"]
    with board.rte() as c:
        assert "likely late: " in c.get(f"/b/{board.id}/sync").text  # on the page, with the others
    # another change while it still holds: its alert is not posted again
    rte_op(board, "story.update", "co1", status="blocked", blocked_reason="waiting for payments")
    until(lambda: any(a["kind"] == "blocked" for _, b in slack.posts for a in b["alerts"]), "its post")
    assert len(posted("dep1")) == 1
    # Atlas delivers (100 %), and then it turns out it did not: a new crossing, posted again
    rte_op(board, "story.update", "pay1", status="done")
    rte_op(board, "risk.create", id="r-new", title="Payments vendor slow")  # a post to wait for
    until(lambda: any(a["item_id"] == "r-new" for _, b in slack.posts for a in b["alerts"]), "the risk post")
    assert len(posted("dep1")) == 1
    rte_op(board, "story.update", "pay1", status="todo")
    until(lambda: len(posted("dep1")) == 2, "the second crossing")


def test_the_sync_view_charts_the_forecast_and_its_threshold_is_set_there(
    watched_server: LiveServer, clock: Clock
) -> None:
    clock.travel_to(I3_RUNS)  # Atlas finished 30, then 0: the Payments API by I3 is a coin toss
    board = atlas_finished_i1(watched_server)
    with board.rte() as c:
        page = c.get(f"/b/{board.id}/sync").text
    chart = charts(page)["forecast"]
    line = next(g for g in chart.iter(f"{SVG_NS}g") if g.get("data-item") == "dep1")
    needed = [c for c in line.iter(f"{SVG_NS}circle") if c.get("data-needed")]
    assert [c.get("data-iteration") for c in needed] == ["it3"]
    assert 40 <= int(needed[0].get("data-value", "")) <= 60
    assert chart.find(f"{SVG_NS}line[@data-threshold='50']") is not None
    # over time: certain on I1's and I2's first days (capacity, then 30 points done), a coin toss now
    history = charts(page)["forecast-history"]
    line = next(g for g in history.iter(f"{SVG_NS}g") if g.get("data-item") == "dep1")
    said = [int(c.get("data-value", "")) for c in line.iter(f"{SVG_NS}circle")]
    assert said[:2] == [100, 100] and 40 <= said[-1] <= 60, said
    assert 'data-item="dependency:dep1"' in page and "ART predictability forecast" in page

    with board.rte() as c:
        report = c.get(f"/api/boards/{board.id}/report.html").text
    assert 'data-chart="forecast"' in report and 'data-chart="forecast-history"' in report
    assert 'id="forecast-predictability"' in report
    # the dependency's string on the program board, Atlas's page and Checkout v2's card say it too
    with board.rte() as c:
        program = c.get(f"/b/{board.id}/program").text
        atlas = c.get(f"/b/{board.id}/team/atlas").text
    string = re.search(r'<li[^>]*data-dep="dep1".*?</li>', program, re.S)
    assert string is not None and 40 <= chance(string.group(0)) <= 60
    on_team_page = re.search(r'id="depin-dep1".*?dep-body', atlas, re.S)
    assert on_team_page is not None and 40 <= chance(on_team_page.group(0)) <= 60
    card = re.search(r'<article[^>]*id="card-checkout".*?</article>', program, re.S)
    assert card is not None and 0 <= chance(card.group(0)) <= 60
    with board.rte() as c:
        comet = c.get(f"/b/{board.id}/team/comet").text
    in_list = re.search(r'id="feature-checkout".*?</li>', comet, re.S)
    assert in_list is not None and chance(in_list.group(0)) <= 60  # Comet's page, its features

    update = r'<form[^>]*>\s*<input type="hidden" name="type" value="board.update">.*?</form>'
    form = re.search(update, page, re.S)
    assert form is not None and 'name="args.forecast_threshold"' in form.group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    with board.rte() as c:
        refused = c.post(f"/b/{board.id}/ops", data={**fields, "args.forecast_threshold": "1.5"})
        assert refused.status_code == 422 and "forecast threshold" in refused.text
        r = c.post(f"/b/{board.id}/ops", data={**fields, "args.forecast_threshold": "0.3"})
    assert r.status_code == 204, r.text
    assert board.read()["items"]["meta"]["meta"]["forecast_threshold"] == 0.3
    with board.rte() as c:
        chart = charts(c.get(f"/b/{board.id}/sync").text)["forecast"]
    assert chart.find(f"{SVG_NS}line[@data-threshold='30']") is not None

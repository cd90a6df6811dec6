"""In the browser: Atlas's throughput drops over two closed iterations (30 points, then nothing) and,
before Iteration 3 (which Comet needs the Payments API by) closes, the program board's string, the
ART sync view and a local webhook all say the Payments API is likely late, without anyone reloading."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from server.clock import Clock
from tests.browser import FULL_HD, PageAs
from tests.conftest import LiveServer
from tests.e2e.ui_setup import navigations
from tests.execution.rocket import rte_op
from tests.execution.test_forecast_alerts import I2_RUNS, I3_RUNS, atlas_finished_i1
from tests.execution.test_webhooks import Receiver, receiver, set_webhook, until
from tests.meeting.browser import wait_live

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("outbound_to_loopback")]
__all__ = ["receiver"]  # the fixture, shared with the webhook tests

NEEDED_POINT = '[data-chart="forecast"] g[data-item="dep1"] circle[data-needed]'


def test_a_falling_forecast_shows_live_and_is_alerted_before_the_need_closes(
    watched_server: LiveServer, page_as: PageAs, clock: Clock, receiver: Callable[[list[int]], Receiver]
) -> None:
    clock.travel_to(I2_RUNS)  # I1 closed: Atlas finished its 30 points; the Payments API is certain
    board = atlas_finished_i1(watched_server)
    rte_op(board, "board.update", "meta", forecast_threshold=0.6)
    slack = receiver([])
    assert set_webhook(board, slack.url).status_code == 200

    program = page_as(board, "pm", "Paula PM", viewport=FULL_HD)
    program.goto(f"{watched_server.url}/b/{board.id}/program")
    string = program.locator('#strings li[data-dep="dep1"]')
    expect(string).to_be_attached()
    expect(string.locator(".forecast-chance")).to_have_count(0)  # certain: nothing to say
    rte = page_as(board, "rte", "Rita RTE", viewport=FULL_HD)
    rte.goto(f"{watched_server.url}/b/{board.id}/sync")
    expect(rte.locator(NEEDED_POINT)).to_have_attribute("data-value", "100")
    for page in (program, rte):
        wait_live(page)
    reloads = navigations(program)

    clock.travel_to(I3_RUNS)  # I2 closed with the Payments API undone: Atlas finished 30, then 0

    chance = string.locator(".forecast-chance")
    expect(chance).to_have_class(re.compile(r"\blow\b"), timeout=15_000)
    assert 40 <= int(chance.get_attribute("data-chance") or "") <= 60
    expect(rte.locator(NEEDED_POINT)).not_to_have_attribute("data-value", "100", timeout=15_000)
    assert 40 <= int(rte.locator(NEEDED_POINT).get_attribute("data-value") or "") <= 60
    over_time = rte.locator('[data-chart="forecast-history"] g[data-item="dep1"] circle')
    said = [int(v) for v in over_time.evaluate_all("cs => cs.map(c => c.dataset.value)")]
    assert said[0] == 100 and said[-1] <= 60, said  # over time: it fell
    alert = rte.locator('.alert[data-kind="likely_late"][data-item="dep1"]')
    expect(alert).to_contain_text("likely late")
    expect(alert).to_contain_text("Atlas finished 30, 0 points in I1, I2")
    posted = until(
        lambda: [
            a
            for _, body in slack.posts
            for a in body["alerts"]
            if (a["kind"], a["item_id"]) == ("likely_late", "dep1")
        ],
        "the alert at the webhook",
    )
    assert " by I3 " in posted[0]["text"]
    assert reloads == [], "nobody reloaded the program board: it followed by itself"
    assert clock.today() < datetime.date(2026, 4, 15)  # before I3, the need, closes

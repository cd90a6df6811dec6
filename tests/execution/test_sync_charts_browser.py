"""The ART sync view of the demo ART in its PI, at 1920 × 1080 (issue 25): every chart's text is 12 px
or more as drawn (its computed size times the chart's scale, and its box), inside its chart, and no two
labels run into each other; the alerts are a count by kind and the first few, the rest behind
"Show all"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.clock import Clock
from tests.browser import FULL_HD, PageAs, screenshot
from tests.conftest import LiveServer, create_board
from tests.execution.rocket import rte_op

pytestmark = pytest.mark.e2e

# Every chart of the page: its drawn box and, for each text, its visible words, its size as drawn and
# its box on the screen.
MEASURE = """() => [...document.querySelectorAll('#sync-page svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    const words = [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
    return {words, size: parseFloat(getComputedStyle(t).fontSize) * scale,
            left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height};
  });
  return {chart: svg.dataset.chart, label: svg.getAttribute('aria-label'), scale,
          box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom}, texts};
})"""
SLACK = 0.5  # px: rounding of the boxes


def problems(chart: dict[str, Any]) -> list[str]:
    found: list[str] = []
    name, box, texts = chart["label"], chart["box"], chart["texts"]
    for t in texts:
        if t["size"] < 12 or t["height"] < 12:
            found.append(f"{name}: {t['words']!r} is {t['size']:.1f} px (box {t['height']:.1f} px)")
        inside = (
            t["left"] >= box["left"] - SLACK
            and t["right"] <= box["right"] + SLACK
            and t["top"] >= box["top"] - SLACK
            and t["bottom"] <= box["bottom"] + SLACK
        )
        if not inside:
            found.append(f"{name}: {t['words']!r} runs out of the chart")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > SLACK and down > SLACK:
                found.append(f"{name}: {a['words']!r} and {b['words']!r} run together")
    return found


def test_sync_charts_are_legible_at_1080p(watched_server: LiveServer, page_as: PageAs, clock: Clock) -> None:
    board = create_board(watched_server, name="Demo ART", demo=True)
    for op in ("plan.lock", "baseline.take", "execution.start"):
        rte_op(board, op)
    iterations = sorted(board.read()["items"]["iteration"].values(), key=lambda i: i["number"])
    clock.travel_to(datetime.date.fromisoformat(iterations[1]["end"]) + datetime.timedelta(days=1))

    rte: Page = page_as(board, "rte", "Rita RTE", viewport=FULL_HD)
    rte.goto(f"{watched_server.url}/b/{board.id}/sync")
    charts = rte.evaluate(MEASURE)
    screenshot(rte, "sync-demo")
    kinds = [c["chart"] for c in charts]
    assert kinds.count("burn-up") == 1 + len(board.read()["items"]["team"])
    assert {"dependency-health", "plan-vs-baseline"} <= set(kinds)
    assert [p for c in charts for p in problems(c)] == []
    # The dependency-health chart has its axes and says its counts.
    health = rte.locator('svg[data-chart="dependency-health"]')
    assert health.locator('[data-axis="x"]').count() == 1 and health.locator('[data-axis="y"]').count() == 1
    totals = health.locator("text[data-total]")
    counts = health.locator("rect[data-count]").evaluate_all(
        "rs => rs.reduce((n, r) => n + Number(r.dataset.count), 0)"
    )
    assert counts > 0
    assert sum(int(t) for t in totals.evaluate_all("ts => ts.map(t => t.dataset.total)")) == counts

    # The alerts: a count by kind, the first five, the rest one click away; the charts on the first screen.
    everyone = rte.locator("#alerts")
    summary = rte.locator("#alerts-summary")
    total = sum(int(s.split(" ")[0]) for s in summary.locator("span").all_inner_texts())
    assert total > 5, "the demo's PI, two iterations in, raises more alerts than are shown at first"
    expect(everyone.locator("li.alert")).to_have_count(5)
    # What holds other teams up comes first: the late dependencies, not the 97 slipped stories.
    expect(everyone.locator("li.alert").first).to_have_attribute("data-kind", "late")
    more = rte.locator("details.alerts-more")
    expect(more.locator("summary")).to_have_text(f"Show all {total} alerts")
    charts_top = rte.locator(".sync-charts").evaluate("e => e.getBoundingClientRect().top")
    assert charts_top < FULL_HD["height"], "the charts start on the first screen"
    more.locator("summary").click()
    expect(rte.locator("#sync-page li.alert:visible")).to_have_count(total)

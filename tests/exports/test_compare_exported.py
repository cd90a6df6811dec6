"""The report and the JSON export list every kind of change since the baseline (board.compare)."""

from __future__ import annotations

import itertools

from exports_boards import Builder, rich_board

from board.model import BoardState
from server.transfer.board_json import export_board
from server.transfer.report import pi_report_html


def statuses_and_dates_changed() -> tuple[BoardState, BoardState]:
    """Nothing moved, was added or dropped: two statuses changed and an iteration was re-dated."""
    baseline = rich_board()
    b = Builder(state=baseline.copy())
    b._ids = itertools.count(10_000)
    first, second = b.state.stories[:2]
    b.op("story.update", first.id, status="in_progress")
    b.op("story.update", second.id, status="done")
    it2 = next(i for i in b.state.iterations if i.number == 2)
    b.op("iteration.update", it2.id, start="2026-07-09")
    return baseline, b.state


def test_the_json_export_lists_and_counts_every_kind() -> None:
    baseline, current = statuses_and_dates_changed()
    section = export_board(current, baseline=baseline)["baseline"]
    assert section["changes"] == []  # features and stories sit where they did
    assert [d["kind"] for d in section["differences"]] == ["status", "status", "dates"]
    assert {k: n for k, n in section["counts"].items() if n} == {"status": 2, "dates": 1}


def test_the_report_lists_them_too() -> None:
    baseline, current = statuses_and_dates_changed()
    html = pi_report_html(current, baseline=baseline, generated_at="2026-09-25 17:00 UTC")
    assert "Nothing has changed since the baseline" not in html
    assert "2 status, 1 dates" in html
    assert "Iteration 2&#39;s start" in html or "Iteration 2's start" in html

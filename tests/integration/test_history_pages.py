"""The history doors on a live server: an item's activity in words, the past as it was, compare, replay."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from board import Actor, Op, Role
from server.clock import CLOCK
from server.pages.renderer import render_update
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from tests.conftest import BoardHandle, create_board, start_server


def make(board: BoardHandle, session: str, type: str, **args: Any) -> str:
    r = board.op(session, type, args=args)
    assert r.status_code == 200, r.text
    return str(next(c["id"] for c in r.json()["changes"] if c["before"] is None))


def version(board: BoardHandle, kind: str, item_id: str) -> int:
    return int(board.read()["items"][kind][item_id]["version"])


def get(board: BoardHandle, session: str, path: str, **params: Any) -> Any:
    with board.server.client(session) as c:
        return c.get(f"/b/{board.id}{path}", params=params)


@pytest.fixture
def planned(board: BoardHandle) -> dict[str, str]:
    """Two teams, three iterations, a feature with a story; Ana (team Atlas) then moves the feature."""
    ids = {
        "atlas": make(board, board.rte_session, "team.create", name="Atlas"),
        "borealis": make(board, board.rte_session, "team.create", name="Borealis"),
    }
    for n in (1, 2, 3):
        ids[f"i{n}"] = make(board, board.rte_session, "iteration.create", number=n, name=f"Iteration {n}")
    ids["pm"] = board.join("pm", "Paul")
    ids["ana"] = board.join("team", "Ana", ids["atlas"])
    ids["feature"] = make(
        board,
        ids["pm"],
        "feature.create",
        title="Checkout <b>v2</b>",
        team_id=ids["atlas"],
        iteration_id=ids["i1"],
    )
    ids["story"] = make(
        board,
        ids["ana"],
        "story.create",
        title="Pay",
        feature_id=ids["feature"],
        iteration_id=ids["i1"],
        points=3,
    )
    ids["before_move"] = str(board.read()["seq"])
    r = board.op(
        ids["ana"],
        "feature.move",
        target=ids["feature"],
        base_version=version(board, "feature", ids["feature"]),
        args={"iteration_id": ids["i2"]},
    )
    assert r.status_code == 200, r.text
    ids["move"] = str(r.json()["seq"])
    return ids


def test_a_cards_history_tells_who_moved_it_where_in_words(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    r = get(board, planned["pm"], "/activity/feature", target=planned["feature"])
    assert r.status_code == 200
    text = re.sub(r"\s+", " ", r.text)
    assert "Ana moved it from Iteration 1 to Iteration 2" in text
    assert "Paul created it" in text
    assert "Checkout &lt;b&gt;v2&lt;/b&gt;" in text and "<b>v2" not in text
    story = re.sub(r"\s+", " ", get(board, planned["ana"], "/activity/story", target=planned["story"]).text)
    assert "Ana moved it from Iteration 1 to Iteration 2 (following a change to its feature)" in story


def test_only_who_may_undo_gets_an_undo_button(board: BoardHandle, planned: dict[str, str]) -> None:
    def undo_targets(session: str) -> list[str]:
        html = get(board, session, "/activity/feature", target=planned["feature"]).text
        return re.findall(r'name="target" value="(\d+)"', html)

    assert undo_targets(planned["ana"]) == [planned["move"]]  # her own move, not Paul's create
    assert planned["move"] in undo_targets(board.rte_session)
    assert undo_targets(board.join("observer", "Screen")) == []


def test_the_past_shows_the_feature_where_it_was_while_the_board_moves_on(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    past = get(board, board.rte_session, "/history/past", at=planned["before_move"], show="program")
    assert past.status_code == 200
    assert "The past" in past.text and " inert" in past.text
    now = get(board, board.rte_session, "/history/past", at=planned["move"], show="program")
    assert planned["feature"] in past.text and planned["feature"] in now.text
    assert f'data-iteration="{planned["i1"]}"' in past.text.split(f'id="card-{planned["feature"]}"')[1][:400]
    assert f'data-iteration="{planned["i2"]}"' in now.text.split(f'id="card-{planned["feature"]}"')[1][:400]
    assert "Now" in now.text


@pytest.mark.parametrize("show", ["objectives", "team:{atlas}"])
def test_the_past_of_the_other_views(board: BoardHandle, planned: dict[str, str], show: str) -> None:
    r = get(board, board.rte_session, "/history/past", at=planned["move"], show=show.format(**planned))
    assert r.status_code == 200 and "The past" not in r.text and "Now" in r.text


def test_a_view_the_past_cannot_show_is_refused(board: BoardHandle, planned: dict[str, str]) -> None:
    r = get(board, board.rte_session, "/history/past", at=1, show="admin")
    assert r.status_code == 422 and "the past can be shown as" in r.text


def test_compare_lists_what_moved_between_two_moments(board: BoardHandle, planned: dict[str, str]) -> None:
    r = get(board, board.rte_session, "/history/compare", **{"from": planned["before_move"], "to": "now"})
    assert r.status_code == 200
    text = re.sub(r"\s+", " ", r.text)
    assert "Moved (2)" in text  # the feature and the story that follows it
    moved = "moved from Atlas / Iteration 1 to Atlas / Iteration 2"
    assert f"<strong>feature “Checkout &lt;b&gt;v2&lt;/b&gt;”</strong> {moved}" in text
    refused = get(board, board.rte_session, "/history/compare", **{"from": "baseline", "to": "now"})
    assert refused.status_code == 422 and "no baseline has been taken yet" in refused.text


def test_compare_with_the_baseline_lists_statuses_and_dates_each_counted(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    """Two statuses changed and an iteration re-dated after the baseline: compare lists those 3."""
    ana = planned["ana"]
    second = make(
        board,
        ana,
        "story.create",
        title="Refund",
        team_id=planned["atlas"],
        iteration_id=planned["i2"],
        points=2,
    )
    assert board.op(board.rte_session, "baseline.take").status_code == 200
    for story, status in ((planned["story"], "in_progress"), (second, "done")):
        r = board.op(
            ana,
            "story.update",
            target=story,
            base_version=version(board, "story", story),
            args={"status": status},
        )
        assert r.status_code == 200, r.text
    it = planned["i2"]
    dates = {"end": "2026-03-13"}  # re-dated: its end
    r = board.op(
        board.rte_session,
        "iteration.update",
        target=it,
        base_version=version(board, "iteration", it),
        args=dates,
    )
    assert r.status_code == 200, r.text
    html = get(board, board.rte_session, "/history/compare", **{"from": "baseline", "to": "now"}).text
    text = re.sub(r"\s+", " ", html)
    assert "Nothing" not in text
    assert "3 changes: 2 status, 1 dates." in text
    assert "Status (2)" in text
    assert "<strong>story “Pay”</strong> to do → in progress" in text
    assert "<strong>story “Refund”</strong> to do → done" in text
    assert "Dates (1)" in text
    assert "Iteration 2&#39;s end</strong> — → 2026-03-13" in text


def test_the_history_and_replay_pages_open(board: BoardHandle, planned: dict[str, str]) -> None:
    for path in ("/history", "/replay"):
        r = get(board, board.rte_session, path)
        assert r.status_code == 200, r.text
        assert 'id="timeline-at"' in r.text and "Board created" in r.text


def test_risks_objectives_and_dependencies_open_their_history_too(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    risk = make(board, planned["ana"], "risk.create", title="Vendor late", team_id=planned["atlas"])
    board.op(planned["ana"], "risk.roam", target=risk, base_version=1, args={"roam": "owned", "owner": "Ana"})
    objective = make(board, planned["ana"], "objective.create", team_id=planned["atlas"], statement="Ship it")
    dep = make(
        board,
        planned["ana"],
        "dependency.create",
        need="An API",
        requesting_team_id=planned["atlas"],
        provider_team_id=planned["borealis"],
    )
    pages = {"risk": ("/risks", risk), "objective": ("/objectives", objective)}
    pages["dependency"] = (f"/team/{planned['atlas']}", dep)
    for kind, (page, item_id) in pages.items():
        html = get(board, planned["ana"], page).text
        assert f"/b/{board.id}/activity/{kind}?target={item_id}" in html, kind
    story = re.sub(r"\s+", " ", get(board, planned["ana"], "/activity/risk", target=risk).text)
    assert (
        "Ana changed its owner from nothing to Ana and changed its ROAM status from not ROAMed yet to owned"
        in story
    )
    assert "Ana created it" in get(board, planned["ana"], "/activity/dependency", target=dep).text


def test_a_live_event_moves_the_timelines_now_and_leaves_the_past_alone(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    op_path = board.server.services.op_path
    seq = op_path.state(board.id).seq
    make(board, planned["ana"], "risk.create", title="Vendor <i>late</i>", team_id=planned["atlas"])
    events = op_path.events_since(board.id, seq)
    html = render_update("history", op_path.state(board.id), events, (Role.OBSERVER, None))
    assert html is not None
    assert f'id="history-now" hx-swap-oob="true" data-seq="{seq + 1}"' in html
    assert "latest: Ana, risk create" in html
    assert 'id="past"' not in html  # the moment on screen is the viewer's own, never replaced


def test_reading_the_past_is_limited_per_participant(tmp_path: Path) -> None:
    server = start_server(
        f"sqlite:///{tmp_path / 'h.db'}", history_reads_per_second=0.01, history_reads_burst=2
    )
    try:
        board = create_board(server)
        answers = [get(board, board.rte_session, "/history/past", at=1).status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        refused = get(board, board.rte_session, "/activity/risk", target="x")
        assert "too many history reads" in refused.text
        assert get(board, board.join("observer", "Screen"), "/history/past", at=1).status_code == 200
    finally:
        server.stop()


AGENDA_MARK = re.compile(
    r'<button type="button" class="landmark landmark-agenda"(?: data-seq="(\d+)"| (disabled))'
    r' title="[^"]*"><span class="landmark-day">Day (\d)</span> ([^<]+)</button>'
)


def test_every_agenda_item_of_both_days_is_on_the_timeline_those_to_come_disabled(
    board: BoardHandle, planned: dict[str, str]
) -> None:
    """The event's first day was yesterday from 09:00 UTC; it is now yesterday's noon (the server's
    clock): the morning's items are reached (before this board's first event: they open it), the
    afternoon's and the second day's are still to come."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    meta = version(board, "meta", "meta")
    times = {"event_date": yesterday.isoformat(), "day_start": "09:00", "time_zone": "UTC"}
    assert board.op(
        board.rte_session, "board.update", target="meta", base_version=meta, args=times
    ).is_success
    CLOCK.travel_to(datetime.combine(yesterday, time(12), UTC))
    try:
        html = get(board, board.rte_session, "/history").text
    finally:
        CLOCK.reset()
    marks = [(day, title, seq or None) for seq, _disabled, day, title in AGENDA_MARK.findall(html)]
    agenda = board.server.services.op_path.state(board.id).agenda
    assert [(int(day), title) for day, title, _ in marks] == [(a.day, a.title) for a in agenda]
    reached = [title for _, title, seq in marks if seq]
    assert reached == ["Business context", "Product vision", "Architecture vision"]  # 09:00, 10:00, 11:30
    assert {seq for _, _, seq in marks if seq} == {"1"}
    assert "not reached yet" in html


def test_the_first_event_from_a_moment(db_url: str) -> None:
    upgrade(db_url)
    at = [1_000_000.0]
    op_path = OpPath(make_engine(db_url), clock=lambda: at[0])
    rte = Actor("rte", "Rita", Role.RTE)
    board_id = op_path.create_board("ART", rte)
    for when in (2_000_000.0, 3_000_000.0):
        at[0] = when
        op_path.submit(board_id, Op("team.create", args={"name": f"Team {when}"}), rte)
    assert op_path.first_event_from(board_id, 999_999.0) == 1
    assert op_path.first_event_from(board_id, 1_500_000.5) == 2
    assert op_path.first_event_from(board_id, 3_000_000.0) == 3
    assert op_path.first_event_from(board_id, 3_000_000.5) is None
    op_path.engine.dispose()

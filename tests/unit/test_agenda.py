"""The agenda and the shared countdown view."""

from __future__ import annotations

import pytest
from plan_builder import Session

from board.agenda import DEFAULT_AGENDA, current_item, schedule, timer_view
from board.errors import Invalid
from board.model import AgendaItem, Meta, TimerStatus


def test_default_agenda_is_two_days_ending_with_vote_rework_and_retro() -> None:
    assert {day for day, _, _ in DEFAULT_AGENDA} == {1, 2}
    titles = [title for _, title, _ in DEFAULT_AGENDA]
    assert titles.index("Confidence vote") < titles.index("Plan rework if needed")
    assert titles[-1] == "Planning retrospective"
    assert all(minutes > 0 for _, _, minutes in DEFAULT_AGENDA)


def test_running_timer_counts_down_from_ends_at() -> None:
    meta = Meta(id="meta", timer_status=TimerStatus.RUNNING, timer_ends_at=1000.0, current_agenda_item="a")
    view = timer_view(meta, now=940.0)
    assert view.remaining == 60.0
    assert not view.paused
    assert view.to_dict() == {
        "status": "running",
        "agenda_item_id": "a",
        "ends_at": 1000.0,
        "remaining": 60.0,
        "paused": False,
    }


def test_overrun_timer_shows_zero_not_negative() -> None:
    meta = Meta(id="meta", timer_status=TimerStatus.RUNNING, timer_ends_at=1000.0)
    assert timer_view(meta, now=1200.0).remaining == 0.0


def test_paused_timer_keeps_its_remaining_time() -> None:
    meta = Meta(id="meta", timer_status=TimerStatus.PAUSED, timer_remaining=125.0)
    view = timer_view(meta, now=99999.0)
    assert view.remaining == 125.0
    assert view.paused


def test_stopped_timer_has_nothing_remaining() -> None:
    assert timer_view(Meta(id="meta"), now=0.0).remaining is None


def test_current_item() -> None:
    agenda = [AgendaItem(id="a", title="A"), AgendaItem(id="b", title="B")]
    assert current_item(agenda, Meta(id="meta", current_agenda_item="b")) is agenda[1]
    assert current_item(agenda, Meta(id="meta")) is None


def test_start_times_follow_from_the_lengths_before_each_item() -> None:
    agenda = [
        AgendaItem(id="b", day=1, order=20, title="Product vision", minutes=90),
        AgendaItem(id="a", day=1, order=10, title="Business context", minutes=60),
        AgendaItem(id="c", day=2, order=10, title="Planning adjustments", minutes=45),
        AgendaItem(id="d", day=1, order=30, title="Breakout", minutes=180),
    ]
    slots = schedule(agenda, "08:30")
    assert [(slots[i].starts, slots[i].ends) for i in "abdc"] == [
        ("08:30", "09:30"),
        ("09:30", "11:00"),
        ("11:00", "14:00"),
        ("08:30", "09:15"),
    ]


def test_event_day_start_and_time_zone_are_checked() -> None:
    s = Session().create_board()
    s.do("board.update", event_date="2027-01-11", day_start="08:30", time_zone="America/New_York")
    assert (s.state.meta.day_start, s.state.meta.time_zone) == ("08:30", "America/New_York")
    for bad in (
        {"day_start": "8:30"},
        {"day_start": "24:00"},
        {"time_zone": "Europe/Ber lin"},
        {"time_zone": ""},
    ):
        with pytest.raises(Invalid):
            s.do("board.update", **bad)

"""The timeline's landmarks: every agenda item of both days, at the first event at or after its planned
start, unless the timer ran it (then where the timer moved the agenda on to it); an item whose time
has not come is shown without a moment."""

from __future__ import annotations

from collections.abc import Callable

from plan_builder import Session

from board.history import AgendaTimes, Landmark, timeline_landmarks

HOUR = 3600.0


def first_event_from(session: Session) -> Callable[[float], int | None]:
    return lambda when: min((s for s, e in session.events.items() if e.at >= when), default=None)


def a_morning(session: Session) -> dict[str, float | None]:
    """Events at T0 (board created), T0+1h (a team), T0+2h (an iteration); the agenda planned hourly
    from T0 + 30 min (day 1), and from a day later (day 2)."""
    t0 = session.now
    session.now = t0 + HOUR
    session.team("alpha")
    session.now = t0 + 2 * HOUR
    session.iteration("i1", 1)
    planned: dict[str, float | None] = {}
    for n, item in enumerate(session.state.agenda):
        planned[item.id] = t0 + 0.5 * HOUR + n * HOUR if item.day == 1 else t0 + 24 * HOUR + n * HOUR
    return planned


def marks(session: Session, planned: dict[str, float | None], now: float) -> list[Landmark]:
    events = list(session.events.values())
    return timeline_landmarks(session.state, events, AgendaTimes(planned, now, first_event_from(session)))


def by_label(found: list[Landmark]) -> dict[str, Landmark]:
    return {m.label: m for m in found}


def test_every_agenda_item_of_both_days_is_a_landmark(session: Session) -> None:
    planned = a_morning(session)
    found = marks(session, planned, now=session.now)
    agenda = session.state.agenda
    assert [m.label for m in found if m.agenda_id] == [a.title for a in agenda]
    assert {m.day for m in found if m.agenda_id} == {1, 2}
    assert found[0].label == "Board created"


def test_an_item_lands_on_the_first_event_at_or_after_its_planned_start(session: Session) -> None:
    planned = a_morning(session)
    found = by_label(marks(session, planned, now=session.now))
    # Planned at T0 + 30 min: the next event is the team, at T0 + 1 h (event 2).
    assert found["Business context"].seq == 2
    # Planned at T0 + 1 h 30: the iteration, at T0 + 2 h (event 3).
    assert found["Product vision"].seq == 3


def test_an_item_whose_time_came_with_no_event_since_is_the_board_as_it_is(session: Session) -> None:
    planned = a_morning(session)
    found = by_label(marks(session, planned, now=session.now + 0.6 * HOUR))
    assert found["Architecture vision"].seq == session.state.seq  # planned T0 + 2 h 30, nothing since


def test_an_item_whose_time_has_not_come_has_no_moment_yet(session: Session) -> None:
    planned = a_morning(session)
    found = marks(session, planned, now=session.now)
    later = [m for m in found if not m.reached]
    assert "Planning context" in [m.label for m in later]
    assert all(m.day == 2 for m in later if m.label == "Final plan review")
    # Reached first, in event order; then what is still to come, in agenda order.
    reached = [m.seq for m in found if m.reached]
    assert reached == sorted(reached)
    assert found[-len(later) :] == later
    assert [m.label for m in later] == [
        a.title
        for a in session.state.agenda
        if planned[a.id] > session.now  # type: ignore[operator]
    ]


def test_without_an_event_date_only_what_the_timer_ran_has_a_moment(session: Session) -> None:
    session.do("timer.start", session.state.agenda[2].id)
    found = marks(session, {}, now=session.now + 48 * HOUR)
    assert [m.label for m in found if m.reached] == ["Board created", "Architecture vision"]
    assert len([m for m in found if not m.reached]) == len(session.state.agenda) - 1


def test_where_the_timer_ran_an_item_wins_over_its_plan(session: Session) -> None:
    planned = a_morning(session)
    session.now += 3 * HOUR  # the morning ran late: the first item started at T0 + 5 h
    session.do("timer.start", session.state.agenda[0].id)
    started = session.state.seq
    session.do("timer.advance")
    found = by_label(marks(session, planned, now=session.now))
    assert found["Business context"].seq == started  # not event 2, where the plan put it
    assert found["Product vision"].seq == started + 1
    assert [m.label for m in marks(session, planned, now=session.now)].count("Business context") == 1


def test_an_item_the_timer_ran_and_that_was_deleted_since_stays_on_the_timeline(session: Session) -> None:
    first = session.state.agenda[0]
    session.do("timer.start", first.id)
    ran = session.state.seq
    session.do("timer.stop")
    session.do("agenda.delete", first.id)
    found = marks(session, {}, now=session.now)
    assert Landmark(ran, session.now, "an agenda item since deleted", None, first.id) in found

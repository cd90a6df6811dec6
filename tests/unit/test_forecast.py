"""The forecast on small hand-checked cases: each team's throughput in this PI's closed iterations,
resampled; no history says so; an empty iteration counts 0; the IP iteration and days off are handled."""

from __future__ import annotations

import copy
import datetime
import re

import pytest
from plan_builder import Session

from board.execution import AlertKind
from board.forecast import (
    FROM_CAPACITY,
    FROM_EARLIER_PI,
    FROM_HISTORY,
    alerts_with_forecast,
    forecast,
    forecast_over_time,
    likely_late,
    throughput_history,
)

DATES = {
    "i1": ("2027-01-04", "2027-01-15"),
    "i2": ("2027-01-18", "2027-01-29"),
    "i3": ("2027-02-01", "2027-02-12"),
    "i4": ("2027-02-15", "2027-02-26"),
    "ip": ("2027-03-01", "2027-03-12"),
}
I3_STARTS = datetime.date(2027, 2, 1)


@pytest.fixture
def pi(plan: Session) -> Session:
    """Alpha (16 points of capacity per iteration) finished 10 points in I1; Checkout (I4) still needs
    10 points in I3 and 10 in I4; Bravo needs Alpha's I3 story by I3."""
    for iteration_id, (start, end) in DATES.items():
        plan.do("iteration.update", iteration_id, start=start, end=end)
    plan.feature("ledger", "alpha", "i1")
    plan.story("s1", "alpha", "i1", 10, "ledger")
    plan.do("story.update", "s1", status="done")
    plan.feature("checkout", "alpha", "i4")
    plan.story("c3", "alpha", "i3", 10, "checkout")
    plan.story("c4", "alpha", "i4", 10, "checkout")
    plan.dep("d1", "bravo", "alpha", provider_story_id="c3", needed_by_iteration_id="i3")
    plan.objective("o1", "alpha", "Checkout live", features=["checkout"])
    return plan


def test_constant_throughput_forecasts_certainty(pi: Session) -> None:
    pi.story("s2", "alpha", "i2", 10)
    pi.do("story.update", "s2", status="done")
    found = forecast(pi.state, I3_STARTS)
    alpha = found.teams["alpha"]
    assert alpha.source == FROM_HISTORY
    assert [(i, done) for i, done, _ in alpha.observed] == [("i1", 10), ("i2", 10)]
    assert "finished 10, 10 points in I1, I2" in alpha.why
    checkout = found.features["checkout"]
    assert checkout.probability == 1.0
    assert (checkout.p50_iteration_id, checkout.p85_iteration_id) == ("i4", "i4")
    assert found.dependencies["d1"].probability == 1.0
    assert found.objectives["o1"].probability == 1.0
    assert found.predictability is not None and found.predictability.low == 1.0
    # 10 points a time never finishes 20 by the end of I3
    assert "by I4" in checkout.why and "alpha" not in checkout.why.split(":")[0]
    assert likely_late(found, pi.state, I3_STARTS) == []


def test_no_history_says_so_and_forecasts_from_capacity(pi: Session) -> None:
    before = datetime.date(2027, 1, 1)
    found = forecast(pi.state, before)
    alpha = found.teams["alpha"]
    assert alpha.source == FROM_CAPACITY and alpha.observed == ()
    assert "no history: from capacity (16, 16, 16, 16 points in I1, I2, I3, I4)" in alpha.why
    assert "no history: from capacity" in found.features["checkout"].why
    # the queue: 10 points (C3) then 10 (C4); 16 a time finishes both by I2, C3 by I1
    assert found.features["checkout"].p50_iteration_id == "i2"
    assert found.dependencies["d1"].probability == 1.0


def test_an_empty_iteration_counts_as_nothing_done(pi: Session) -> None:
    """I1: 10 points; I2: nothing planned, nothing done — a zero, not a gap. Each iteration ahead
    draws 10 or 0: C3 (10 points) is done by I3 half the time, by I4 three times in four."""
    found = forecast(pi.state, I3_STARTS)
    alpha = found.teams["alpha"]
    assert [(i, done) for i, done, _ in alpha.observed] == [("i1", 10), ("i2", 0)]
    d1 = found.dependencies["d1"].probability
    assert d1 is not None and d1 == pytest.approx(0.5, abs=0.04)
    assert alpha.p_reaches(10, 1) == pytest.approx(0.75, abs=0.04)
    # Checkout needs 20 by I4: both draws 10
    checkout = found.features["checkout"].probability
    assert checkout is not None and checkout == pytest.approx(0.25, abs=0.04)
    assert found.features["checkout"].p50_iteration_id is None  # not within the PI


def test_the_ip_iteration_is_neither_history_nor_ahead(pi: Session) -> None:
    pi.dep("d-ip", "charlie", "alpha", provider_story_id="c4", needed_by_iteration_id="ip")
    pi.story("s2", "alpha", "i2", 10)
    pi.do("story.update", "s2", status="done")
    found = forecast(pi.state, I3_STARTS)
    assert [i for i, _ in found.teams["alpha"].ahead] == ["i3", "i4"]
    # needed by the IP iteration: by the end of the last iteration before it
    assert found.dependencies["d-ip"].probability == 1.0
    after_pi = forecast(pi.state, datetime.date(2027, 3, 20))
    assert [i for i, _, _ in after_pi.teams["alpha"].observed] == ["i1", "i2", "i3", "i4"]
    assert after_pi.teams["alpha"].ahead == ()


def test_days_off_scale_the_history(pi: Session) -> None:
    """Alpha finished 16 points at 16 of capacity; in I3 one of its two people is off 8 days (capacity
    8), so I3 draws 8 and C3 plus a 4-point story (14 points) cannot be done there."""
    pi.story("s2", "alpha", "i2", 16)
    pi.do("story.update", "s2", status="done")
    pi.do("story.update", "s1", points=16)
    pi.story("c3b", "alpha", "i3", 4, "checkout")
    pi.do("dependency.update", "d1", provider_story_id="c3b")
    assert forecast(pi.state, I3_STARTS).dependencies["d1"].probability == 1.0
    pi.do("member.update", "alpha-dev1", days_off={"i3": 8})
    found = forecast(pi.state, I3_STARTS)
    assert found.dependencies["d1"].probability == 0.0
    assert "scaled by its capacity ahead" in found.teams["alpha"].why
    # today's iteration counts only its days still ahead: on I3's last day, a twelfth of it
    last_day = forecast(pi.state, datetime.date(2027, 2, 12))
    assert last_day.teams["alpha"].ahead[0] == ("i3", pytest.approx(1 / 12))


def test_same_state_same_numbers(pi: Session) -> None:
    first = forecast(pi.state, I3_STARTS).to_dict()
    again = forecast(copy.deepcopy(pi.state), I3_STARTS).to_dict()
    assert first == again
    assert [row["item_id"] for row in first["dependencies"]] == ["d1"]


def test_a_forecast_below_the_threshold_is_alerted_naming_team_and_history(pi: Session) -> None:
    found = forecast(pi.state, I3_STARTS)
    assert pi.state.meta.forecast_threshold == 0.5
    pi.do("board.update", "meta", forecast_threshold=0.4)
    late = {a.item_id: a for a in likely_late(found, pi.state, I3_STARTS)}
    assert set(late) == {"checkout", "o1"}  # 25 %; D1's 50 % is not below 40 %
    text = late["checkout"].text
    assert re.search(r"likely late: 2\d % by I4", text), text
    assert "Alpha finished 10, 0 points in I1, I2" in text
    assert late["checkout"].team_ids == ("alpha",)
    pi.do("board.update", "meta", forecast_threshold=0.6)
    assert "d1" in {a.item_id for a in likely_late(found, pi.state, I3_STARTS)}
    # and once the PI runs, with the execution rules' alerts
    assert not [a for a in alerts_with_forecast(pi.state, I3_STARTS) if a.kind == AlertKind.LIKELY_LATE]
    pi.do("plan.lock")
    pi.do("baseline.take")
    pi.do("execution.start")
    found_now = alerts_with_forecast(pi.state, I3_STARTS)
    assert {a.item_id for a in found_now if a.kind == AlertKind.LIKELY_LATE} == {"checkout", "o1", "d1"}


def test_the_threshold_is_checked(pi: Session) -> None:
    from board.errors import Invalid

    with pytest.raises(Invalid, match="forecast threshold"):
        pi.do("board.update", "meta", forecast_threshold=1.5)


def test_two_teams_with_the_same_history_draw_independently(pi: Session) -> None:
    pi.story("b1", "bravo", "i1", 10)
    pi.do("story.update", "b1", status="done")
    teams = forecast(pi.state, I3_STARTS).teams
    assert teams["alpha"].observed == teams["bravo"].observed  # 10, then nothing: the same history
    same = teams["alpha"].p_reaches(10, 0), teams["bravo"].p_reaches(10, 0)
    assert same[0] == pytest.approx(same[1], abs=0.05)  # so the same distribution
    assert teams["alpha"].last_by_trial != teams["bravo"].last_by_trial  # but trials of their own


def test_the_forecast_over_time_is_the_board_as_it_stood_on_each_iterations_first_day(pi: Session) -> None:
    """I1's 10 points done, I2's 10 not: on I1's first day (no history: capacity 16 an iteration) and
    on I2's (10 done in I1) Alpha's C3 by I3 was certain; today, with 10 then 0 behind it and I2's
    slipped story before it in the queue, it cannot be done in I3."""
    pi.story("s2", "alpha", "i2", 10)
    moments = forecast_over_time(pi.state, I3_STARTS)
    assert [m.label for m in moments] == ["I1 start", "I2 start", "today"]
    assert [m.forecast.dependencies["d1"].probability for m in moments] == [1.0, 1.0, 0.0]
    assert moments[0].forecast.teams["alpha"].source == FROM_CAPACITY
    assert pi.get("story", "s1").status.value == "done"  # the board itself is left as it is


# Before this PI has a closed iteration: what each team finished per iteration of the earlier PI.
BEFORE_I1 = datetime.date(2027, 1, 1)


def test_no_closed_iteration_draws_from_the_earlier_pi_as_typed(pi: Session) -> None:
    """Alpha finished 10 then 0 points per iteration in PI 2026.4: C3 (10 points, queued behind
    S1's 10) is done by I3 when two of the three draws of I1–I3 are 10: 3 in 8 + 1 in 8 = 1/2."""
    pi.do("story.update", "s1", status="todo")
    pi.do("board.update", "meta", earlier_pi_name="PI 2026.4")
    pi.do("team.update", "alpha", earlier_throughput="10, 0")
    found = forecast(pi.state, BEFORE_I1)
    alpha = found.teams["alpha"]
    assert alpha.source == FROM_EARLIER_PI and alpha.observed == ()
    assert alpha.why == "Alpha: history from PI 2026.4: 10, 0 points (no closed iteration in this PI yet)"
    d1 = found.dependencies["d1"]
    assert d1.probability == pytest.approx(0.5, abs=0.04)
    assert "history from PI 2026.4: 10, 0 points" in d1.why
    # Bravo typed nothing: it falls back to capacity, as before.
    assert found.teams["bravo"].source == FROM_CAPACITY


def test_the_earlier_pi_gives_way_to_this_pis_first_closed_iteration(pi: Session) -> None:
    pi.do("team.update", "alpha", earlier_throughput=[40, 40])
    pi.story("s2", "alpha", "i2", 10)
    pi.do("story.update", "s2", status="done")
    alpha = forecast(pi.state, I3_STARTS).teams["alpha"]
    assert alpha.source == FROM_HISTORY and "earlier" not in alpha.why
    # Constant earlier throughput forecasts certainty, and an unnamed earlier PI is said as such.
    pi.do("story.update", "s1", status="todo")
    pi.do("story.update", "s2", status="todo")
    before = forecast(pi.state, BEFORE_I1)
    assert before.teams["alpha"].why.startswith("Alpha: history from the earlier PI: 40, 40 points")
    assert before.features["checkout"].probability == 1.0


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("31, x", "whole number"), ([5000], "between 0 and 1000"), (list(range(13)), "more than 12")],
)
def test_the_earlier_throughput_is_checked(pi: Session, typed: object, reason: str) -> None:
    from board.errors import Invalid

    with pytest.raises(Invalid, match=reason):
        pi.do("team.update", "alpha", earlier_throughput=typed)
    assert forecast(pi.state, BEFORE_I1).teams["alpha"].source == FROM_CAPACITY


def test_throughput_history_gives_each_team_its_points_per_closed_iteration(pi: Session) -> None:
    """What an earlier PI's board gives this PI's forecast: points of done stories per closed
    iteration, an empty one 0, a story not done not counted, the IP iteration left out."""
    pi.story("s3", "alpha", "i3", 5)
    pi.do("story.update", "s3", status="done")
    pi.story("b2", "bravo", "i2", 8)  # not done: not counted
    after_ip = datetime.date(2027, 3, 20)
    assert throughput_history(pi.state, after_ip) == {
        "Alpha": [10, 0, 5, 0],  # c3 in I3 and c4 in I4 are not done
        "Bravo": [0, 0, 0, 0],
        "Charlie": [0, 0, 0, 0],
    }
    # Only the iterations closed by then count.
    assert throughput_history(pi.state, I3_STARTS)["Alpha"] == [10, 0]

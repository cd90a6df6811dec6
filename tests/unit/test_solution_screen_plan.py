"""The solution big screen's Post-PI Planning column (server/pages/solution_plan.screen_plan and
templates/solution/screen_plan.html): risks grouped by ROAM, the BV total, and the vote as the room may
see it (how many voted while open, never a value; the distribution and average once revealed)."""

from __future__ import annotations

from board.model import Roam, VoteStatus
from board.solution_plan import SolutionObjective, SolutionPlan, SolutionRisk, VoteRound
from server.pages.solution_board import plan_html
from server.pages.solution_plan import screen_plan


def risk(rid: str, roam: Roam) -> SolutionRisk:
    return SolutionRisk(rid, f"risk {rid}", "", roam, "Ana" if roam == Roam.OWNED else "", "Sofia")


def objective(
    oid: str, planned: int | None, actual: int | None = None, committed: bool = True
) -> SolutionObjective:
    return SolutionObjective(oid, f"objective {oid}", (), committed, planned, actual, "Sofia")


def test_risks_are_grouped_by_roam_unroamed_first_and_counted() -> None:
    plan = SolutionPlan(
        risks=(
            risk("a", Roam.MITIGATED),
            risk("b", Roam.UNROAMED),
            risk("c", Roam.OWNED),
            risk("d", Roam.UNROAMED),
            risk("e", Roam.MITIGATED),
        )
    )
    shown = screen_plan(plan)
    assert [(r.id, label, first) for r, label, first in shown.risks] == [
        ("b", "Un-ROAMed", True),
        ("d", "Un-ROAMed", False),
        ("c", "Owned", True),
        ("a", "Mitigated", True),
        ("e", "Mitigated", False),
    ]
    # Only the states that have risks, in ROAM's order.
    assert [(roam, n) for roam, _, n in shown.roam_counts] == [
        (Roam.UNROAMED, 2),
        (Roam.OWNED, 1),
        (Roam.MITIGATED, 2),
    ]


def test_the_bv_total_counts_committed_objectives_and_predictability_once_rated() -> None:
    plan = SolutionPlan(objectives=(objective("1", 8), objective("2", 5), objective("3", 9, committed=False)))
    assert screen_plan(plan).predictability.planned_bv == 13
    assert screen_plan(plan).predictability.ratio is None
    rated = SolutionPlan(objectives=(objective("1", 8, 6), objective("2", 2, 2)))
    assert screen_plan(rated).predictability.ratio == 0.8
    html = plan_html(rated)
    assert "data-bv-total>10<" in html and "(80 %)" in html
    assert html.count('class="sb-plan-row" data-objective') == 2


def test_an_open_round_shows_how_many_voted_and_never_a_value() -> None:
    closed = VoteRound("v1", 1, VoteStatus.CLOSED, {"m1": 2})
    open_round = VoteRound("v2", 2, VoteStatus.OPEN, {"m1": 5, "m2": 1, "m3": 5})
    shown = screen_plan(SolutionPlan(rounds=(closed, open_round)))
    assert shown.round is open_round and shown.tally is None and shown.bars == []
    html = plan_html(SolutionPlan(rounds=(closed, open_round)))
    assert "<strong data-vote-count>3</strong> voted" in html
    assert "data-fist" not in html and "data-average" not in html and "m1" not in html


def test_a_closed_round_shows_its_distribution_and_average_and_says_when_it_needs_rework() -> None:
    closed = VoteRound("v1", 1, VoteStatus.CLOSED, {"m1": 1, "m2": 2, "m3": 2, "m4": 4})
    shown = screen_plan(SolutionPlan(rounds=(closed,)))
    assert shown.tally is not None and shown.tally.average == 2.25
    assert shown.bars == [(1, 1, 50), (2, 2, 100), (3, 0, 0), (4, 1, 50), (5, 0, 0)]
    html = plan_html(SolutionPlan(rounds=(closed,)))
    assert "data-average>2.25<" in html and "needs rework" in html
    assert 'data-fist="2" data-votes="2"' in html
    assert "data-vote-count" not in html


def test_nothing_yet_says_so() -> None:
    shown = screen_plan(SolutionPlan())
    assert shown.round is None and shown.tally is None and shown.risks == () and shown.roam_counts == ()
    html = plan_html(SolutionPlan())
    assert "No round yet." in html and html.count("None yet.") == 2

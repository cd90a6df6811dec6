"""Setting a board up: the checklist of what is missing, what still belongs to a team or an
iteration, and reordering iterations."""

from __future__ import annotations

import pytest
from plan_builder import PM, Session, member_of

from board.errors import Forbidden, IllegalTransition, Invalid
from board.setup import holdings, of_board, outside_the_pi, setup_gaps


def keys(s: Session) -> list[str]:
    return [g.key for g in setup_gaps(s.state)]


def test_a_new_board_lists_everything_still_to_set_up() -> None:
    s = Session()
    s.do("board.create", name="ART")
    assert keys(s) == ["pi-name", "pi-dates", "teams", "iterations", "features"]


def test_the_checklist_empties_as_the_board_is_set_up() -> None:
    s = Session().create_board()  # a PI name and a start, no end
    s.iteration("i1", 1)
    s.iteration("ip", 2, is_ip=False)
    s.team("atlas")
    assert keys(s) == ["pi-dates", "iteration-dates", "ip", "people-atlas", "features"]
    gap = next(g for g in setup_gaps(s.state) if g.key == "people-atlas")
    assert gap.where == "team:atlas" and "Atlas has no people" in gap.text
    s.do("board.update", end="2027-03-26")
    for it in ("i1", "ip"):
        s.do("iteration.update", it, start="2027-01-04", end="2027-01-15")
    s.do("iteration.update", "ip", is_ip=True)
    s.member("ann", "atlas")
    s.feature("f1", "atlas", "i1")
    assert keys(s) == []


def test_holdings_say_what_still_belongs_to_a_team() -> None:
    s = Session().create_board()
    s.iteration("i1", 1)
    s.team("atlas")
    s.team("comet")
    s.member("ann", "atlas")
    s.feature("f1", "atlas", "i1")
    s.do("story.create", id="s1", title="S", team_id="atlas", iteration_id="i1", points=3)
    s.do("objective.create", id="o1", team_id="atlas", statement="Ship 3 shops by I2")
    s.do("dependency.create", id="d1", need="API", requesting_team_id="comet", provider_team_id="atlas")
    held = holdings(of_board(s.state), s.get("team", "atlas"))
    assert held.counts() == {"member": 1, "feature": 1, "story": 1, "objective": 1, "dependency": 1}
    assert holdings(of_board(s.state), s.get("team", "comet")).counts() == {"dependency": 1}
    # The op refuses with the same rule.
    with pytest.raises(IllegalTransition, match="3 features, stories or members"):
        s.do("team.delete", "atlas")
    s.team("empty")
    assert holdings(of_board(s.state), s.get("team", "empty")).empty
    s.do("team.delete", "empty")


def test_iterations_are_reordered_in_one_op() -> None:
    s = Session().create_board()
    for n, it in enumerate(("a", "b", "c"), start=1):
        s.iteration(it, n)
    s.do("iteration.reorder", order=["c", "a", "b"])
    assert [i.id for i in s.state.iterations] == ["c", "a", "b"]
    assert [i.number for i in s.state.iterations] == [1, 2, 3]
    with pytest.raises(Invalid, match="every iteration"):
        s.do("iteration.reorder", order=["c", "a"])
    with pytest.raises(Invalid, match="every iteration"):
        s.do("iteration.reorder", order=["c", "a", "b", "zz"])
    with pytest.raises(Forbidden):
        s.do("iteration.reorder", by=PM, order=["a", "b", "c"])
    with pytest.raises(Forbidden):
        s.do("iteration.reorder", by=member_of("atlas"), order=["a", "b", "c"])


def test_an_iteration_outside_the_pis_dates_is_taken_and_listed_as_a_gap() -> None:
    s = Session().create_board()
    s.do("board.update", "meta", start="2027-01-04", end="2027-03-26")
    s.iteration("i1", 1)
    s.do("iteration.update", "i1", start="2026-12-28", end="2027-01-08")  # accepted: a warning only
    s.iteration("i2", 2)
    s.do("iteration.update", "i2", start="2027-03-15", end="2027-03-31")
    s.iteration("i3", 3)
    s.do("iteration.update", "i3", start="2027-01-11", end="2027-01-22")
    gaps = {g.key: g for g in setup_gaps(s.state)}
    assert gaps["iteration-outside-i1"].text == "I1 starts on 2026-12-28, before the PI starts (2027-01-04)."
    assert gaps["iteration-outside-i2"].text == "I2 ends on 2027-03-31, after the PI ends (2027-03-26)."
    assert gaps["iteration-outside-i1"].where == "iterations"
    assert "iteration-outside-i3" not in gaps
    assert outside_the_pi(s.state, s.get("iteration", "i3")) is None
    s.do("iteration.update", "i1", start="2027-01-04")
    assert "iteration-outside-i1" not in keys(s)

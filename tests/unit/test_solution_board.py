"""The solution board's derivation (board/solution_board.py): trains × the solution's iterations matched by
number, each card where its train plans it and marked as its train marks it, capabilities, milestones,
the parties asked for work, and the strings between cards (within a train and across trains)."""

from __future__ import annotations

from board.cross_train import mirror_id, mirror_of, party_words
from board.model import Dependency, DependencyState, Role
from board.roles import Actor
from board.solution import Capability, capability_feature_id
from board.solution_board import PARTIES, SolutionBoard, solution_board
from board.summary import plan_summary
from tests.unit.plan_builder import Session

# Who writes a mirror (as the server's sync does, server/store/cross_train.py).
SOLUTION = Actor("solution", "the solution for Ann of Cards", Role.RTE, solution=True)


def train(board_id: str, name: str, numbers: tuple[int, ...] = (1, 2, 3)) -> Session:
    s = Session(board_id).create_board(name=name)
    for n in numbers:
        # Each train's own iteration ids: the solution matches them by number.
        s.iteration(f"{board_id}-i{n}", n, is_ip=n == 3)
    s.team(f"{board_id}-t1", f"{name} one")
    s.team(f"{board_id}-t2", f"{name} two")
    return s


def derive(*trains: Session, capabilities: tuple[Capability, ...] = ()) -> SolutionBoard:
    return solution_board([(t.state, plan_summary(t.state)) for t in trains], capabilities)


def cell_titles(board: SolutionBoard, train: int, lane: int) -> list[list[str]]:
    return [[c.title for c in cell] for cell in board.trains[train].lanes[lane].cells]


def test_each_trains_features_stand_in_the_column_of_their_iterations_number() -> None:
    a, b = train("a", "Cards"), train("b", "Loans", numbers=(2, 1))
    a.feature("fa", "a-t1", "a-i2")
    b.feature("fb", "b-t2", "b-i1")
    b.feature("unplanned", "b-t1")
    board = derive(a, b)
    assert [c.number for c in board.columns] == [1, 2, 3]
    assert [c.name for c in board.columns] == ["I1", "I2", "I3"] and board.columns[2].is_ip
    assert [t.name for t in board.trains] == ["Cards", "Loans"]
    assert [lane.name for lane in board.trains[1].lanes] == ["Loans one", "Loans two"]
    assert cell_titles(board, 0, 0) == [[], ["Feature fa"], []]
    assert cell_titles(board, 1, 1) == [["Feature fb"], [], []]
    assert board.trains[1].unplanned == 1  # in no team's iteration: counted, not placed
    assert board.trains[1].lanes[1].cells[0][0].dom_id == "sb-b-fb"


def test_a_feature_of_a_capability_is_marked_with_it_and_milestones_stand_in_their_column() -> None:
    a, b = train("a", "Cards"), train("b", "Loans")
    fid = capability_feature_id("c1")
    a.feature(fid, "a-t1", "a-i1")
    b.feature(fid, "b-t1", "b-i2")
    b.feature("own", "b-t1", "b-i2")
    a.do("milestone.create", id="m1", title="Beta <release>", iteration_id="a-i2")
    cap = Capability("c1", "Instant payments", "", "Mia", {"a": fid, "b": fid})
    board = derive(a, b, capabilities=(cap,))
    cards = [c for t in board.trains for lane in t.lanes for cell in lane.cells for c in cell]
    marked = {c.title: c.capability for c in cards}
    assert marked == {"Feature cap-c1": "Instant payments", "Feature own": ""}
    assert board.trains[0].milestones == ((), ("Beta <release>",), ())
    assert board.trains[1].milestones == ((), (), ())


def test_a_string_joins_the_cards_and_carries_its_trains_state() -> None:
    a = train("a", "Cards")
    a.feature("asks", "a-t1", "a-i1")
    a.feature("gives", "a-t2", "a-i2")  # planned after it is needed: a conflict once accepted
    a.dep("d1", "a-t1", "a-t2", requesting_feature_id="asks")
    a.do("dependency.accept", "d1", provider_feature_id="gives")
    board = derive(a)
    (string,) = board.strings
    assert (string.from_id, string.to_id) == ("sb-a-asks", "sb-a-gives")
    assert string.state == DependencyState.CONFLICT and string.conflict and not string.cross_train
    assert string.requester == "Cards · Cards one" and string.provider == "Cards · Cards two"
    assert string.needed_by == "I1"
    asks = board.trains[0].lanes[0].cells[0][0]
    assert asks.conflicted and board.trains[0].conflicts == 1 and board.conflicts == 1


def test_a_string_to_a_team_with_nothing_planned_ends_at_its_label() -> None:
    a = train("a", "Cards")
    a.feature("asks", "a-t1", "a-i1")
    a.dep("d1", "a-t1", "a-t2", requesting_feature_id="asks")
    (string,) = derive(a).strings
    assert (string.from_id, string.to_id) == ("sb-a-asks", "sb-a-team-a-t2")


def test_a_party_asked_for_work_gets_a_lane_with_the_request_where_it_is_needed() -> None:
    a, b = train("a", "Cards"), train("b", "Loans")
    a.feature("asks", "a-t1", "a-i2")
    a.dep("d1", "a-t1", None, requesting_feature_id="asks", external_party="Acme GmbH")
    b.feature("too", "b-t1", "b-i1")
    b.dep("d2", "b-t1", None, requesting_feature_id="too", external_party="acme gmbh ")
    board = derive(a, b)
    parties = board.trains[-1]
    assert parties.board_id == PARTIES and [lane.name for lane in parties.lanes] == ["Acme GmbH"]
    cells = parties.lanes[0].cells
    assert [[c.title for c in cell] for cell in cells] == [["Need d2"], ["Need d1"], []]
    assert all(c.asked for cell in cells for c in cell)
    ends = {s.need: (s.from_id, s.to_id) for s in board.strings}
    assert ends == {"Need d1": ("sb-a-asks", "sb-a-ask-d1"), "Need d2": ("sb-b-too", "sb-b-ask-d2")}


def test_a_request_of_a_party_in_no_iteration_ends_at_the_partys_row() -> None:
    a = train("a", "Cards")
    a.feature("asks", "a-t1", "a-i1")
    a.dep("d1", "a-t1", None, requesting_feature_id="asks", external_party="Acme")
    a.dep("d2", "a-t2", None, external_party="Acme-Co")  # needed by no iteration yet
    board = derive(a)
    lanes = board.trains[-1].lanes
    assert [(lane.name, lane.dom_id) for lane in lanes] == [("Acme", "sb-party-0"), ("Acme-Co", "sb-party-1")]
    assert lanes[1].card_count == 0
    ends = {s.need: (s.from_id, s.to_id) for s in board.strings}
    assert ends["Need d2"] == ("sb-a-team-a-t2", "sb-party-1")


def test_no_party_lane_when_no_train_asks_one() -> None:
    a = train("a", "Cards")
    assert [t.board_id for t in derive(a).trains] == ["a"]


def test_a_cross_train_dependency_is_one_string_from_the_request_to_the_card_its_mirror_plans() -> None:
    """Train A asks train B's team (board/cross_train.py); the mirror on B is not drawn again."""
    a, b = train("a", "Cards"), train("b", "Loans")
    a.feature("asks", "a-t1", "a-i2")
    a.other_trains = lambda ref: party_words("Loans", "Loans two") if ref == "b/b-t2" else None
    a.do(
        "dependency.create",
        id="d1",
        need="A credit check",
        requesting_team_id="a-t1",
        requesting_feature_id="asks",
        provider_train="b/b-t2",
    )
    dep = a.state.get(Dependency, "d1")
    assert dep is not None
    shape = mirror_of(a.state, dep, b.state)
    assert shape is not None
    b.do("crosstrain.mirror", mirror_id("d1"), by=SOLUTION, base=None, seq=a.state.seq, **shape)
    (string,) = derive(a, b).strings  # B has planned nothing for it: the string ends at its team
    assert (string.from_id, string.to_id) == ("sb-a-asks", "sb-b-team-b-t2")
    assert string.cross_train and string.provider == "Loans · Loans two"
    assert string.requester == "Cards · Cards one" and string.needed_by == "I2"
    b.feature("gives", "b-t2", "b-i1")
    b.do("dependency.accept", mirror_id("d1"), provider_feature_id="gives")
    (string,) = derive(a, b).strings
    assert (string.from_id, string.to_id) == ("sb-a-asks", "sb-b-gives")
    assert [t.board_id for t in derive(a, b).trains] == ["a", "b"]  # no party lane for another train


def test_a_train_whose_dates_disagree_with_the_cadence_says_how() -> None:
    a, b = train("a", "Cards"), train("b", "Loans", numbers=(1, 2))
    for s in (a, b):
        for it in s.state.iterations:
            s.do("iteration.update", it.id, start=f"2027-0{it.number}-01", end=f"2027-0{it.number}-14")
    board = derive(a, b)
    assert board.trains[0].disagreements == ()
    assert board.trains[1].disagreements == (
        "the PI ends 2027-02-14 here but 2027-03-14 on Cards",
        "it has 2 iterations, Cards has 3",
    )

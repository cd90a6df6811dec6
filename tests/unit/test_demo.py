"""The demo ART applies cleanly, as the RTE, and shows every part of the board at work."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from plan_builder import RTE

from board.capacity import load_table
from board.demo import demo_ops
from board.dependencies import cascade, dependency_state
from board.model import (
    BoardState,
    Dependency,
    DependencyState,
    Feature,
    FeatureKind,
    Member,
    Milestone,
    Objective,
    Roam,
    Story,
)
from board.objectives import is_vague
from board.ops import Context, apply_op


def build(seed: int = 7) -> BoardState:
    state = BoardState("demo")
    ids = itertools.count(1)
    for seq, op in enumerate(demo_ops(seed), 1):
        apply_op(state, op, RTE, Context(now=1_800_000_000.0, new_id=lambda: f"g{next(ids)}", seq=seq))
        state.seq = seq
    return state


@pytest.fixture(scope="module")
def demo() -> BoardState:
    return build()


def test_starts_with_board_create() -> None:
    first = demo_ops()[0]
    assert first.type == "board.create"
    assert first.args["pi_name"] == "PI 2027.1"
    assert first.args["start"] < first.args["end"]


def test_is_deterministic_per_seed() -> None:
    assert demo_ops(7) == demo_ops(7)
    assert demo_ops(7) != demo_ops(8)


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
def test_applies_cleanly_with_any_seed(seed: int) -> None:
    state = build(seed)
    assert len(state.teams) == 8
    assert 200 <= len(state.stories) <= 300


def test_teams_and_people(demo: BoardState) -> None:
    teams = demo.teams
    assert len(teams) == 8
    assert len({t.color for t in teams}) == 8
    members = list(demo.of(Member).values())
    per_team = Counter(m.team_id for m in members)
    assert all(5 <= per_team[t.id] <= 9 for t in teams)
    assert any(0 < m.fte < 1 for m in members)
    assert any(m.days_off for m in members)


def test_iterations(demo: BoardState) -> None:
    iterations = demo.iterations
    assert [i.number for i in iterations] == [1, 2, 3, 4, 5, 6]
    assert [i.is_ip for i in iterations] == [False] * 5 + [True]
    assert all(i.start and i.end and i.start < i.end for i in iterations)
    assert all(a.end < b.start for a, b in itertools.pairwise(iterations))


def test_features_and_stories(demo: BoardState) -> None:
    features = list(demo.of(Feature).values())
    assert 35 <= len(features) <= 45
    assert any(f.feature_kind == FeatureKind.ENABLER for f in features)
    assert len({f.rank for f in features}) == len(features)
    planned = [f for f in features if f.team_id and f.iteration_id]
    assert len(planned) >= 35
    assert all(f.title and f.description and f.acceptance for f in features)
    stories = list(demo.of(Story).values())
    assert 220 <= len(stories) <= 280
    assert {s.points for s in stories} <= {1, 2, 3, 5, 8}
    assert sum(1 for s in stories if s.feature_id) > 0.9 * len(stories)


def test_load_is_mostly_in_band_with_a_few_overloads(demo: BoardState) -> None:
    loads = [x for x in load_table(demo).values() if x.capacity > 0]
    assert len(loads) == 8 * 5
    overloaded = [x for x in loads if x.overloaded]
    assert 2 <= len(overloaded) <= 3
    in_band = [x for x in loads if x.ratio is not None and 0.6 <= x.ratio <= 0.95]
    assert len(in_band) >= 0.8 * len(loads)
    ip = demo.iterations[-1]
    assert all(x.load == 0 for (_, it), x in load_table(demo).items() if it == ip.id)


def test_milestones(demo: BoardState) -> None:
    milestones = list(demo.of(Milestone).values())
    assert 4 <= len(milestones) <= 5
    assert all(m.date and m.iteration_id for m in milestones)


def test_dependencies_in_every_state(demo: BoardState) -> None:
    deps = list(demo.of(Dependency).values())
    assert 20 <= len(deps) <= 30
    states = Counter(dependency_state(demo, d) for d in deps)
    assert states[DependencyState.CONFLICT] >= 3
    assert states[DependencyState.COMMITTED] > len(deps) / 2
    assert states[DependencyState.REQUESTED] >= 1
    assert 1 <= states[DependencyState.DONE] <= 2
    external = [d for d in deps if d.external_party]
    assert len(external) == 1 and external[0].promised_iteration_id


def _hops(state: BoardState) -> int:
    """The longest chain of dependencies a conflict puts at risk (1: just the conflict itself)."""
    story_feature = {s.id: s.feature_id for s in state.stories}
    delivered_by: dict[str, list[Dependency]] = {}
    for d in state.dependencies:
        for fid in {d.provider_feature_id, story_feature.get(d.provider_story_id or "")} - {None}:
            delivered_by.setdefault(str(fid), []).append(d)
    level = [d for d in state.dependencies if dependency_state(state, d) == DependencyState.CONFLICT]
    seen = {d.id for d in level}
    hops = 0
    while level:
        hops += 1
        nxt = [
            d
            for dep in level
            for d in delivered_by.get(dep.requesting_feature_id or "", [])
            if d.id not in seen and not seen.add(d.id)  # type: ignore[func-returns-value]
        ]
        level = nxt
    return hops


def test_a_conflict_cascades_through_two_hops_to_objectives(demo: BoardState) -> None:
    assert _hops(demo) >= 2
    result = cascade(demo)
    conflicted = {d.id for d in demo.dependencies if dependency_state(demo, d) == DependencyState.CONFLICT}
    assert result.dependencies - conflicted  # committed dependencies put at risk downstream
    at_risk_teams = {o.team_id for o in demo.of(Objective).values() if o.id in result.objectives}
    assert len(at_risk_teams) >= 3


def test_objectives(demo: BoardState) -> None:
    objectives = list(demo.of(Objective).values())
    per_team = Counter(o.team_id for o in objectives)
    assert all(3 <= per_team[t.id] <= 5 for t in demo.teams)
    assert any(o.committed for o in objectives) and any(not o.committed for o in objectives)
    assert 2 <= sum(1 for o in objectives if is_vague(o.statement)) <= 3
    with_bv = [o for o in objectives if o.planned_bv is not None]
    assert len(with_bv) >= 0.8 * len(objectives)
    assert all(1 <= (o.planned_bv or 0) <= 10 for o in with_bv)


def test_risks_in_every_roam_state(demo: BoardState) -> None:
    risks = demo.risks
    assert 10 <= len(risks) <= 14
    assert {r.roam for r in risks} == set(Roam)
    assert all(r.owner for r in risks if r.roam == Roam.OWNED)

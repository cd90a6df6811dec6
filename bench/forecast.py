"""The forecast (``board.forecast``): its server CPU per change, and a backtest of what it said.

**CPU per change.** A 12-team ART (bench/import_speed.py's: 12 teams of 8, 150 features, 1,500
stories, 200 dependencies) in its PI's third iteration, two iterations closed with ~80 % of their
stories done. Each change is a story's status, as a team sets it on the team page or the tracker
sync brings it; after it the server derives the plan summary every live page reads (with the
forecast's chances, ``plan_summary``) and the alerts with the forecast's (``alerts_with_forecast``),
as the pages and the webhook do: the forecast twice, everything else once. Timed in CPU time of this thread
(the machine may be shared), three ways: a story of an open iteration (each team's draws are
memoised: only the queues change), a story of a closed iteration (that team's history changes: its
draws are made again), and cold (no draws memoised: every team's made again). Target: ≤ 100 ms.

**Backtest.** The execution scenario of tests/unit/test_execution_scenario.py: the demo ART (8
teams) played through its PI — every story done in its iteration, except that one team finishes
nothing of Iteration 2 and one providing story slips past the iteration its requester needs it by;
what slipped is re-planned into the next iteration. A ``--noisy`` run also leaves each story undone
with a seeded 20 % chance. At the start of every iteration, for each feature planned in it and each
dependency needed by it (not yet done), the forecast's probability that it is done by that iteration's
end is recorded, and so is the rule-based alerts' say (0 when an alert names the item, or the
velocity drop of its team in the last closed iteration; otherwise 1); when the iteration closes,
what happened. The Brier score of each (mean squared difference; 0 is perfect, 0.25 a coin toss).

    .venv/bin/python bench/forecast.py [--json] [--rounds 20] [--noisy]
"""

from __future__ import annotations

import argparse
import copy
import datetime
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_speed import art_ops  # noqa: E402  (bench/ is this script's folder)

from board import Actor, BoardState, Op, Role  # noqa: E402
from board.demo import demo_ops  # noqa: E402
from board.dependencies import needed_by  # noqa: E402
from board.execution import (  # noqa: E402
    AlertKind,
    alerts,
    feature_done,
    iteration_closed,
    provider_done,
)
from board.forecast import _simulate, alerts_with_forecast, forecast  # noqa: E402
from board.model import Dependency, Feature, Iteration, Story, StoryStatus  # noqa: E402
from board.ops import Context, apply_op  # noqa: E402
from board.summary import plan_summary  # noqa: E402

RTE = Actor("bench", "Bench", Role.RTE)
PI_START = datetime.date(2027, 1, 4)


class Pi:
    """A board in memory, changed through the op path's rules (``apply_op``)."""

    def __init__(self, ops: list[Op]) -> None:
        self.state = BoardState("bench")
        self._ids = itertools.count(1)
        for op in ops:
            self.apply(op)

    def apply(self, op: Op) -> None:
        seq = self.state.seq + 1
        ctx = Context(now=1_800_000_000.0, new_id=lambda: f"g{next(self._ids)}", seq=seq)
        apply_op(self.state, op, RTE, ctx)
        self.state.seq = seq

    def do(self, op_type: str, target: str | None = None, **args: Any) -> None:
        kind = (
            "meta"
            if op_type.startswith(("board.", "plan.", "baseline.", "execution."))
            else op_type.split(".")[0]
        )
        base = self.state.items[kind][target or "meta"].version if target or kind == "meta" else None
        self.apply(Op(op_type, target=target, base_version=base, args=args))

    def run(self) -> None:
        self.do("plan.lock")
        self.do("baseline.take")
        self.do("execution.start")


# --- CPU per change -------------------------------------------------------------------------------


def twelve_team_art() -> tuple[Pi, datetime.date]:
    ops = [Op("board.create", args={"name": "Twelve-team ART", "pi_name": "PI 27.1"}), *art_ops()]
    pi = Pi(ops)
    for n in range(1, 7):
        start = PI_START + datetime.timedelta(weeks=2 * (n - 1))
        pi.do(
            "iteration.update",
            f"it{n}",
            start=start.isoformat(),
            end=(start + datetime.timedelta(11)).isoformat(),
        )
    pi.run()
    rng = random.Random(3)
    for story in sorted(pi.state.stories, key=lambda s: s.id):
        if story.iteration_id in ("it1", "it2") and rng.random() < 0.8:
            pi.do("story.update", story.id, status="done")
    return pi, PI_START + datetime.timedelta(weeks=4, days=3)  # Thursday of I3's first week


def cpu_ms(fn: Callable[[], object]) -> float:
    start = time.thread_time()
    fn()
    return (time.thread_time() - start) * 1000


def per_change(rounds: int) -> dict[str, dict[str, float]]:
    pi, today = twelve_team_art()
    baseline = copy.deepcopy(pi.state)
    open_stories = [s.id for s in pi.state.stories if s.iteration_id in ("it3", "it4")]
    closed_stories = [s.id for s in pi.state.stories if s.iteration_id == "it2"]
    rng = random.Random(5)

    def derive() -> None:
        # What a change costs the server: the plan summary every live page reads (with the forecast's
        # chances) and the alerts with the forecast's (the webhook, ART sync).
        plan_summary(pi.state, today)
        alerts_with_forecast(pi.state, today, baseline, pi.state.meta.velocity_threshold)

    def toggle(story_id: str) -> None:
        story = pi.state.get(Story, story_id)
        assert story is not None
        pi.do("story.update", story_id, status="todo" if story.status == StoryStatus.DONE else "done")

    derive()  # warm: each team's draws memoised
    found: dict[str, list[float]] = {
        "open iteration": [],
        "closed iteration": [],
        "cold": [],
        "forecast only": [],
    }
    for _ in range(rounds):
        toggle(rng.choice(open_stories))
        found["open iteration"].append(cpu_ms(derive))
        found["forecast only"].append(cpu_ms(lambda: forecast(pi.state, today)))
        toggle(rng.choice(closed_stories))
        found["closed iteration"].append(cpu_ms(derive))
        _simulate.cache_clear()
        toggle(rng.choice(open_stories))
        found["cold"].append(cpu_ms(derive))
    return {
        k: {"median_ms": round(statistics.median(v), 1), "max_ms": round(max(v), 1)} for k, v in found.items()
    }


# --- the backtest ---------------------------------------------------------------------------------


def late_candidate(state: BoardState) -> tuple[Dependency, Story]:
    """As the scenario's: a committed dependency answered by a story planned in its needed-by iteration."""
    for dep in sorted(state.dependencies, key=lambda d: d.id):
        story = state.get(Story, dep.provider_story_id)
        need = needed_by(state, dep)
        if story is not None and need is not None and story.iteration_id == need.id:
            return dep, story
    raise AssertionError("the demo has a dependency answered in its needed-by iteration")


def brier(pairs: list[tuple[float, int]]) -> float | None:
    return round(sum((p - o) ** 2 for p, o in pairs) / len(pairs), 3) if pairs else None


def backtest(noisy: bool) -> dict[str, Any]:
    pi = Pi(demo_ops(7))
    pi.run()
    baseline = copy.deepcopy(pi.state)
    _dep, provider = late_candidate(pi.state)
    need = pi.state.get(Iteration, provider.iteration_id)
    assert need is not None
    lazy_team = next(t.id for t in pi.state.teams if t.id != provider.team_id)
    rng = random.Random(11)
    rows: list[dict[str, Any]] = []
    all_forecast: list[tuple[float, int]] = []
    all_rules: list[tuple[float, int]] = []
    for iteration in [i for i in pi.state.iterations if not i.is_ip]:
        assert iteration.start and iteration.end
        start = datetime.date.fromisoformat(iteration.start)
        after = datetime.date.fromisoformat(iteration.end) + datetime.timedelta(days=1)
        said = forecast(pi.state, start)
        rule_alerts = alerts(pi.state, start, baseline, pi.state.meta.velocity_threshold)
        flagged_items = {a.item_id for a in rule_alerts}
        dropped_teams = {a.team_ids[0] for a in rule_alerts if a.kind == AlertKind.VELOCITY_DROP}
        asked: list[tuple[str, str, float, float]] = []  # kind, id, forecast, rules
        for f in pi.state.features:
            o = said.features.get(f.id)
            planned_here = f.iteration_id == iteration.id and not feature_done(pi.state, f)
            if planned_here and o is not None and o.probability is not None:
                rule = 0.0 if f.id in flagged_items or f.team_id in dropped_teams else 1.0
                asked.append(("feature", f.id, o.probability, rule))
        for d in pi.state.dependencies:
            o = said.dependencies.get(d.id)
            target = needed_by(pi.state, d)
            if (
                target is not None
                and target.id == iteration.id
                and o is not None
                and o.probability is not None
            ) and not provider_done(pi.state, d):
                rule = 0.0 if d.id in flagged_items or d.provider_team_id in dropped_teams else 1.0
                asked.append(("dependency", d.id, o.probability, rule))
        # the iteration is played
        undone: list[str] = []
        for story in [s for s in pi.state.stories if s.iteration_id == iteration.id]:
            if story.status == StoryStatus.DONE:
                continue
            leave = (
                (story.id == provider.id and iteration.id == need.id)
                or (story.team_id == lazy_team and iteration.number == 2)
                or (noisy and rng.random() < 0.2)
            )
            if leave:
                undone.append(story.id)
            else:
                pi.do("story.update", story.id, status="done")
        assert iteration_closed(iteration, after)
        pairs_f: list[tuple[float, int]] = []
        pairs_r: list[tuple[float, int]] = []
        for kind, item_id, p, rule in asked:
            if kind == "feature":
                feature = pi.state.get(Feature, item_id)
                happened = int(feature is not None and feature_done(pi.state, feature))
            else:
                d = pi.state.get(Dependency, item_id)
                happened = int(d is not None and provider_done(pi.state, d))
            pairs_f.append((p, happened))
            pairs_r.append((rule, happened))
        all_forecast += pairs_f
        all_rules += pairs_r
        rows.append(
            {
                "iteration": iteration.name or f"Iteration {iteration.number}",
                "items": len(asked),
                "forecast_mean": round(statistics.mean(p for p, _ in pairs_f), 2) if pairs_f else None,
                "rules_flagged": sum(1 for r, _ in pairs_r if r == 0.0),
                "done": sum(o for _, o in pairs_f),
                "brier_forecast": brier(pairs_f),
                "brier_rules": brier(pairs_r),
            }
        )
        nxt = next((i for i in pi.state.iterations if i.number == iteration.number + 1 and not i.is_ip), None)
        if nxt is not None:
            for story_id in undone:
                pi.do("story.move", story_id, iteration_id=nxt.id)
    return {
        "iterations": rows,
        "items": len(all_forecast),
        "brier_forecast": brier(all_forecast),
        "brier_rules": brier(all_rules),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--noisy", action="store_true", help="also leave each story undone with a 20 %% chance"
    )
    args = parser.parse_args()
    result = {"per_change": per_change(args.rounds), "backtest": backtest(args.noisy)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("Server CPU per change, 12-team ART (ms, median / max):")
    for name, figures in result["per_change"].items():
        print(f"  {name:18} {figures['median_ms']:7.1f} {figures['max_ms']:7.1f}")
    bt = result["backtest"]
    print(f"\nBacktest, execution scenario{' (noisy)' if args.noisy else ''}:")
    print(
        f"  {'iteration':11} {'items':>5} {'forecast':>8} {'flagged':>7} {'done':>4} "
        f"{'Brier fc':>8} {'Brier rules':>11}"
    )
    for row in bt["iterations"]:
        print(
            f"  {row['iteration']:11} {row['items']:5} {row['forecast_mean'] or 0:8.2f} "
            f"{row['rules_flagged']:7} "
            f"{row['done']:4} {row['brier_forecast'] or 0:8.3f} {row['brier_rules'] or 0:11.3f}"
        )
    print(f"  all: {bt['items']} items, Brier forecast {bt['brier_forecast']}, rules {bt['brier_rules']}")


if __name__ == "__main__":
    main()

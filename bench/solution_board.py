"""How long the solution board takes to serve: ``GET /s/{solution}/board`` of a generated solution of
3 trains × 8 teams (each train the demo ART: ~40 features, ~250 stories, its dependencies), with two
capabilities split into a feature per train. Goal: ≤ 100 ms (issue 29).

The page is served by the app in this process (starlette's TestClient) on a temporary SQLite file, so
the figure is the server's work (the session checked, the trains read, the board derived and
rendered), not a network's. The first request (cold: the trains read from the database) is shown apart,
and so are requests right after a feature of a train moved (that train read again, its plan derived
again: what the first page after a change pays).

    .venv/bin/python bench/solution_board.py [--requests 50] [--trains 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from board import Op
from board.cross_train import mirror_id
from board.model import BoardState, Dependency, Feature
from board.solution import STE
from server.app import create_app
from server.doors.capabilities import split_capability
from server.settings import Settings
from server.store.provision import FOUNDER, create_board_with_rte
from server.store.solutions import solution_cookie_name
from server.store.storage import Storage

with warnings.catch_warnings():  # starlette's note on its httpx client: not this bench's business
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CAPABILITIES = ("Instant payments", "Open banking APIs")


@dataclass(frozen=True)
class GeneratedSolution:
    id: str
    ste_session: str
    trains: tuple[tuple[str, str], ...]  # (board id, its RTE's session), in joining order


def generated_solution(storage: Storage, trains: int = 3) -> GeneratedSolution:
    """A solution of ``trains`` demo ARTs (8 teams each) with two capabilities split into a feature
    per train, which each train plans (tests/e2e/test_solution_board.py looks at the same one)."""
    solution_id, _, session = storage.solutions.create("Aurora Payments", "PI 2027.1", "Sofia STE")
    made = []
    for n in range(1, trains + 1):
        board_id, _, rte_session = create_board_with_rte(storage, f"Train {n}", demo=True)
        link = storage.solutions.create_link(solution_id, "train", f"Train {n}")
        storage.solutions.join_train(link, board_id, "RTE")
        made.append((board_id, rte_session))
    ste = storage.solutions.actor(solution_id, session)
    assert ste.role == STE
    for n, title in enumerate(CAPABILITIES, 1):
        capability = storage.solutions.add_capability(solution_id, title, "", ste.name)
        features = split_capability(storage, ste, solution_id, capability.id)  # type: ignore[arg-type]
        for board_id, feature_id in features.items():  # each train plans its feature
            state = storage.op_path.state(board_id)
            feature = state.get(Feature, feature_id)
            assert feature is not None
            where = {"team_id": state.teams[n].id, "iteration_id": state.iterations[n].id}
            op = Op("feature.update", feature_id, feature.version, where)
            storage.op_path.submit(board_id, op, FOUNDER)
    for k, (asking, _) in enumerate(made):
        ask_the_next_train(storage, asking, made[(k + 1) % len(made)][0], k)
    return GeneratedSolution(solution_id, session, tuple(made))


def ask_the_next_train(storage: Storage, asking: str, providing: str, k: int) -> str:
    """A cross-train dependency (board/cross_train.py): a team of ``asking`` asks a team of
    ``providing`` for work its earliest feature needs, and the providing train accepts it with its
    team's earliest feature (the mirror is the server's sync's); returns the request's id."""
    a, b = storage.op_path.state(asking), storage.op_path.state(providing)
    requester, provider = a.teams[(5 + k) % len(a.teams)], b.teams[(6 + k) % len(b.teams)]
    needs = earliest(a, requester.id)
    gives = earliest(b, provider.id)
    dep_id = f"cross-{k}"
    args = {
        "id": dep_id,
        "need": f"{provider.name} API for {needs.title}",
        "requesting_team_id": requester.id,
        "requesting_feature_id": needs.id,
        "provider_train": f"{providing}/{provider.id}",
    }
    storage.op_path.submit(asking, Op("dependency.create", args=args), FOUNDER)
    mirror = storage.op_path.state(providing).get(Dependency, mirror_id(dep_id))
    assert mirror is not None, "the sync writes the mirror as the request is committed"
    accept = Op("dependency.accept", mirror.id, mirror.version, {"provider_feature_id": gives.id})
    storage.op_path.submit(providing, accept, FOUNDER)
    return dep_id


def earliest(state: BoardState, team_id: str) -> Feature:
    """The team's feature planned in the earliest iteration."""
    number = {i.id: i.number for i in state.iterations}
    planned = (f for f in state.features if f.team_id == team_id and f.iteration_id in number)
    return min(planned, key=lambda f: (number[f.iteration_id or ""], f.id))


def move_a_feature(storage: Storage, board_id: str, n: int) -> None:
    """A train's change, as planning makes them: one of its planned features to another iteration."""
    state = storage.op_path.state(board_id)
    feature = sorted((f for f in state.features if f.team_id and f.iteration_id), key=lambda f: f.id)[0]
    iterations = [i.id for i in state.iterations if not i.is_ip]
    target = iterations[n % len(iterations)]
    if target == feature.iteration_id:
        target = iterations[(n + 1) % len(iterations)]
    op = Op("feature.update", feature.id, feature.version, {"iteration_id": target})
    storage.op_path.submit(board_id, op, FOUNDER)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--trains", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", secret_file=Path(tmp) / "secret")
        app = create_app(settings)
        with TestClient(app) as client:
            services = app.state.services
            made = generated_solution(services, args.trains)
            solution_id = made.id
            client.cookies.set(solution_cookie_name(solution_id), made.ste_session)
            url = f"/s/{solution_id}/board"
            start = time.perf_counter()
            first = client.get(url)
            cold = (time.perf_counter() - start) * 1000
            assert first.status_code == 200, first.text
            samples, cpu = [], []
            for _ in range(args.requests):
                start, busy = time.perf_counter(), time.process_time()
                r = client.get(url)
                samples.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - busy) * 1000)
                assert r.status_code == 200
            changed, changed_cpu = [], []
            for n in range(max(1, args.requests // 5)):
                move_a_feature(services, made.trains[0][0], n)
                start, busy = time.perf_counter(), time.process_time()
                r = client.get(url)
                changed.append((time.perf_counter() - start) * 1000)
                changed_cpu.append((time.process_time() - busy) * 1000)
                assert r.status_code == 200
            page = services.op_path.state  # the trains as served, for the figures' context
            solution = services.solutions.solution(solution_id)
            states = [page(t.board_id) for t in solution.trains]
    figures: dict[str, Any] = {
        "trains": len(states),
        "teams": sum(len(s.teams) for s in states),
        "features": sum(len(s.features) for s in states),
        "dependencies": sum(len(s.dependencies) for s in states),
        "bytes": len(first.content),
        "requests": args.requests,
        "cold_ms": round(cold, 1),
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "after_change_median_ms": round(statistics.median(changed), 1),
        "after_change_p95_ms": round(percentile(changed, 0.95), 1),
        # The process's CPU (server and client threads): what the request costs on an idle machine.
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "after_change_cpu_median_ms": round(statistics.median(changed_cpu), 1),
        "goal_ms": 100,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"{figures['trains']} trains, {figures['teams']} teams, {figures['features']} features, "
        f"{figures['dependencies']} dependencies; page {figures['bytes']:,} bytes"
    )
    print(
        f"GET /s/{{id}}/board: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms "
        f"over {args.requests} requests (first, cold: {figures['cold_ms']} ms; goal ≤ 100 ms)"
    )
    print(
        f"right after a train's feature moved: median {figures['after_change_median_ms']} ms, "
        f"p95 {figures['after_change_p95_ms']} ms"
    )
    print(
        f"CPU (this process, server and client): median {figures['cpu_median_ms']} ms a request, "
        f"{figures['after_change_cpu_median_ms']} ms right after a change"
    )


if __name__ == "__main__":
    main()

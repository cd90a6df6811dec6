"""A big Agile Release Train, generated: 12 teams, 150 features, 1,500 stories, 200 dependencies.

Features are spread unevenly, as a real ART plans them: some cells hold one card, some six or more,
so the big screen has to count what it cannot show.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from board import Op
from tests.conftest import BoardHandle

TEAMS = 12
ITERATIONS = 5  # four development iterations and IP
FEATURES = 150
STORIES = 1500
DEPENDENCIES = 200


def build_big_art(board: BoardHandle) -> Counter[tuple[str, str]]:
    """Make the ART through the one edit path; answer how many features each (team, iteration) cell holds."""
    rng = random.Random(16)
    ops: list[Op] = []

    def op(type: str, **args: Any) -> None:
        ops.append(Op(type, args=args))

    for n in range(1, ITERATIONS + 1):
        op(
            "iteration.create",
            id=f"it{n}",
            number=n,
            name=f"I{n}" if n < ITERATIONS else "IP",
            is_ip=n == ITERATIONS,
        )
    teams = [f"t{n:02d}" for n in range(TEAMS)]
    for n, team in enumerate(teams):
        op("team.create", id=team, name=f"Team {n:02d} {rng.choice(['Atlas', 'Borealis', 'Comet', 'Draco'])}")
        for m in range(8):
            op("member.create", id=f"{team}m{m}", name=f"Dev {m}", team_id=team)
    cells: Counter[tuple[str, str]] = Counter()
    features = []
    for n in range(FEATURES):
        # Team 00's first iteration is the crowded one (six features), the rest at random.
        team, it = ("t00", "it1") if n < 6 else (rng.choice(teams), f"it{rng.randint(1, ITERATIONS - 1)}")
        fid = f"f{n:03d}"
        title = f"Feature {n:03d} " + rng.choice(
            [
                "checkout flow",
                "loyalty points for returning customers",
                "search runway",
                "payments API v2",
                "ledger",
            ]
        )
        op("feature.create", id=fid, title=title, team_id=team, iteration_id=it, rank=(n + 1) * 10)
        features.append((fid, team, it))
        cells[(team, it)] += 1
    for n in range(STORIES):
        fid, team, it = features[n % FEATURES]
        op(
            "story.create",
            id=f"s{n:04d}",
            title=f"Story {n}",
            points=rng.choice([1, 2, 3, 5]),
            team_id=team,
            iteration_id=it,
            feature_id=fid,
        )
    made = 0
    while made < DEPENDENCIES:
        (f1, t1, _), (f2, t2, _) = rng.sample(features, 2)
        if t1 == t2:
            continue
        op(
            "dependency.create",
            id=f"d{made:03d}",
            need=f"Need {made}",
            requesting_team_id=t1,
            requesting_feature_id=f1,
            provider_team_id=t2,
            provider_feature_id=f2,
        )
        made += 1
    services = board.server.services
    rte = services.auth.actor(board.id, board.rte_session)
    services.op_path.submit_batch(board.id, ops, rte)
    return cells

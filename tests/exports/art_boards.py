"""A generated 12-team ART for the picture and the report: long titles, date-placed milestones, an
external party, strings from the top row, risks numbered past 10 (built by ops, like every board)."""

from __future__ import annotations

import datetime as dt

from exports_boards import Builder

from board.model import BoardState

PI_START = dt.date(2026, 7, 6)
WORDS = (
    "Consolidated multi-region payment reconciliation with automatic ledger corrections",
    "Self-service onboarding for enterprise merchants including KYC document upload",
    "Observability: distributed tracing across checkout, fraud and settlement services",
    "WALLET SDK: MOBILE WALLET MANAGEMENT WITH MAXIMUM WORLDWIDE MERCHANT COVERAGE",
)


def twelve_team_art(teams: int = 12) -> BoardState:
    b = Builder("art12")
    b.op("board.create", name="ART Twelve", pi_name="PI 27.1", start=PI_START.isoformat())
    its = []
    for n in range(1, 6):
        start = PI_START + dt.timedelta(days=14 * (n - 1))
        ip = n == 5
        name = "Iteration 5: Innovation & Planning with the PI planning" if ip else f"Iteration {n}"
        its.append(b.op("iteration.create", number=n, name=name, start=start.isoformat(), weeks=2, is_ip=ip))
    team_ids = []
    for t in range(teams):
        team = b.op("team.create", name=f"Team {t:02d} Platform Reliability and Payments Engineering")
        team_ids.append(team)
        for m in range(6):
            b.op("member.create", name=f"Dev {t}.{m}", team_id=team)
        for n in range(4):
            for k in range(2):
                feature = b.op(
                    "feature.create",
                    title=f"F{t}.{n}.{k} {WORDS[(t + n + k) % len(WORDS)]}",
                    team_id=team,
                    iteration_id=its[n],
                    external_key=f"PAY-{1000 + t * 10 + n}",
                )
                b.op("story.create", title=f"Story {t}.{n}.{k}", feature_id=feature, points=5)
        for n in range(3):
            obj = b.op(
                "objective.create", team_id=team, statement=f"Objective {t}.{n}: 3 partners live by I3"
            )
            b.op("objective.set_bv", obj, value=5 + n)
            if t % 3:
                b.op("objective.set_actual_bv", obj, value=4 + n)
        for n in range(12):
            b.op("risk.create", title=f"Risk {n}", team_id=team, description=f"Risk {n} of team {t:02d}")
    # Milestones placed by date only (no iteration), one by iteration, and two on the same day.
    for title, day in (
        ("Release 27.1 to all merchants", 10),
        ("Board review", 24),
        ("Card scheme audit", 24),
        ("Go-live of the new ledger", 44),
    ):
        b.op("milestone.create", title=title, date=(PI_START + dt.timedelta(days=day)).isoformat())
    b.op("milestone.create", title="System demo", iteration_id=its[2])
    # Strings from the top row down the ART, and one to an external party.
    features = [f for f in b.state.features]
    first = [f for f in features if f.team_id == team_ids[0]]
    for t in range(1, teams):
        other = [f for f in features if f.team_id == team_ids[t]]
        b.op(
            "dependency.create",
            need=f"API {t}",
            requesting_team_id=team_ids[0],
            requesting_feature_id=first[t % len(first)].id,
            provider_team_id=team_ids[t],
            provider_feature_id=other[(t * 3) % len(other)].id,
        )
    b.op(
        "dependency.create",
        need="Card network certification",
        requesting_team_id=team_ids[0],
        requesting_feature_id=first[0].id,
        external_party="VISA Europe certification office",
        promised_iteration_id=its[1],
    )
    return b.state

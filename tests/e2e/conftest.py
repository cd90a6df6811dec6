"""A small ART to plan on, for the browser tests (the browser fixtures themselves are in tests/browser.py)."""

from __future__ import annotations

from typing import Any

import pytest

from board import Op
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.ui_setup import art, ui_board

__all__ = ["art", "planned_board", "ui_board"]

pytestmark = pytest.mark.e2e


# --- a small ART to plan on ----------------------------------------------------------------------


class Plan(dict[str, str]):
    """Ids of the items of :func:`build_plan`, by a readable key."""


def build_plan(board: BoardHandle) -> Plan:
    """Three teams, four iterations and an IP iteration, features, stories and one dependency.

    Comet's "Checkout v2" (iteration 3) needs the "Payments API" from Atlas, planned in
    iteration 2: committed. Moving the Payments API past iteration 3 makes it a conflict.
    Atlas has 5 people (40 points per iteration) and 30 points planned in iteration 1.
    """
    plan = Plan()
    services = board.server.services
    rte = services.auth.actor(board.id, board.rte_session)
    meta = services.op_path.state(board.id).meta
    ops = [Op("board.update", "meta", meta.version, {"planning_target": 0.8, "pi_name": "PI 26.4"})]

    def op(type: str, key: str, **args: Any) -> None:
        plan[key] = key
        ops.append(Op(type, args={"id": key, **args}))

    for n in range(1, 6):
        op(
            "iteration.create",
            f"it{n}",
            number=n,
            name=f"I{n}" if n < 5 else "IP",
            is_ip=n == 5,
            start=f"2026-0{n + 1}-01",
            end=f"2026-0{n + 1}-14",
        )
    for key, name, color in (
        ("atlas", "Atlas", "#2f6fb3"),
        ("borealis", "Borealis", "#2e7d4f"),
        ("comet", "Comet", "#8e44ad"),
    ):
        op("team.create", key, name=name, color=color)
        for m in range(5):
            op("member.create", f"{key}m{m}", name=f"{name} dev {m + 1}", team_id=key)
    op("milestone.create", "ms1", title="Beta release", iteration_id="it2", milestone_kind="release")
    op("milestone.create", "ms2", title="Trade show", iteration_id="it4", milestone_kind="event")
    op("feature.create", "payapi", title="Payments API", team_id="atlas", iteration_id="it2", rank=10)
    op("feature.create", "ledger", title="Ledger export", team_id="atlas", iteration_id="it1", rank=20)
    op(
        "feature.create",
        "search",
        title="Search runway",
        team_id="borealis",
        iteration_id="it1",
        rank=30,
        feature_kind="enabler",
    )
    op("feature.create", "checkout", title="Checkout v2", team_id="comet", iteration_id="it3", rank=40)
    op("feature.create", "loyalty", title="Loyalty points", team_id="comet", iteration_id="it2", rank=50)
    op("feature.create", "darkmode", title="Dark mode", rank=60)
    for n, (title, pts) in enumerate((("Ledger schema", 13), ("Ledger CSV", 8), ("Ledger tests", 9))):
        op(
            "story.create",
            f"ls{n}",
            title=title,
            points=pts,
            team_id="atlas",
            iteration_id="it1",
            feature_id="ledger",
        )
    op(
        "story.create",
        "pay1",
        title="Payment intents",
        points=13,
        team_id="atlas",
        iteration_id="it2",
        feature_id="payapi",
    )
    op(
        "story.create",
        "co1",
        title="Checkout UI",
        points=8,
        team_id="comet",
        iteration_id="it3",
        feature_id="checkout",
    )
    op(
        "dependency.create",
        "dep1",
        need="Payments API",
        requesting_team_id="comet",
        requesting_feature_id="checkout",
        provider_team_id="atlas",
        provider_feature_id="payapi",
    )
    op("objective.create", "obj1", team_id="atlas", statement="Payments API live for 3 partner shops by I3")
    op("objective.create", "obj2", team_id="atlas", statement="Improve stability", committed=False)
    op("risk.create", "risk1", title="Card network certification may slip", team_id="atlas")
    # One batch through the one edit path, as an import does: all of it or none, in one transaction.
    services.op_path.submit_batch(board.id, ops, rte)
    return plan


def atlas_accepts_dep1(board: BoardHandle) -> None:
    """Atlas answers Comet's request for the Payments API: only the provider's answer commits it (a
    request stays requested, so a move could not make it a conflict)."""
    atlas = board.join("team", "Ann Atlas", "atlas")
    version = board.read()["items"]["dependency"]["dep1"]["version"]
    answer = {"provider_feature_id": "payapi"}
    answered = board.op(atlas, "dependency.accept", target="dep1", base_version=version, args=answer)
    assert answered.status_code == 200, answered.text


@pytest.fixture
def planned_board(e2e_server: LiveServer) -> tuple[BoardHandle, Plan]:
    board = create_board(e2e_server, name="Rocket ART")
    return board, build_plan(board)

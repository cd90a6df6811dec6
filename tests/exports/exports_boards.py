"""Boards for the export tests, built the only way a board is built: by applying ops."""

from __future__ import annotations

import itertools
from typing import Any

from board.core import Committed, Op
from board.model import BoardState, Role
from board.ops import Context, apply_op
from board.roles import Actor

RTE = Actor("rte-1", "Rita RTE", Role.RTE)

HOSTILE_SCRIPT = "<script>alert('x')</script>"
HOSTILE_FORMULA = "=cmd|' /C calc'!A0"


class Builder:
    """Applies ops as the RTE (or another actor) with a counter for ids and time."""

    def __init__(self, board_id: str = "b1", state: BoardState | None = None) -> None:
        self.state = state or BoardState(board_id)
        self._ids = itertools.count(1)
        self._seq = itertools.count(self.state.seq + 1)
        self.events: dict[int, Committed] = {}  # what the event table would hold (an undo reads it)

    def context(self, n: int = 0) -> Context:
        return Context(
            now=1_760_000_000.0 + n,
            new_id=lambda: f"x{next(self._ids)}",
            seq=next(self._seq),
            history=self.events.get,
        )

    def op(self, op_type: str, target: str | None = None, actor: Actor = RTE, **args: Any) -> str | None:
        """Apply one op; returns the id of what it created (if anything)."""
        item = self.state.items.get(op_type.split(".")[0], {}).get(target or "")
        version = item.version if item is not None else None
        ctx = self.context()
        op = Op(op_type, target, version, args)
        changes = apply_op(self.state, op, actor, ctx)
        self.state.seq = ctx.seq
        self.events[ctx.seq] = Committed(self.state.board_id, ctx.seq, "", op, changes, actor, ctx.now)
        created = [c.id for c in changes if c.before is None and c.after is not None]
        return created[0] if created else None


def rich_board() -> BoardState:
    """Three teams (one with a hostile name), 5 iterations + IP, a plan with every part filled."""
    b = Builder()
    b.op("board.create", name="ART Phoenix", pi_name="PI 26.2", start="2026-07-06", end="2026-09-25")
    its = [
        b.op("iteration.create", number=n, name=f"Iteration {n}", start=f"2026-07-{n:02d}", weeks=2)
        for n in range(1, 5)
    ]
    b.op("iteration.create", number=5, name="IP", is_ip=True)
    apollo = b.op("team.create", name="Apollo", color="#336699")
    borealis = b.op("team.create", name="Borealis", color="#993366")
    evil = b.op("team.create", name=HOSTILE_SCRIPT, color="#669933")
    for team, names in ((apollo, ["Ann", "Ben", "Cem"]), (borealis, ["Dia", "Eli"]), (evil, ["Fay"])):
        for name in names:
            b.op(
                "member.create",
                name=name,
                team_id=team,
                fte=1.0,
                days_off={its[0]: 2} if name == "Ann" else {},
            )
    f_login = b.op(
        "feature.create", title="Single sign-on", team_id=apollo, iteration_id=its[1], external_key="ART-1"
    )
    f_pay = b.op("feature.create", title="Payment gateway", team_id=borealis, iteration_id=its[2])
    f_evil = b.op(
        "feature.create",
        title=HOSTILE_FORMULA,
        description=HOSTILE_SCRIPT,
        team_id=evil,
        iteration_id=its[0],
        feature_kind="enabler",
    )
    f_late = b.op("feature.create", title="Audit trail", team_id=borealis, iteration_id=its[3])
    b.op("feature.create", title="Backlog idea")
    s1 = b.op(
        "story.create",
        title="SSO login page",
        feature_id=f_login,
        team_id=apollo,
        iteration_id=its[0],
        points=5,
    )
    b.op(
        "story.create",
        title="SSO token refresh",
        feature_id=f_login,
        team_id=apollo,
        iteration_id=its[1],
        points=8,
    )
    b.op(
        "story.create",
        title="Gateway adapter",
        feature_id=f_pay,
        team_id=borealis,
        iteration_id=its[2],
        points=13,
    )
    b.op(
        "story.create",
        title="Overload story",
        feature_id=f_pay,
        team_id=borealis,
        iteration_id=its[0],
        points=40,
    )
    b.op("story.create", title="@SUM(1+1)", feature_id=f_evil, team_id=evil, iteration_id=its[0], points=3)
    b.op("story.create", title="Hackathon", team_id=apollo, iteration_id=None, points=2)
    b.op(
        "milestone.create",
        title="Release 3.0",
        date="2026-08-14",
        iteration_id=its[2],
        milestone_kind="release",
    )
    b.op("milestone.create", title="Trade show <b>", iteration_id=its[3], milestone_kind="event")
    # committed: Borealis provides the payment gateway in iteration 3, Apollo needs it by 4
    d_ok = b.op(
        "dependency.create",
        need="Payment API",
        requesting_team_id=apollo,
        provider_team_id=borealis,
        needed_by_iteration_id=its[3],
        provider_feature_id=f_pay,
    )
    b.op("dependency.accept", d_ok)
    # conflict: Apollo needs the audit trail for SSO (iteration 2), Borealis plans it in 4
    d_bad = b.op(
        "dependency.create",
        need="Audit events",
        requesting_team_id=apollo,
        requesting_feature_id=f_login,
        provider_team_id=borealis,
        provider_feature_id=f_late,
    )
    b.op("dependency.accept", d_bad)
    b.op("dependency.comment", d_bad, comment="-1 if late")
    d_done = b.op(
        "dependency.create",
        need="SSO for the evil team",
        requesting_team_id=evil,
        requesting_feature_id=f_evil,
        provider_team_id=apollo,
        provider_story_id=s1,
    )
    b.op("dependency.done", d_done, done=True)
    b.op(
        "dependency.create",
        need="Card network certification",
        requesting_team_id=borealis,
        requesting_feature_id=f_pay,
        external_party="VISA",
    )
    o1 = b.op(
        "objective.create", team_id=apollo, statement="SSO live for 3 pilot customers", feature_ids=[f_login]
    )
    b.op("objective.set_bv", o1, value=8)
    b.op("objective.set_actual_bv", o1, value=7)
    o2 = b.op("objective.create", team_id=borealis, statement="Payments under 2 s p95", feature_ids=[f_pay])
    b.op("objective.set_bv", o2, value=10)
    b.op("objective.set_actual_bv", o2, value=6)
    o3 = b.op("objective.create", team_id=borealis, statement="Audit trail certified", committed=False)
    b.op("objective.set_bv", o3, value=4)
    b.op("objective.set_actual_bv", o3, value=4)
    o4 = b.op("objective.create", team_id=evil, statement=HOSTILE_FORMULA)
    b.op("objective.set_bv", o4, value=5)
    r1 = b.op("risk.create", title="Vendor API late", team_id=borealis, owner="Dia")
    b.op("risk.roam", r1, roam="owned", owner="Dia")
    r2 = b.op("risk.create", title="Key person on leave", team_id=apollo)
    b.op("risk.roam", r2, roam="accepted")
    b.op("risk.create", title=HOSTILE_FORMULA, description=HOSTILE_SCRIPT, owner="+44 123")
    r4 = b.op("risk.create", title="Test env shared")
    b.op("risk.roam", r4, roam="mitigated", owner="Eli")
    # an ART vote: three voters, revealed
    vote = b.op("vote.open")
    for n, value in enumerate((4, 3, 5)):
        b.op("vote.cast", vote, actor=Actor(f"v{n}", f"Voter {n}", Role.BUSINESS_OWNER), value=value)
    b.op("vote.close", vote)
    b.op("vote.reveal", vote)
    # a team vote that is still open: its ballots must never leave
    team_vote = b.op("vote.open", team_id=apollo)
    b.op("vote.cast", team_vote, actor=Actor("a1", "Ann", Role.TEAM, apollo), value=1, reason="secret reason")
    return b.state


def baseline_and_current() -> tuple[BoardState, BoardState]:
    """The rich board as baseline, and a later plan: one feature moved, one added, one story dropped."""
    baseline = rich_board()
    b = Builder(state=baseline.copy())
    b._ids = itertools.count(10_000)
    state = b.state
    pay = next(f for f in state.features if f.title == "Payment gateway")
    it4 = next(i for i in state.iterations if i.number == 4)
    b.op("feature.move", pay.id, iteration_id=it4.id)
    apollo = next(t for t in state.teams if t.name == "Apollo")
    b.op("feature.create", title="Late-breaking feature", team_id=apollo.id, iteration_id=it4.id)
    hack = next(s for s in state.stories if s.title == "Hackathon")
    b.op("story.delete", hack.id)
    return baseline, b.state

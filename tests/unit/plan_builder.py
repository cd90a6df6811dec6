"""A tiny planning-session builder: every item is made through ops, as a real board would be."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from board.core import Change, Committed, Op
from board.model import BoardState, Item, Role
from board.ops import Context, apply_op
from board.public import public_state
from board.roles import Actor
from board.tracker import SyncTerms

RTE = Actor("rte-1", "Rita (RTE)", Role.RTE)
PM = Actor("pm-1", "Paul (PM)", Role.PRODUCT_MANAGEMENT)
ARCH = Actor("arch-1", "Ada (Architect)", Role.ARCHITECT)
BO = Actor("bo-1", "Bea (Business Owner)", Role.BUSINESS_OWNER)
OBSERVER = Actor("obs-1", "Big screen", Role.OBSERVER)

T0 = 1_800_000_000.0

_KIND_OF_PREFIX = {"board": "meta", "vote": "vote"}
_AUTO: Any = object()


def member_of(team_id: str, name: str = "Tess") -> Actor:
    return Actor(f"{team_id}-{name.lower()}", name, Role.TEAM, team_id)


class Session:
    """A board plus the clock and id source the server would give ``apply_op``."""

    def __init__(self, board_id: str = "b1") -> None:
        self.state = BoardState(board_id)
        self.now = T0
        self._ids = itertools.count(1)
        self.events: dict[int, Committed] = {}  # what the event table would hold, by seq
        self.sync: SyncTerms | None = None  # the board's terms with its tracker, once connected
        # The teams of other trains of the board's solution, as the server tells an op (Context.other_trains).
        self.other_trains: Callable[[str], str | None] | None = None

    # -- applying ops ------------------------------------------------------------------------------

    def ctx(self) -> Context:
        return Context(
            now=self.now,
            new_id=lambda: f"gen{next(self._ids)}",
            seq=self.state.seq + 1,
            history=self.events.get,
            sync=self.sync,
            other_trains=self.other_trains,
        )

    def apply(self, op: Op, by: Actor = RTE) -> list[Change]:
        changes = apply_op(self.state, op, by, self.ctx())
        self.state.seq += 1
        seq = self.state.seq
        self.events[seq] = Committed(self.state.board_id, seq, op.client_op_id, op, changes, by, self.now)
        return changes

    def do(
        self, op_type: str, target: str | None = None, *, by: Actor = RTE, base: Any = _AUTO, **args: Any
    ) -> list[Change]:
        """Apply an op; ``base`` defaults to the target's current version (a fresh, non-stale edit)."""
        if base is _AUTO:
            base = self.version_of(op_type, target)
        return self.apply(Op(op_type, target=target, base_version=base, args=args), by)

    def version_of(self, op_type: str, target: str | None) -> int | None:
        prefix = op_type.split(".")[0]
        kind = _KIND_OF_PREFIX.get(prefix, prefix)
        if kind == "meta":
            target = "meta"
        if target is None or kind not in self.state.items:
            return None
        item = self.state.items[kind].get(target)
        return item.version if item is not None else None

    def get(self, kind: str, item_id: str) -> Any:
        return self.state.items[kind][item_id]

    def snapshot(self) -> dict[str, Any]:
        return public_state(self.state)

    # -- building a plan ---------------------------------------------------------------------------

    def create_board(self, **args: Any) -> Session:
        args = {"name": "Checkout ART", "pi_name": "PI 2027.1", "start": "2027-01-04", **args}
        self.do("board.create", **args)
        return self

    def iteration(self, id: str, number: int, *, is_ip: bool = False, weeks: int = 2) -> Item:
        self.do("iteration.create", id=id, number=number, name=f"I{number}", is_ip=is_ip, weeks=weeks)
        return self.get("iteration", id)

    def team(self, id: str, name: str | None = None, color: str = "#336699") -> Item:
        self.do("team.create", id=id, name=name or id.capitalize(), color=color)
        return self.get("team", id)

    def member(self, id: str, team: str, *, fte: float = 1.0, days_off: dict[str, int] | None = None) -> Item:
        self.do("member.create", id=id, name=id.capitalize(), team_id=team, fte=fte, days_off=days_off or {})
        return self.get("member", id)

    def feature(
        self, id: str, team: str | None = None, iteration: str | None = None, *, enabler: bool = False
    ) -> Item:
        self.do(
            "feature.create",
            id=id,
            title=f"Feature {id}",
            team_id=team,
            iteration_id=iteration,
            feature_kind="enabler" if enabler else "feature",
        )
        return self.get("feature", id)

    def story(
        self, id: str, team: str, iteration: str | None, points: int, feature: str | None = None
    ) -> Item:
        self.do(
            "story.create",
            id=id,
            title=f"Story {id}",
            team_id=team,
            iteration_id=iteration,
            points=points,
            feature_id=feature,
        )
        return self.get("story", id)

    def dep(self, id: str, requester: str, provider: str | None = None, **args: Any) -> Item:
        self.do(
            "dependency.create",
            id=id,
            need=f"Need {id}",
            requesting_team_id=requester,
            provider_team_id=provider,
            **args,
        )
        return self.get("dependency", id)

    def objective(
        self, id: str, team: str, statement: str = "Ship it", *, committed: bool = True, features: Any = ()
    ) -> Item:
        self.do(
            "objective.create",
            id=id,
            team_id=team,
            statement=statement,
            committed=committed,
            feature_ids=list(features),
        )
        return self.get("objective", id)

    def risk(self, id: str, title: str = "Vendor may be late", team: str | None = None) -> Item:
        self.do("risk.create", id=id, title=title, team_id=team)
        return self.get("risk", id)

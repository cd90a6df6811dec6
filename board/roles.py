"""Who may do what: the role × op table of DOMAIN.md, as data.

The table says which roles may send an op at all. Team members are further held to
their own team's items, and the Architect to enablers; ``board.ops`` applies those
narrower checks because they depend on the item the op touches.
"""

from __future__ import annotations

from dataclasses import dataclass

from board.errors import Forbidden
from board.model import Role

RTE = Role.RTE
PM = Role.PRODUCT_MANAGEMENT
ARCH = Role.ARCHITECT
BO = Role.BUSINESS_OWNER
TEAM = Role.TEAM
OBSERVER = Role.OBSERVER

PARTICIPANTS = frozenset({RTE, PM, ARCH, BO, TEAM})


@dataclass(frozen=True)
class Actor:
    """Who sends an op: a joined participant with a role and, for team members, a team."""

    id: str
    name: str
    role: Role
    team_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role.value})"


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


PERMISSIONS: dict[str, frozenset[Role]] = {
    # setup of the train: the facilitator's
    "board.create": _roles(RTE),
    "board.update": _roles(RTE),
    "plan.lock": _roles(RTE),
    "plan.unlock": _roles(RTE),
    "baseline.take": _roles(RTE),
    "execution.start": _roles(RTE),
    "iteration.create": _roles(RTE),
    "iteration.update": _roles(RTE),
    "iteration.delete": _roles(RTE),
    "team.create": _roles(RTE),
    "team.update": _roles(RTE),
    "team.delete": _roles(RTE),
    # capacity: a team keeps its own members' FTE and days off
    "member.create": _roles(RTE, TEAM),
    "member.update": _roles(RTE, TEAM),
    "member.delete": _roles(RTE, TEAM),
    # features: Product Management; the Architect for enablers; teams place their own on the board
    "feature.create": _roles(RTE, PM, ARCH),
    "feature.update": _roles(RTE, PM, ARCH),
    "feature.move": _roles(RTE, PM, ARCH, TEAM),
    "feature.delete": _roles(RTE, PM, ARCH),
    "milestone.create": _roles(RTE, PM),
    "milestone.update": _roles(RTE, PM),
    "milestone.delete": _roles(RTE, PM),
    "story.create": _roles(RTE, TEAM),
    "story.update": _roles(RTE, TEAM),
    "story.move": _roles(RTE, TEAM),
    "story.delete": _roles(RTE, TEAM),
    # dependencies: the requesting team asks, the providing team answers, the Architect comments
    "dependency.create": _roles(RTE, TEAM),
    "dependency.update": _roles(RTE, TEAM),
    "dependency.accept": _roles(RTE, TEAM),
    "dependency.propose": _roles(RTE, TEAM),
    "dependency.decline": _roles(RTE, TEAM),
    "dependency.done": _roles(RTE, TEAM),
    "dependency.comment": _roles(RTE, ARCH, TEAM, PM),
    "dependency.delete": _roles(RTE, TEAM),
    "objective.create": _roles(RTE, TEAM),
    "objective.update": _roles(RTE, TEAM),
    "objective.delete": _roles(RTE, TEAM),
    "objective.set_bv": _roles(RTE, BO),
    "objective.set_actual_bv": _roles(RTE, BO),
    "risk.create": PARTICIPANTS,
    "risk.update": _roles(RTE, TEAM),
    "risk.roam": _roles(RTE, TEAM),
    "risk.delete": _roles(RTE),
    "roam.focus": _roles(RTE),
    "vote.open": _roles(RTE),
    "vote.cast": PARTICIPANTS,
    "vote.explain": PARTICIPANTS,
    "vote.close": _roles(RTE),
    "vote.reveal": _roles(RTE),
    "agenda.create": _roles(RTE),
    "agenda.update": _roles(RTE),
    "agenda.delete": _roles(RTE),
    "timer.start": _roles(RTE),
    "timer.pause": _roles(RTE),
    "timer.resume": _roles(RTE),
    "timer.extend": _roles(RTE),
    "timer.advance": _roles(RTE),
    "timer.stop": _roles(RTE),
    # history: who may undo which event is board.undo's rule (their own recent ops; the RTE any)
    "event.undo": PARTICIPANTS,
}

# Changes to the plan itself: frozen for everyone but the RTE while the plan is locked.
PLAN_OPS = frozenset(
    op
    for op in PERMISSIONS
    if op.split(".")[0]
    in {"iteration", "team", "member", "feature", "milestone", "story", "dependency", "objective"}
    and op not in {"objective.set_bv", "objective.set_actual_bv", "dependency.comment"}
)


def authorise(actor: Actor, op_type: str) -> None:
    """Refuse an op the actor's role may not send at all."""
    allowed = PERMISSIONS.get(op_type)
    if allowed is None:
        raise Forbidden(f"unknown op '{op_type}'")
    if actor.role not in allowed:
        raise Forbidden(f"the {actor.role.value} role may not do '{op_type}'")
    if actor.role == TEAM and not actor.team_id:
        raise Forbidden("a team member must belong to a team")


def require_rte(actor: Actor, what: str) -> None:
    """Settings outside the plan (join links, the alerts webhook) are the facilitator's alone."""
    if actor.role != RTE:
        raise Forbidden(f"only the RTE {what}")


def require_own_team(actor: Actor, *team_ids: str | None) -> None:
    """A team member may only touch items of their own team."""
    if actor.role != TEAM:
        return
    for team_id in team_ids:
        if team_id != actor.team_id:
            raise Forbidden("team members may only change their own team's items")

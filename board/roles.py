"""Who may do what: the role × op table of DOMAIN.md, as data.

The table says which roles may send an op at all. Team members are further held to
their own team's items, the Architect to enablers, and everyone but the RTE to a locked plan.
:func:`refusal` is the one rule that says all of it: ``board.ops`` asks it with the teams and
kind of the items an op touches, and every page asks it (as ``may``) before showing a control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from board.errors import Forbidden, IllegalTransition, Refused
from board.model import Role
from board.room import HELPERS
from board.wording import op_label, role_label

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
    # The sync with a tracker ("Jira", "Azure DevOps"): a flag, not a role, so no join link can make one.
    # It acts with the RTE's role, held to the fields the tracker owns (board.tracker).
    tracker: bool = False
    # The solution writing one train's side of a cross-train dependency from the other's: a flag, not a
    # role, so no join link can make one; it sends SOLUTION_OPS and nothing else (board.ops.cross_train).
    solution: bool = False

    @property
    def label(self) -> str:
        return self.name if self.tracker or self.solution else f"{self.name} ({self.role.value})"


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
    "iteration.reorder": _roles(RTE),
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
    # cross-train dependencies: only the solution (Actor.solution) writes one train's side from the other's
    "crosstrain.mirror": _roles(),
    "crosstrain.answer": _roles(),
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
    "vote.merge_voter": _roles(RTE),
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
    # the room: the facilitator drives the screens; teams ask for help, the roles asked for answer
    "screen.show": _roles(RTE),
    "room.gather": _roles(RTE),
    "help.ask": _roles(RTE, TEAM),
    "help.take": _roles(RTE, PM, ARCH, BO),
    "help.close": _roles(RTE, PM, ARCH, BO, TEAM),
}

# What the solution sends, and all it may send (see Actor.solution).
SOLUTION_OPS = frozenset({"crosstrain.mirror", "crosstrain.answer"})

# Changes to the plan itself: frozen for everyone but the RTE while the plan is locked.
PLAN_OPS = frozenset(
    op
    for op in PERMISSIONS
    if op.split(".")[0]
    in {"iteration", "team", "member", "feature", "milestone", "story", "dependency", "objective"}
    and op not in {"objective.set_bv", "objective.set_actual_bv", "dependency.comment"}
)


FEATURE_OPS = frozenset(op for op in PERMISSIONS if op.startswith("feature."))

# Why a change of the plan is refused while it is locked (said in the refusal and on an open editor).
PLAN_LOCKED = "the plan is locked for the final plan review; only the RTE can change it"


def held_by_lock(actor: Actor, locked: bool) -> bool:
    """Whether the plan's lock keeps ``actor`` from changing the plan: everyone but the RTE (a tracker's
    changes wait for the review to end)."""
    return locked and (actor.role != RTE or actor.tracker)


# A help request is answered by the role it asks for (and the RTE, who answers any); its team closes it too.
HELP_ANSWER_OPS = frozenset({"help.take", "help.close"})


def refusal(
    actor: Actor,
    op_type: str,
    *teams: str | None,
    enabler: bool | None = None,
    locked: bool = False,
    asked_for: Role | None = None,
) -> Refused | None:
    """Why ``actor`` may not send ``op_type``, or None if they may: the one rule of who may do what.

    ``teams`` are the teams whose items the op touches (an item's team, the team it moves to);
    leave them out to ask about the op in general. ``enabler`` says whether the feature(s) a
    feature op touches are enablers (None: no feature in particular). ``locked`` is the plan's
    lock. ``asked_for`` is the role a help request asks for (None: no request in particular).
    ``board.ops`` asks this rule before it applies an op, and the templates ask it before they
    show a control, so a page never offers what the server would refuse.
    """
    allowed = PERMISSIONS.get(op_type)
    if allowed is None:
        return Forbidden("piboard knows no such action")
    if actor.solution or op_type in SOLUTION_OPS:
        # Not held by a lock either: the other train's change was allowed on its own board.
        if actor.solution and op_type in SOLUTION_OPS:
            return None
        if actor.solution:
            return Forbidden("the solution writes only the other train's side of cross-train dependencies")
        return Forbidden("only the solution writes another train's request or answer on a board")
    if actor.role not in allowed:
        return Forbidden(f"{role_label(actor.role)} may not {op_label(op_type)}")
    if actor.role == TEAM and not actor.team_id:
        return Forbidden("a team member must belong to a team")
    if op_type in PLAN_OPS and held_by_lock(actor, locked):
        return IllegalTransition(PLAN_LOCKED)
    if teams:
        narrowed = _TEAM_RULES.get(op_type, _own_team_only)(actor, teams)
        if narrowed is not None:
            return Forbidden(narrowed)
    if actor.role == ARCH and op_type in FEATURE_OPS and enabler is False:
        return Forbidden("the System Architect may change enablers only")
    if op_type in HELP_ANSWER_OPS and asked_for is not None and actor.role not in {RTE, TEAM, asked_for}:
        return Forbidden(f"this team asked for the {HELPERS[asked_for]}")
    return None


def require_rte(actor: Actor, what: str) -> None:
    """Settings outside the plan (join links, the alerts webhook) are the facilitator's alone."""
    if actor.role != RTE:
        raise Forbidden(f"only the RTE {what}")


# Importing a Jira export: Product Management brings in its features, the RTE sets up the whole board.
# Not an op itself: every op the import makes is checked again, as the importer's own.
JIRA_IMPORTERS = _roles(RTE, PM)


def jira_import_refusal(actor: Actor) -> Forbidden | None:
    """Why ``actor`` may not import a Jira export, or None if they may (the door and the page ask it)."""
    if actor.role not in JIRA_IMPORTERS:
        return Forbidden("only the RTE or Product Management import from Jira")
    return None


def may(
    actor: Actor,
    op_type: str,
    *teams: str | None,
    enabler: bool | None = None,
    locked: bool = False,
    asked_for: Role | None = None,
) -> bool:
    """Whether :func:`refusal` lets ``actor`` send ``op_type`` (what a page asks before showing a control)."""
    return refusal(actor, op_type, *teams, enabler=enabler, locked=locked, asked_for=asked_for) is None


def authorise(
    actor: Actor,
    op_type: str,
    *teams: str | None,
    enabler: bool | None = None,
    locked: bool = False,
    asked_for: Role | None = None,
) -> None:
    """Refuse, with its reason, an op :func:`refusal` does not allow."""
    refused = refusal(actor, op_type, *teams, enabler=enabler, locked=locked, asked_for=asked_for)
    if refused is not None:
        raise refused


def _own_team_only(actor: Actor, teams: tuple[str | None, ...]) -> str | None:
    """A team member touches only their own team's items."""
    if actor.role == TEAM and any(team_id != actor.team_id for team_id in teams):
        return "team members may only change their own team's items"
    return None


def _either_team(actor: Actor, teams: tuple[str | None, ...]) -> str | None:
    """A dependency's two teams (requesting and providing) may both comment on it."""
    if actor.role == TEAM and actor.team_id not in teams:
        return "only the two teams of a dependency may comment on it"
    return None


def _team_round_voters(actor: Actor, teams: tuple[str | None, ...]) -> str | None:
    """A team's vote round is for that team's members only, whatever the role of anyone else."""
    team_id = teams[0]
    if team_id is not None and not (actor.role == TEAM and actor.team_id == team_id):
        return "this round is for the members of one team"
    return None


_TEAM_RULES: dict[str, Callable[[Actor, tuple[str | None, ...]], str | None]] = {
    "dependency.comment": _either_team,
    "vote.cast": _team_round_voters,
}

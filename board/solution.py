"""A solution: several trains (boards) planned on one cadence, and who may do what in it. No I/O here.

A large solution runs several Agile Release Trains (and suppliers) on the same PI and iteration dates.
Each train stays a board of its own; the solution groups them, says where a train's dates disagree
with the others' (:func:`cadence_disagreements`), and has roles of its own beside the trains' roles:
the Solution Train Engineer (who sets it up, as the RTE sets up a train), Solution Management, the
Solution Architect and suppliers. :func:`solution_refusal` is the one rule of who may do what in a
solution, as :func:`board.roles.refusal` is for a train; a train joins a solution by its own RTE
(:func:`train_join_refusal`, which asks the train's rule).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from board.dependencies import dependency_states
from board.errors import Forbidden, Refused
from board.labels import iteration_name
from board.model import BoardState, Dependency, DependencyState, Feature, FeatureState, Role
from board.roles import Actor, require_rte


class SolutionRole(str, enum.Enum):
    STE = "ste"
    SOLUTION_MANAGEMENT = "solution_management"
    SOLUTION_ARCHITECT = "solution_architect"
    SUPPLIER = "supplier"
    # Gives business value to the solution's PI objectives (Post-PI Planning), as a train's BOs do.
    BUSINESS_OWNER = "business_owner"


STE = SolutionRole.STE
SOLUTION_MANAGEMENT = SolutionRole.SOLUTION_MANAGEMENT
SOLUTION_ARCHITECT = SolutionRole.SOLUTION_ARCHITECT
SUPPLIER = SolutionRole.SUPPLIER
BUSINESS_OWNER = SolutionRole.BUSINESS_OWNER

# Who holds a role, as the start of a sentence's subject (as board.wording says it for a train's roles).
SOLUTION_ROLE_NAMES: dict[SolutionRole, str] = {
    STE: "the Solution Train Engineer",
    SOLUTION_MANAGEMENT: "Solution Management",
    SOLUTION_ARCHITECT: "the Solution Architect",
    SUPPLIER: "a supplier",
    BUSINESS_OWNER: "a solution Business Owner",
}

# A join link either lets a person into the solution in one of its roles, or (this kind) lets a train's
# RTE join the train to it.
TRAIN_LINK = "train"
LINK_KINDS = frozenset({TRAIN_LINK, *(role.value for role in SolutionRole)})


@dataclass(frozen=True)
class SolutionActor:
    """Who acts in a solution: a person who joined it with a role."""

    id: str
    name: str
    role: SolutionRole

    @property
    def label(self) -> str:
        return f"{self.name} ({SOLUTION_ROLE_NAMES[self.role]})"


def _roles(*roles: SolutionRole) -> frozenset[SolutionRole]:
    return frozenset(roles)


EVERYONE = frozenset(SolutionRole)

# The role × action table of a solution, with each action as people say it.
SOLUTION_PERMISSIONS: dict[str, tuple[frozenset[SolutionRole], str]] = {
    "solution.read": (EVERYONE, "see the solution"),
    # Its exports hold every train's whole board (people, risks, every card): the solution's own roles,
    # not a supplier, who sees of the trains what the solution page shows.
    "solution.export": (EVERYONE - {SUPPLIER}, "download the solution's exports"),
    "solution.update": (_roles(STE), "change the solution's settings"),
    # Join links, for people in a role and for trains: the STE's, as a train's links are its RTE's.
    "link.create": (_roles(STE), "make join links"),
    "link.revoke": (_roles(STE), "revoke join links"),
    "train.remove": (_roles(STE), "take a train out of the solution"),
    # Capabilities: Solution Management writes them and splits them into a feature per train.
    "capability.create": (_roles(STE, SOLUTION_MANAGEMENT), "write a capability"),
    "capability.update": (_roles(STE, SOLUTION_MANAGEMENT), "change a capability"),
    "capability.split": (_roles(STE, SOLUTION_MANAGEMENT), "split a capability into features"),
    "capability.delete": (_roles(STE, SOLUTION_MANAGEMENT), "delete a capability"),
    # Post-PI Planning (board/solution_plan.py): the solution's PI objectives, its risks and its vote.
    "objective.create": (_roles(STE, SOLUTION_MANAGEMENT), "write a solution objective"),
    "objective.update": (_roles(STE, SOLUTION_MANAGEMENT), "change a solution objective"),
    "objective.delete": (_roles(STE, SOLUTION_MANAGEMENT), "delete a solution objective"),
    "objective.set_bv": (_roles(BUSINESS_OWNER), "give business value to a solution objective"),
    "risk.create": (EVERYONE, "raise a solution risk"),
    # A risk's raiser is kept as a name, not as a member (two may share one): whoever may ROAM it (the
    # STE) changes or deletes it, for everyone who asks.
    "risk.update": (_roles(STE), "change a solution risk"),
    "risk.delete": (_roles(STE), "delete a solution risk"),
    "risk.roam": (_roles(STE), "ROAM a solution risk"),
    "vote.open": (_roles(STE), "open the solution's confidence vote"),
    "vote.cast": (EVERYONE, "vote in the solution's confidence vote"),
    "vote.close": (_roles(STE), "close the solution's confidence vote"),
}


def solution_refusal(actor: SolutionActor, action: str) -> Refused | None:
    """Why ``actor`` may not do ``action`` in their solution, or None if they may: the one rule of the
    solution's roles. The doors ask it before they change anything; the pages (as ``may``) before they
    show a control."""
    found = SOLUTION_PERMISSIONS.get(action)
    if found is None:
        return Forbidden("piboard knows no such action in a solution")
    allowed, words = found
    if actor.role not in allowed:
        return Forbidden(f"{SOLUTION_ROLE_NAMES[actor.role]} may not {words}")
    return None


def may_in_solution(actor: SolutionActor, action: str) -> bool:
    return solution_refusal(actor, action) is None


def authorise_in_solution(actor: SolutionActor, action: str) -> None:
    refused = solution_refusal(actor, action)
    if refused is not None:
        raise refused


def train_join_refusal(actor: Actor, link_kind: str) -> Refused | None:
    """Why ``actor`` may not join their train to a solution with a link of ``link_kind``, or None.

    Both roles are checked: the link must be a train link, which only the STE makes
    (``link.create`` above), and the one using it must be the train's RTE (the train's own rule,
    :func:`board.roles.require_rte`)."""
    if link_kind != TRAIN_LINK:
        return Forbidden("this link lets a person join the solution, not a train: ask the STE for a train's")
    try:
        require_rte(actor, "joins the train to a solution")
    except Forbidden as refused:
        return refused
    return None


# --- the cadence -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IterationDates:
    name: str
    start: str | None
    end: str | None
    is_ip: bool = False


@dataclass(frozen=True)
class TrainCadence:
    """A train's PI and iteration dates (ISO dates), as the solution compares them."""

    board_id: str
    name: str
    pi_start: str | None
    pi_end: str | None
    iterations: tuple[IterationDates, ...]

    @property
    def dated(self) -> bool:
        return bool(self.iterations) and all(i.start and i.end for i in self.iterations)


def cadence_of(state: BoardState) -> TrainCadence:
    """A board's cadence: its iterations in order, and its PI's dates (the PI's own, else from the first
    iteration's start to the last one's end)."""
    iterations = tuple(IterationDates(iteration_name(i), i.start, i.end, i.is_ip) for i in state.iterations)
    first = iterations[0].start if iterations else None
    last = iterations[-1].end if iterations else None
    return TrainCadence(
        state.board_id, state.meta.name, state.meta.start or first, state.meta.end or last, iterations
    )


@dataclass(frozen=True)
class Disagreement:
    """How one train's dates disagree with the solution's cadence, each reason a sentence."""

    board_id: str
    train: str
    reasons: tuple[str, ...]


def reference_train(trains: Sequence[TrainCadence]) -> TrainCadence | None:
    """Whose dates are the solution's cadence: the first train (in the order they joined) with dates."""
    return next((t for t in trains if t.dated), None)


def cadence_disagreements(trains: Sequence[TrainCadence]) -> list[Disagreement]:
    """Which trains' dates disagree with the solution's cadence, and how; an empty list when every
    train plans on the same PI and iteration dates. ``trains`` in the order they joined."""
    reference = reference_train(trains)
    found = []
    for train in trains:
        reasons = _disagreeing(train, reference)
        if reasons:
            found.append(Disagreement(train.board_id, train.name, tuple(reasons)))
    return found


def _disagreeing(train: TrainCadence, ref: TrainCadence | None) -> list[str]:
    if not train.iterations:
        return ["it has no iterations yet"]
    undated = [i.name for i in train.iterations if not (i.start and i.end)]
    if undated:
        return [f"{', '.join(undated)} {'has' if len(undated) == 1 else 'have'} no dates yet"]
    if ref is None or ref is train:
        return []
    reasons = []
    for what, mine, theirs in (("starts", train.pi_start, ref.pi_start), ("ends", train.pi_end, ref.pi_end)):
        if mine != theirs:
            reasons.append(f"the PI {what} {mine} here but {theirs} on {ref.name}")
    if len(train.iterations) != len(ref.iterations):
        reasons.append(f"it has {len(train.iterations)} iterations, {ref.name} has {len(ref.iterations)}")
    for mine_i, theirs_i in zip(train.iterations, ref.iterations, strict=False):
        ends = (("starts", mine_i.start, theirs_i.start), ("ends", mine_i.end, theirs_i.end))
        for what, mine, theirs in ends:
            if mine != theirs:
                reasons.append(f"{mine_i.name} {what} {mine} here but {theirs} on {ref.name}")
        if mine_i.is_ip != theirs_i.is_ip:
            kind = "an IP iteration" if theirs_i.is_ip else "a development iteration"
            reasons.append(f"{mine_i.name} is {kind} on {ref.name}")
    return reasons


# --- capabilities ----------------------------------------------------------------------------------

# The train role a person of the solution acts with on a train's board, when the solution changes that
# board through its own op path (a capability split into a feature per train): the train's rule
# (board.roles) then checks the op as for anyone of that role. Suppliers change no train's board.
TRAIN_ROLE_OF: dict[SolutionRole, Role | None] = {
    STE: Role.PRODUCT_MANAGEMENT,
    SOLUTION_MANAGEMENT: Role.PRODUCT_MANAGEMENT,
    SOLUTION_ARCHITECT: Role.ARCHITECT,
    SUPPLIER: None,
    BUSINESS_OWNER: None,
}


def train_actor(actor: SolutionActor) -> Actor | None:
    """Who ``actor`` is on a train's board when the solution acts there (None: nobody who may)."""
    role = TRAIN_ROLE_OF[actor.role]
    return None if role is None else Actor(actor.id, f"{actor.name} (solution)", role)


@dataclass(frozen=True)
class Capability:
    """A capability of the solution, and the feature it was split into on each train's board."""

    id: str
    title: str
    description: str
    created_by: str
    features: dict[str, str]  # board id -> feature id


class Progress(str, enum.Enum):
    """Where a capability's feature stands on its train's board, derived from that board's plan."""

    FUNNEL = "funnel"  # not planned into a team's iteration yet
    PLANNED = "planned"
    AT_RISK = "at risk"  # planned, but a dependency of it is in conflict, late or declined
    DONE = "done"
    GONE = "gone"  # deleted from the train's board


AT_RISK_STATES = frozenset({DependencyState.CONFLICT, DependencyState.LATE, DependencyState.DECLINED})


def feature_progress(state: BoardState, feature_id: str) -> Progress:
    feature = state.get(Feature, feature_id)
    if feature is None:
        return Progress.GONE
    if feature.state == FeatureState.DONE:
        return Progress.DONE
    if not (feature.team_id and feature.iteration_id):
        return Progress.FUNNEL
    states = dependency_states(state)
    touching = (
        d
        for d in state.of(Dependency).values()
        if feature_id in (d.requesting_feature_id, d.provider_feature_id)
    )
    if any(states.get(d.id) in AT_RISK_STATES for d in touching):
        return Progress.AT_RISK
    return Progress.PLANNED


def capability_feature_id(capability_id: str) -> str:
    """The id of a capability's feature on every train's board: a repeated split finds it there."""
    return f"cap-{capability_id}"

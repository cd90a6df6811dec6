"""The ops: every change to a board is one of these, applied by :func:`apply_op`.

``apply_op`` never mutates the state it is given when it refuses: handlers work on a
:class:`Tx` overlay, and only an op that passes every check is written back.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from board import fields as f
from board import undo
from board.agenda import DEFAULT_AGENDA
from board.errors import IllegalTransition, Invalid, NotFound, Stale
from board.model import (
    AgendaItem,
    Ballot,
    BoardState,
    Dependency,
    DependencyStatus,
    Feature,
    FeatureKind,
    FeatureState,
    HelpRequest,
    HelpStatus,
    Item,
    Iteration,
    Member,
    Meta,
    Milestone,
    MilestoneKind,
    Objective,
    Risk,
    Roam,
    Role,
    Story,
    StoryStatus,
    Team,
    TimerStatus,
    VoteRound,
    VoteStatus,
    item_from_dict,
)
from board.roles import Actor, authorise
from board.room import GATHER_VIEWS, HELPERS, ROTATE_SECONDS, parse_scene
from board.setup import holdings
from board.vote import ballots_of, tally_round

if TYPE_CHECKING:
    from board.events import Committed

MAX_ARGS = 40
# How many choices of its last import a board remembers.
IMPORT_MAPPING_KEYS = 400
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Op:
    """One change a client asks for. ``target`` names the item; ``base_version`` its version seen."""

    type: str
    target: str | None = None
    base_version: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    client_op_id: str = ""


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _no_history(seq: int) -> Committed | None:
    return None


@dataclass(frozen=True)
class Context:
    """What an op may know of the world: the time, a source of fresh ids, the seq it will get, and
    the board's earlier events by seq (an undo reads the event it reverses)."""

    now: float
    new_id: Callable[[], str]
    seq: int
    history: Callable[[int], Committed | None] = _no_history


class Tx:
    """Reads through to the board, records every write as a :class:`Change`."""

    def __init__(self, state: BoardState) -> None:
        self.state = state
        self._written: dict[tuple[str, str], Item | None] = {}
        self._order: list[tuple[str, str]] = []

    def get(self, cls: type[Any], item_id: str | None) -> Any:
        """A private copy of the item to change. Replace its lists and dicts, never mutate them:
        they are shared with the snapshot other readers hold."""
        if item_id is None:
            return None
        key = (cls.kind, item_id)
        if key in self._written:
            return self._written[key]
        found = self.state.items[cls.kind].get(item_id)
        return dataclasses.replace(found) if found is not None else None

    def all(self, cls: type[Any]) -> list[Any]:
        merged: dict[str, Any] = dict(self.state.items[cls.kind])
        for (kind, item_id), item in self._written.items():
            if kind == cls.kind:
                if item is None:
                    merged.pop(item_id, None)
                else:
                    merged[item_id] = item
        return list(merged.values())

    def require(self, cls: type[Any], item_id: str | None, base_version: int | None = None) -> Any:
        item = self.get(cls, item_id)
        if item is None:
            raise NotFound(f"no {cls.kind} with id '{item_id}' on this board")
        if base_version is not None and item.version != base_version:
            raise Stale(
                f"this {cls.kind} was changed by someone else (version {item.version}, "
                f"you edited version {base_version})",
                current=item.to_dict(),
            )
        return item

    def put(self, item: Item) -> None:
        key = (item.kind, item.id)
        original = self.state.items[item.kind].get(item.id)
        item.version = (original.version + 1) if original is not None else 1
        if key not in self._written:
            self._order.append(key)
        self._written[key] = item

    def delete(self, kind: str, item_id: str) -> None:
        key = (kind, item_id)
        if key not in self._written:
            self._order.append(key)
        self._written[key] = None

    def changes(self) -> list[Change]:
        out = []
        for kind, item_id in self._order:
            before = self.state.items[kind].get(item_id)
            after = self._written[(kind, item_id)]
            if before is None and after is None:
                continue
            out.append(
                Change(
                    kind,
                    item_id,
                    before.to_dict() if before else None,
                    after.to_dict() if after else None,
                )
            )
        return out

    def commit(self) -> None:
        """Write back copy-on-write: each touched kind gets a new dict, so anyone still reading
        an earlier snapshot of the board (``BoardState.snapshot``) keeps a consistent view."""
        touched: dict[str, dict[str, Item]] = {}
        for (kind, item_id), item in self._written.items():
            by_id = touched.setdefault(kind, dict(self.state.items[kind]))
            if item is None:
                by_id.pop(item_id, None)
            else:
                by_id[item_id] = item
        self.state.items.update(touched)


# Which fields each kind accepts, on create and on a plain update.
FIELDS: dict[str, dict[str, f.Field]] = {
    "meta": {
        "name": f.Text(120, required=True),
        "pi_name": f.Text(120),
        "start": f.Date(),
        "end": f.Date(),
        "planning_target": f.Float(0.1, 1.0),
        "event_date": f.Date(),
        "day_start": f.ClockTime(),
        "time_zone": f.TimeZone(),
        "velocity_threshold": f.Float(0.1, 1.0),
        "import_mapping": f.Record(max_keys=IMPORT_MAPPING_KEYS),
    },
    "iteration": {
        "number": f.Int(1, 30),
        "name": f.Text(60),
        "start": f.Date(),
        "end": f.Date(),
        "is_ip": f.Bool(),
        "weeks": f.Int(1, 6),
    },
    "team": {"name": f.Text(60, required=True), "color": f.Color()},
    "member": {
        "name": f.Text(80, required=True),
        "team_id": f.Ref("team", nullable=False),
        "role": f.Text(40),
        "fte": f.Float(0.0, 1.0),
        "days_off": f.DaysOff(),
    },
    "feature": {
        "title": f.Text(200, required=True),
        "description": f.Text(4000),
        "acceptance": f.Text(4000),
        "feature_kind": f.Choice(FeatureKind),
        "rank": f.Int(0, 1_000_000),
        "team_id": f.Ref("team"),
        "iteration_id": f.Ref("iteration"),
        "state": f.Choice(FeatureState),
        "external_key": f.Text(40),
        "imported": f.Record(),
    },
    "story": {
        "title": f.Text(200, required=True),
        "feature_id": f.Ref("feature"),
        "team_id": f.Ref("team"),
        "iteration_id": f.Ref("iteration"),
        "points": f.Int(0, 100),
        "status": f.Choice(StoryStatus),
        "blocked_reason": f.Text(200),
        "external_key": f.Text(40),
        "after": f.RefList("story"),
        "imported": f.Record(),
    },
    "milestone": {
        "title": f.Text(120, required=True),
        "date": f.Date(),
        "iteration_id": f.Ref("iteration"),
        "milestone_kind": f.Choice(MilestoneKind),
    },
    "dependency": {
        "need": f.Text(300, required=True),
        "requesting_team_id": f.Ref("team", nullable=False),
        "requesting_feature_id": f.Ref("feature"),
        "provider_team_id": f.Ref("team"),
        "external_party": f.Text(80),
        "needed_by_iteration_id": f.Ref("iteration"),
        "provider_feature_id": f.Ref("feature"),
        "provider_story_id": f.Ref("story"),
        "promised_iteration_id": f.Ref("iteration"),
        "external_key": f.Text(90),
    },
    "objective": {
        "team_id": f.Ref("team", nullable=False),
        "statement": f.Text(500, required=True),
        "committed": f.Bool(),
        "feature_ids": f.RefList("feature"),
    },
    "risk": {
        "title": f.Text(200, required=True),
        "description": f.Text(2000),
        "team_id": f.Ref("team"),
        "owner": f.Text(80),
        "raised_by": f.Text(80),
    },
    "agenda": {
        "day": f.Int(1, 5),
        "order": f.Int(0, 1000),
        "title": f.Text(120, required=True),
        "minutes": f.Int(1, 600),
    },
}

_MODEL_FOR_KIND: dict[str, type[Item]] = {
    "meta": Meta,
    "iteration": Iteration,
    "team": Team,
    "member": Member,
    "feature": Feature,
    "story": Story,
    "milestone": Milestone,
    "dependency": Dependency,
    "objective": Objective,
    "risk": Risk,
    "agenda": AgendaItem,
}


def _clean(
    kind: str, args: dict[str, Any], *, creating: bool, only: set[str] | None = None
) -> dict[str, Any]:
    spec = FIELDS[kind]
    unknown = set(args) - set(spec) - {"id"}
    if only is not None:
        unknown |= set(args) - only
    if unknown:
        raise Invalid(f"{kind} has no field(s) {', '.join(sorted(unknown))} that this op may set")
    out: dict[str, Any] = {}
    for name, rule in spec.items():
        if name in args:
            out[name] = rule.clean(name, args[name])
        elif creating and _required(rule):
            raise Invalid(f"{name} is required")
    return out


def _required(rule: f.Field) -> bool:
    return (isinstance(rule, f.Text) and rule.required) or (isinstance(rule, f.Ref) and not rule.nullable)


def _check_refs(tx: Tx, kind: str, values: dict[str, Any]) -> None:
    for name, rule in FIELDS[kind].items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(rule, f.Ref) and value is not None:
            tx.require(_MODEL_FOR_KIND[rule.kind], value)
        if isinstance(rule, f.RefList):
            for ref in value:
                tx.require(_MODEL_FOR_KIND[rule.kind], ref)


def _team_of(item: Item) -> str | None:
    if isinstance(item, Risk | Objective | Story | Member | Feature):
        return item.team_id
    if isinstance(item, Dependency):
        return item.requesting_team_id
    return None


Handler = Callable[[Tx, Op, Actor, Context], None]
HANDLERS: dict[str, Handler] = {}


def handles(*op_types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for op_type in op_types:
            HANDLERS[op_type] = fn
        return fn

    return register


def apply_op(state: BoardState, op: Op, actor: Actor, ctx: Context) -> list[Change]:
    """Check and apply one op. Returns the changes; raises a ``Refused`` and changes nothing otherwise."""
    tx = _checked(state, op, actor, ctx)
    changes = tx.changes()
    tx.commit()
    return changes


def preview_op(state: BoardState, op: Op, actor: Actor, ctx: Context) -> list[Change]:
    """What ``apply_op`` would change, checked and refused the same way, leaving the board as it is."""
    return _checked(state, op, actor, ctx).changes()


def _checked(state: BoardState, op: Op, actor: Actor, ctx: Context) -> Tx:
    may_send(state, actor, op.type)
    if len(op.args) > MAX_ARGS:
        raise Invalid(f"an op takes at most {MAX_ARGS} arguments")
    # Every string of the op is stored in its event, not only the fields a handler reads.
    f.require_texts("args", op.args)
    f.require_texts("target", op.target)
    f.require_texts("client_op_id", op.client_op_id)
    if op.type != "board.create" and state.items["meta"].get("meta") is None:
        raise NotFound("this board has not been created")
    handler = HANDLERS.get(op.type)
    if handler is None:
        raise Invalid(f"unknown op '{op.type}'")
    tx = Tx(state)
    handler(tx, op, actor, ctx)
    return tx


def may_send(state: BoardState, actor: Actor, op_type: str) -> None:
    """Refuse an op type the actor may not send on this board now: their role's, and the plan lock."""
    meta = state.items["meta"].get("meta")
    authorise(actor, op_type, locked=isinstance(meta, Meta) and meta.locked)


# --- generic create / update / delete -----------------------------------------------------------


def _narrow_for_actor(
    op_type: str, actor: Actor, kind: str, before: Item | None, values: dict[str, Any]
) -> None:
    """Ask the role rule with the teams the op touches (the item's, the one it goes to) and, for a
    feature, whether it is an enabler before and after."""
    teams = []
    if before is not None:
        teams.append(_team_of(before))
    if kind == "dependency":
        if "requesting_team_id" in values:
            teams.append(values["requesting_team_id"])
    elif "team_id" in values:
        teams.append(values["team_id"])
    enabler = None
    if kind == "feature":
        kinds = {values.get("feature_kind", FeatureKind.FEATURE if before is None else None)}
        if before is not None:
            assert isinstance(before, Feature)
            kinds.add(before.feature_kind)
        kinds.discard(None)
        enabler = kinds == {FeatureKind.ENABLER}
    authorise(actor, op_type, *teams, enabler=enabler)


# The kinds of item people create, update and delete with the generic ops.
PLAN_KINDS = (
    "iteration",
    "team",
    "member",
    "feature",
    "story",
    "milestone",
    "dependency",
    "objective",
    "risk",
    "agenda",
)


@handles(*(f"{k}.create" for k in PLAN_KINDS))
def _create(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    kind = op.type.split(".")[0]
    values = _clean(kind, op.args, creating=True)
    _narrow_for_actor(op.type, actor, kind, None, values)
    _check_refs(tx, kind, values)
    cls = _MODEL_FOR_KIND[kind]
    item = cls(id=_proposed_id(tx, cls, op.args.get("id")) or ctx.new_id(), **values)
    _derive_on_create(tx, item, actor)
    _narrow_for_actor(op.type, actor, kind, item, {})
    _validate(tx, item)
    tx.put(item)


def _proposed_id(tx: Tx, cls: type[Any], proposed: Any) -> str | None:
    """A client may name a new item (offline creation, imports, the demo); it must be new and plain."""
    if proposed is None:
        return None
    if not isinstance(proposed, str) or not _ID.fullmatch(proposed):
        raise Invalid("id must be 1–40 letters, digits, '-' or '_'")
    if tx.get(cls, proposed) is not None:
        raise Invalid(f"a {cls.kind} with id '{proposed}' exists already")
    return proposed


def _derive_on_create(tx: Tx, item: Item, actor: Actor) -> None:
    if isinstance(item, Story) and item.feature_id and item.team_id is None:
        feature = tx.get(Feature, item.feature_id)
        item.team_id = feature.team_id if feature else None
    if isinstance(item, Feature) and item.rank == 0:
        item.rank = max((x.rank for x in tx.all(Feature)), default=0) + 10
    if isinstance(item, Feature) and item.iteration_id and item.state == FeatureState.FUNNEL:
        item.state = FeatureState.PLANNED
    if isinstance(item, Risk):
        # An import (by the RTE) keeps who raised it; anyone else raises it themselves.
        if actor.role != Role.RTE or not item.raised_by:
            item.raised_by = actor.name
        if item.team_id is None and actor.role == Role.TEAM:
            item.team_id = actor.team_id
    if isinstance(item, AgendaItem) and item.order == 0:
        item.order = max((a.order for a in tx.all(AgendaItem) if a.day == item.day), default=0) + 10


def _validate(tx: Tx, item: Item) -> None:
    """Rules that hold across fields, checked after every create and update."""
    if isinstance(item, Dependency):
        if not item.provider_team_id and not item.external_party:
            raise Invalid("a dependency needs a providing team or an external party")
        if item.provider_team_id and item.provider_team_id == item.requesting_team_id:
            raise Invalid("a team cannot depend on itself; that is a story, not a dependency")
    if isinstance(item, Iteration):
        clash = [i for i in tx.all(Iteration) if i.number == item.number and i.id != item.id]
        if clash:
            raise Invalid(f"iteration {item.number} exists already")
        if item.is_ip and any(x.iteration_id == item.id for x in tx.all(Feature) + tx.all(Story)):
            raise Invalid("the IP iteration holds no feature work; move its features and stories first")
    if isinstance(item, Team) and any(
        t.name.lower() == item.name.lower() and t.id != item.id for t in tx.all(Team)
    ):
        raise Invalid(f"a team named '{item.name}' exists already")
    if isinstance(item, Story | Feature) and item.iteration_id:
        iteration = tx.get(Iteration, item.iteration_id)
        if iteration is not None and iteration.is_ip:
            raise Invalid("the IP iteration holds no feature work")
    if isinstance(item, Story) and item.team_id is None:
        raise Invalid("a story belongs to a team: name team_id, or a feature that is planned at a team")
    if isinstance(item, Story) and item.status == StoryStatus.BLOCKED and not item.blocked_reason:
        raise Invalid("a blocked story says why: give a blocked_reason")
    if isinstance(item, Story) and item.after:
        _check_story_order(tx, item)


def _check_story_order(tx: Tx, story: Story) -> None:
    """A story comes after other stories of its own team, and never (through others) after itself."""
    if story.id in story.after:
        raise Invalid("a story cannot come after itself")
    for other_id in story.after:
        other = tx.get(Story, other_id)
        if other is not None and other.team_id != story.team_id:
            raise Invalid("a story comes after stories of its own team only; across teams it is a dependency")
    stories = {s.id: s for s in tx.all(Story)}
    stories[story.id] = story
    todo, seen = list(story.after), set()
    while todo:
        current = todo.pop()
        if current == story.id:
            raise Invalid("this order is a circle: a story would come after itself")
        if current not in seen:
            seen.add(current)
            todo.extend(stories[current].after if current in stories else [])


@handles(*(f"{k}.update" for k in PLAN_KINDS), "board.update")
def _update(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    kind = op.type.split(".")[0]
    kind = "meta" if kind == "board" else kind
    cls = _MODEL_FOR_KIND[kind]
    target = "meta" if kind == "meta" else op.target
    item = tx.require(cls, target, _need_version(op))
    values = _clean(kind, op.args, creating=False)
    if not values:
        raise Invalid("nothing to change")
    _narrow_for_actor(op.type, actor, kind, item, values)
    _check_refs(tx, kind, values)
    if isinstance(item, Dependency):
        _reopen_if_redirected(item, values)
    for name, value in values.items():
        setattr(item, name, value)
    _validate(tx, item)
    tx.put(item)


def _reopen_if_redirected(dep: Dependency, values: dict[str, Any]) -> None:
    """Asking someone else makes it a fresh request: the old provider's answer does not carry over."""
    redirected = any(
        name in values and values[name] != getattr(dep, name)
        for name in ("provider_team_id", "external_party")
    )
    if redirected and dep.status != DependencyStatus.DONE:
        dep.status = DependencyStatus.REQUESTED
        dep.answer = ""
        dep.promised_iteration_id = dep.provider_feature_id = dep.provider_story_id = None


@handles("feature.move", "story.move")
def _move(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Re-plan a card onto a cell: a team row and an iteration column (None: back to the backlog)."""
    kind = op.type.split(".")[0]
    args = dict(op.args)
    # A feature's stories move with it unless the mover says to move the feature alone.
    carry = kind == "feature" and f.Bool().clean("carry_stories", args.pop("carry_stories", True))
    values = _clean(kind, args, creating=False, only={"team_id", "iteration_id", "rank"})
    if not values:
        raise Invalid("a move names a team_id, an iteration_id or a rank")
    _op_on_existing_field_update(tx, op, actor, kind, values, carry_stories=carry)


def _op_on_existing_field_update(
    tx: Tx, op: Op, actor: Actor, kind: str, values: dict[str, Any], *, carry_stories: bool
) -> None:
    cls = _MODEL_FOR_KIND[kind]
    item = tx.require(cls, op.target, _need_version(op))
    _narrow_for_actor(op.type, actor, kind, item, values)
    _check_refs(tx, kind, values)
    for name, value in values.items():
        setattr(item, name, value)
    if isinstance(item, Feature):
        if item.iteration_id and item.state == FeatureState.FUNNEL:
            item.state = FeatureState.PLANNED
        if not item.iteration_id and item.state == FeatureState.PLANNED:
            item.state = FeatureState.FUNNEL
        before = tx.state.get(Feature, item.id)
        assert before is not None, "tx.require found it"
        if carry_stories:
            _carry_stories(tx, before, item)
    _validate(tx, item)
    tx.put(item)


def _carry_stories(tx: Tx, before: Feature, after: Feature) -> None:
    """Re-planning a feature re-plans the stories that deliver it: they shift by as many iterations
    as the feature did (never into the IP iteration) and follow it to another team."""
    order = [i.id for i in sorted(tx.all(Iteration), key=lambda i: i.number) if not i.is_ip]
    position = {iteration_id: n for n, iteration_id in enumerate(order)}
    shift = 0
    if before.iteration_id in position and after.iteration_id in position:
        shift = position[after.iteration_id] - position[before.iteration_id]
    new_team = after.team_id if after.team_id != before.team_id else None
    if not shift and new_team is None:
        return
    for story in tx.all(Story):
        if story.feature_id != after.id:
            continue
        moved = dataclasses.replace(story)
        if new_team is not None:
            moved.team_id = new_team
        if shift and story.iteration_id in position:
            moved.iteration_id = order[min(max(position[story.iteration_id] + shift, 0), len(order) - 1)]
        if (moved.team_id, moved.iteration_id) != (story.team_id, story.iteration_id):
            tx.put(moved)


def _need_version(op: Op) -> int:
    if op.base_version is None:
        raise Invalid("base_version is required: say which version of the item you edited")
    return op.base_version


@handles(*(f"{k}.delete" for k in PLAN_KINDS))
def _delete(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    kind = op.type.split(".")[0]
    cls = _MODEL_FOR_KIND[kind]
    item = tx.require(cls, op.target, _need_version(op))
    _narrow_for_actor(op.type, actor, kind, item, {})
    if isinstance(item, Team | Iteration):
        held = holdings(tx.all, item)
        if held.planned:
            raise IllegalTransition(
                f"{len(held.planned)} features, stories or members still belong to this {kind}; "
                "move them first"
            )
        # Nothing else may be left pointing at a team or iteration that is gone.
        if held.naming:
            raise IllegalTransition(
                f"{len(held.naming)} objectives, risks, dependencies or milestones still name this {kind}; "
                "change them first"
            )
    if isinstance(item, Feature):
        _unlink(tx, Story, "feature_id", item.id)
        _unlink(tx, Dependency, "requesting_feature_id", item.id)
        _unlink(tx, Dependency, "provider_feature_id", item.id)
        for obj in tx.all(Objective):
            if item.id in obj.feature_ids:
                obj = dataclasses.replace(obj, feature_ids=[x for x in obj.feature_ids if x != item.id])
                tx.put(obj)
    if isinstance(item, Story):
        _unlink(tx, Dependency, "provider_story_id", item.id)
        for later in tx.all(Story):
            if item.id in later.after:
                tx.put(dataclasses.replace(later, after=[x for x in later.after if x != item.id]))
    tx.delete(kind, item.id)


def _unlink(tx: Tx, cls: type[Any], field_name: str, item_id: str) -> None:
    for other in tx.all(cls):
        if getattr(other, field_name) == item_id:
            other = dataclasses.replace(other)
            setattr(other, field_name, None)
            tx.put(other)


@handles("iteration.reorder")
def _reorder_iterations(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Number the iterations 1, 2, 3… in the order given (every iteration, once)."""
    if set(op.args) - {"order"}:
        raise Invalid("a reorder takes only the order: every iteration id, first to last")
    order = f.RefList("iteration", max_items=30).clean("order", op.args.get("order"))
    iterations = {i.id: i for i in tx.all(Iteration)}
    if sorted(order) != sorted(iterations):
        raise Invalid("the order must name every iteration of the board once")
    for number, iteration_id in enumerate(order, start=1):
        iteration = iterations[iteration_id]
        if iteration.number != number:
            tx.put(dataclasses.replace(iteration, number=number))


# --- dependencies ---------------------------------------------------------------------------------


@handles("dependency.accept")
def _accept_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The provider answers: it will deliver with this feature / story (or, external, in this iteration)."""
    dep: Dependency = tx.require(Dependency, op.target, _need_version(op))
    authorise(actor, op.type, _answering_team(dep))
    if dep.status == DependencyStatus.DONE:
        raise IllegalTransition("this dependency is done already")
    values = _clean(
        "dependency",
        op.args,
        creating=False,
        only={"provider_feature_id", "provider_story_id", "promised_iteration_id"},
    )
    _check_refs(tx, "dependency", values)
    for name, value in values.items():
        setattr(dep, name, value)
    for cls, work_id in ((Feature, dep.provider_feature_id), (Story, dep.provider_story_id)):
        work = tx.get(cls, work_id)
        if work is not None and dep.provider_team_id and work.team_id != dep.provider_team_id:
            raise Invalid(f"that {cls.kind} belongs to another team than the providing one")
    dep.status = DependencyStatus.ACCEPTED
    dep.answer = ""
    tx.put(dep)


@handles("dependency.propose")
def _propose_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The providing team cannot make the iteration asked for and offers another one instead.

    A proposal replaces whatever work was named before; the state follows the promised iteration,
    so a proposal later than needed shows as a conflict until the requester agrees or re-plans."""
    dep = _open_request(tx, op, actor)
    if set(op.args) - {"promised_iteration_id", "answer"}:
        raise Invalid("a proposal names a promised_iteration_id and, if you like, an answer")
    iteration_id = f.Ref("iteration", nullable=False).clean(
        "promised_iteration_id", op.args.get("promised_iteration_id")
    )
    iteration: Iteration = tx.require(Iteration, iteration_id)
    if iteration.is_ip:
        raise Invalid("the IP iteration holds no feature work; propose a development iteration")
    dep.promised_iteration_id = iteration.id
    dep.provider_feature_id = dep.provider_story_id = None
    dep.answer = f.Text(300).clean("answer", op.args.get("answer"))
    dep.status = DependencyStatus.PROPOSED
    tx.put(dep)


@handles("dependency.decline")
def _decline_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The providing team will not deliver it, and says why."""
    dep = _open_request(tx, op, actor)
    if set(op.args) - {"answer"}:
        raise Invalid("a decline takes only the answer: say why")
    dep.answer = f.Text(300, required=True).clean("answer", op.args.get("answer"))
    dep.promised_iteration_id = dep.provider_feature_id = dep.provider_story_id = None
    dep.status = DependencyStatus.DECLINED
    tx.put(dep)


def _open_request(tx: Tx, op: Op, actor: Actor) -> Dependency:
    """A dependency a providing team may still answer, checked to be that team's to answer."""
    dep: Dependency = tx.require(Dependency, op.target, _need_version(op))
    if not dep.provider_team_id:
        raise Invalid("an external party's answer is recorded with accept, by the requesting team")
    authorise(actor, op.type, dep.provider_team_id)
    if dep.status == DependencyStatus.DONE:
        raise IllegalTransition("this dependency is done already")
    return dep


def _answering_team(dep: Dependency) -> str | None:
    """The providing team answers; for an external party, the requesting team records its promise."""
    return dep.provider_team_id or dep.requesting_team_id


@handles("dependency.done")
def _dependency_done(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    dep: Dependency = tx.require(Dependency, op.target, _need_version(op))
    authorise(actor, op.type, _answering_team(dep))
    dep.status = (
        DependencyStatus.DONE
        if f.Bool().clean("done", op.args.get("done", True))
        else DependencyStatus.ACCEPTED
    )
    tx.put(dep)


@handles("dependency.comment")
def _comment_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    dep: Dependency = tx.require(Dependency, op.target, _need_version(op))
    authorise(actor, op.type, dep.requesting_team_id, dep.provider_team_id)
    dep.comment = f.Text(1000).clean("comment", op.args.get("comment"))
    tx.put(dep)


# --- objectives and business value ------------------------------------------------------------------


@handles("objective.set_bv", "objective.set_actual_bv")
def _set_bv(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    obj: Objective = tx.require(Objective, op.target, _need_version(op))
    name = "planned_bv" if op.type == "objective.set_bv" else "actual_bv"
    if set(op.args) - {"value"}:
        raise Invalid("business value is set with a single 'value'")
    setattr(
        obj,
        name,
        f.Int(1 if name == "planned_bv" else 0, 10, nullable=True).clean("value", op.args.get("value")),
    )
    tx.put(obj)


# --- risks and ROAM --------------------------------------------------------------------------------


@handles("risk.roam")
def _roam(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    risk: Risk = tx.require(Risk, op.target, _need_version(op))
    authorise(actor, op.type, risk.team_id)
    roam = f.Choice(Roam).clean("roam", op.args.get("roam"))
    assert isinstance(roam, Roam)
    owner = f.Text(80).clean("owner", op.args.get("owner", risk.owner))
    if roam == Roam.OWNED and not owner:
        raise Invalid("an Owned risk needs an owner: name who owns it")
    risk.roam, risk.owner = roam, owner
    tx.put(risk)


@handles("roam.focus")
def _roam_focus(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Point the ROAM session (on the big screen) at one risk, or end it with no target."""
    meta: Meta = tx.require(Meta, "meta")
    if op.target is not None:
        tx.require(Risk, op.target)
    meta.roam_focus = op.target
    tx.put(meta)


# --- the board itself ------------------------------------------------------------------------------


@handles("board.create")
def _create_board(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The first event of every board: its settings and the default two-day agenda."""
    if tx.get(Meta, "meta") is not None:
        raise IllegalTransition("this board exists already")
    values = _clean("meta", op.args, creating=True)
    tx.put(Meta(id="meta", **values))
    for order, (day, title, minutes) in enumerate(DEFAULT_AGENDA):
        tx.put(AgendaItem(id=ctx.new_id(), day=day, order=(order + 1) * 10, title=title, minutes=minutes))


# --- plan lock and baseline -----------------------------------------------------------------------


@handles("plan.lock", "plan.unlock")
def _lock(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    meta.locked = op.type == "plan.lock"
    tx.put(meta)


@handles("baseline.take")
def _baseline(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Freeze the plan as it stands after this event; later changes are shown against it."""
    meta: Meta = tx.require(Meta, "meta")
    meta.baseline_seq = ctx.seq
    tx.put(meta)


@handles("execution.start")
def _start_execution(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The PI runs: from now on the board measures the plan against its baseline (and stays editable:
    it is re-planned at every ART sync)."""
    if op.args:
        raise Invalid("starting the execution takes no arguments")
    meta: Meta = tx.require(Meta, "meta")
    if meta.baseline_seq is None:
        raise IllegalTransition("take the baseline first: execution is measured against it")
    if meta.execution_started:
        raise IllegalTransition("the PI's execution has started already")
    meta.execution_started = True
    meta.locked = False
    tx.put(meta)


# --- confidence vote ----------------------------------------------------------------------------------


@handles("vote.open")
def _open_vote(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    team_id = f.Ref("team").clean("team_id", op.args.get("team_id"))
    if set(op.args) - {"team_id"}:
        raise Invalid("a vote round takes only a team_id (none: the whole ART)")
    if team_id:
        tx.require(Team, team_id)
    rounds = tx.all(VoteRound)
    if any(r.status == VoteStatus.OPEN and r.team_id == team_id for r in rounds):
        raise IllegalTransition("a round for the same voters is open already; close it first")
    number = 1 + sum(1 for r in rounds if r.team_id == team_id)
    tx.put(VoteRound(id=ctx.new_id(), team_id=team_id, opened_at=ctx.now, number=number))
    if team_id is None:
        meta: Meta = tx.require(Meta, "meta")
        if meta.rework:
            meta.rework = False
            tx.put(meta)


def _ballot_id(round_id: str, actor: Actor) -> str:
    return f"{round_id}:{actor.id}"


@handles("vote.cast")
def _cast(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.OPEN:
        raise IllegalTransition("this vote round is closed")
    authorise(actor, op.type, vote.team_id or None)
    if set(op.args) - {"value", "reason"}:
        raise Invalid("a vote takes a value 1–5 and an optional reason")
    value = f.Int(1, 5).clean("value", op.args.get("value"))
    reason = f.Text(500).clean("reason", op.args.get("reason"))
    ballot_id = _ballot_id(vote.id, actor)
    ballot = tx.get(Ballot, ballot_id) or Ballot(id=ballot_id, round_id=vote.id, voter=actor.name)
    ballot.value, ballot.reason, ballot.team_id = value or 0, reason, actor.team_id
    tx.put(ballot)


def _voter_of(ballot: Ballot) -> str:
    """The participant a ballot belongs to (its id is ``<round>:<participant>``)."""
    return ballot.id.removeprefix(f"{ballot.round_id}:")


@handles("vote.merge_voter")
def _merge_voter(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """One person, one vote: the ballots of a participant the RTE merged into another (one person who
    joined twice) become that one's, unless it voted in the round itself (then only its own counts);
    without ``into_voter`` (a removed participant) they are dropped."""
    if set(op.args) - {"from_voter", "into_voter", "into_name"}:
        raise Invalid("merging voters takes from_voter, into_voter and into_name")
    source = f.Ref("participant", nullable=False).clean("from_voter", op.args.get("from_voter"))
    into = f.Ref("participant").clean("into_voter", op.args.get("into_voter"))
    into_name = f.Text(80).clean("into_name", op.args.get("into_name"))
    if source == into:
        raise Invalid("a participant cannot be merged into itself")
    for ballot in tx.all(Ballot):
        if _voter_of(ballot) != source:
            continue
        tx.delete("ballot", ballot.id)
        kept_id = f"{ballot.round_id}:{into}"
        if into is not None and tx.get(Ballot, kept_id) is None:
            moved = dataclasses.replace(ballot, id=kept_id, voter=into_name or ballot.voter)
            tx.put(moved)


@handles("vote.explain")
def _explain(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """After the reveal, a low voter says why; the reason becomes an un-ROAMed risk."""
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.REVEALED:
        raise IllegalTransition("reasons are asked for after the reveal")
    ballot: Ballot = tx.require(Ballot, _ballot_id(vote.id, actor))
    if ballot.value > 2:
        raise IllegalTransition("only votes of 1 or 2 are asked for a reason")
    if ballot.reason:
        raise IllegalTransition("your reason is on the risk board already")
    ballot.reason = f.Text(500, required=True).clean("reason", op.args.get("reason"))
    tx.put(ballot)
    _risk_from_reason(tx, ctx, vote, ballot)


def _risk_from_reason(tx: Tx, ctx: Context, vote: VoteRound, ballot: Ballot) -> None:
    tx.put(
        Risk(
            id=ctx.new_id(),
            title=ballot.reason[:200],
            description=f"Raised in confidence vote round {vote.number} by a vote of {ballot.value}.",
            team_id=vote.team_id,
            raised_by=ballot.voter,
        )
    )


@handles("vote.close")
def _close_vote(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.OPEN:
        raise IllegalTransition(f"this round is {vote.status.value}, not open")
    vote.status = VoteStatus.CLOSED
    tx.put(vote)


@handles("vote.reveal")
def _reveal(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status == VoteStatus.REVEALED:
        raise IllegalTransition("this round is revealed already")
    vote.status = VoteStatus.REVEALED
    tx.put(vote)
    for ballot in ballots_of(tx.state, vote.id):
        if ballot.value <= 2 and ballot.reason:
            _risk_from_reason(tx, ctx, vote, ballot)
    if vote.team_id is None:
        meta: Meta = tx.require(Meta, "meta")
        meta.rework = tally_round(tx.state, vote).needs_rework
        tx.put(meta)


# --- agenda and timer -------------------------------------------------------------------------------


@handles("timer.start")
def _timer_start(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    target = op.target or meta.current_agenda_item
    if target is None:
        agenda = _agenda_in_order(tx)
        if not agenda:
            raise IllegalTransition("the agenda is empty; add an item first")
        target = agenda[0].id
    _run_timer_for(tx, meta, tx.require(AgendaItem, target), ctx.now)


def _agenda_in_order(tx: Tx) -> list[AgendaItem]:
    return sorted(tx.all(AgendaItem), key=lambda a: (a.day, a.order))


def _run_timer_for(tx: Tx, meta: Meta, item: AgendaItem, now: float) -> None:
    """Make ``item`` the current agenda item and start its full countdown."""
    meta.current_agenda_item = item.id
    meta.timer_status = TimerStatus.RUNNING
    meta.timer_ends_at = now + item.minutes * 60
    meta.timer_remaining = None
    tx.put(meta)


@handles("timer.pause")
def _timer_pause(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    if meta.timer_status != TimerStatus.RUNNING or meta.timer_ends_at is None:
        raise IllegalTransition("the timer is not running")
    meta.timer_remaining = max(0.0, meta.timer_ends_at - ctx.now)
    meta.timer_status = TimerStatus.PAUSED
    meta.timer_ends_at = None
    tx.put(meta)


@handles("timer.resume")
def _timer_resume(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    if meta.timer_status != TimerStatus.PAUSED:
        raise IllegalTransition("the timer is not paused")
    meta.timer_ends_at = ctx.now + (meta.timer_remaining or 0.0)
    meta.timer_remaining = None
    meta.timer_status = TimerStatus.RUNNING
    tx.put(meta)


@handles("timer.extend")
def _timer_extend(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    minutes = f.Int(1, 240).clean("minutes", op.args.get("minutes", 5)) or 0
    if meta.timer_status == TimerStatus.RUNNING and meta.timer_ends_at is not None:
        meta.timer_ends_at = max(meta.timer_ends_at, ctx.now) + minutes * 60
    elif meta.timer_status == TimerStatus.PAUSED:
        meta.timer_remaining = (meta.timer_remaining or 0.0) + minutes * 60
    else:
        raise IllegalTransition("the timer is stopped; start it first")
    tx.put(meta)


@handles("timer.advance")
def _timer_advance(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Move on to the next agenda item and start its countdown."""
    meta: Meta = tx.require(Meta, "meta")
    agenda = _agenda_in_order(tx)
    ids = [a.id for a in agenda]
    if not ids:
        raise IllegalTransition("the agenda is empty")
    position = ids.index(meta.current_agenda_item) + 1 if meta.current_agenda_item in ids else 0
    if position >= len(ids):
        raise IllegalTransition("this is the last agenda item")
    _run_timer_for(tx, meta, agenda[position], ctx.now)


@handles("timer.stop")
def _timer_stop(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta: Meta = tx.require(Meta, "meta")
    meta.timer_status = TimerStatus.STOPPED
    meta.timer_ends_at = None
    meta.timer_remaining = None
    tx.put(meta)


# --- undo ---------------------------------------------------------------------------------------------


@handles("event.undo")
def _undo(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Put every item an earlier event touched back as it was before it; the rules are board.undo's."""
    event = undo.event_to_undo(op.target, ctx.history)
    undo.check_may_undo(event, actor, ctx.now)
    original, depth = undo.undone_op(event, ctx.history)
    inverse = undo.inverse_op_type(original, depth)
    may_send(tx.state, actor, inverse)
    undo.check_unchanged_since(tx.state, event)
    prefix = original.op.type.split(".")[0]
    main_kind = "meta" if prefix == "board" else prefix
    restored: list[Item] = []
    for change in event.changes:
        now = tx.state.items[change.kind].get(change.id)
        if change.before is None:
            if change.kind == main_kind:
                _narrow_for_actor(inverse, actor, change.kind, now, {})
            tx.delete(change.kind, change.id)
            continue
        item = item_from_dict(change.kind, change.before)
        if change.kind == main_kind:
            _narrow_for_actor(inverse, actor, change.kind, now, _owner_fields(item))
        tx.put(item)
        restored.append(item)
    for item in restored:  # after all are back: an item may name another restored with it
        if item.kind in FIELDS:
            _check_refs(tx, item.kind, {name: getattr(item, name) for name in FIELDS[item.kind]})


def _owner_fields(item: Item) -> dict[str, Any]:
    """The fields of an item that say whose it is (checked for a team member or the Architect)."""
    names = ("team_id", "requesting_team_id", "feature_kind")
    return {name: getattr(item, name) for name in names if hasattr(item, name)}


# --- the room: the big screen's scene, "bring everyone here", the help queue --------------------------


@handles("screen.show")
def _screen_show(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The RTE chooses what the big screen shows; ``seconds`` is how long a rotation stays on a team,
    ``link`` the join link the join scene's QR code opens (the server checks it is a live one)."""
    if set(op.args) - {"scene", "seconds", "link"}:
        raise Invalid("screen.show takes a scene and, for a rotation, seconds, for the join scene a link")
    meta: Meta = tx.require(Meta, "meta")
    meta.screen_scene = parse_scene(op.args.get("scene"), tx.state)
    if "link" in op.args:
        if meta.screen_scene != "join":
            raise Invalid("only the join scene shows a join link")
        meta.screen_join_link = f.Text(40).clean("link", op.args["link"]) or None
    if "seconds" in op.args:
        meta.screen_rotate_seconds = f.Int(*ROTATE_SECONDS).clean("seconds", op.args["seconds"]) or 30
    tx.put(meta)


@handles("room.gather")
def _gather(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """ "Bring everyone here": every open page moves to one view."""
    view = op.args.get("view")
    if set(op.args) - {"view"} or view not in GATHER_VIEWS:
        raise Invalid(f"view must be one of {', '.join(GATHER_VIEWS)}")
    meta: Meta = tx.require(Meta, "meta")
    meta.gather_view, meta.gather_at = view, ctx.now
    tx.put(meta)


@handles("help.ask")
def _help_ask(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    if set(op.args) - {"team_id", "needs", "note"}:
        raise Invalid("a help request takes team_id, needs and a note")
    team_id = f.Ref("team").clean("team_id", op.args.get("team_id", actor.team_id))
    if not team_id:
        raise Invalid("name the team that needs help")
    tx.require(Team, team_id)
    authorise(actor, op.type, team_id)
    try:
        needs = Role(op.args.get("needs"))
    except ValueError:
        needs = None
    if needs not in HELPERS:
        raise Invalid(f"ask for one of: {', '.join(r.value for r in HELPERS)}")
    note = f.Text(200).clean("note", op.args.get("note", "")) or ""
    waiting = [
        h
        for h in tx.all(HelpRequest)
        if h.team_id == team_id and h.needs == needs and h.status != HelpStatus.CLOSED
    ]
    if waiting:
        raise IllegalTransition(f"this team has asked for the {HELPERS[needs]} already")
    tx.put(
        HelpRequest(
            id=ctx.new_id(),
            team_id=team_id,
            needs=needs,
            note=note,
            asked_by=actor.name,
            asked_at=ctx.now,
        )
    )


@handles("help.take")
def _help_take(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    request: HelpRequest = tx.require(HelpRequest, op.target)
    if request.status != HelpStatus.OPEN:
        raise IllegalTransition(
            f"this request is {request.status.value}"
            + (f" by {request.taken_by}" if request.taken_by else "")
        )
    authorise(actor, op.type, asked_for=request.needs)
    request.status, request.taken_by = HelpStatus.TAKEN, actor.name
    tx.put(request)


@handles("help.close")
def _help_close(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Done: the person who took it, the asking team, or the RTE closes it."""
    request: HelpRequest = tx.require(HelpRequest, op.target)
    if request.status == HelpStatus.CLOSED:
        raise IllegalTransition("this request is closed already")
    authorise(actor, op.type, request.team_id, asked_for=request.needs)
    request.status = HelpStatus.CLOSED
    tx.put(request)


OP_TYPES = frozenset(HANDLERS)

"""The plan's items: create, update, move (a card onto a cell), delete and reorder, with the rules
that hold across fields (an item's own, checked after every create and update)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from board import fields as f
from board.core import Op
from board.dependencies import agrees_to_proposal
from board.errors import IllegalTransition, Invalid
from board.model import (
    NO_FEATURE_WORK,
    AgendaItem,
    Dependency,
    DependencyStatus,
    Feature,
    FeatureState,
    Item,
    Iteration,
    Member,
    Meta,
    Objective,
    Risk,
    Role,
    Story,
    StoryStatus,
    Team,
    holds_feature_work,
)
from board.ops.core import (
    Context,
    Tx,
    handles,
    hold_to_tracker,
    narrow_for_actor,
    need_version,
    only_args,
)
from board.ops.cross_train import ask_other_train, refuse_mirror_edit
from board.ops.schema import MODEL_FOR_KIND, check_refs, clean
from board.roles import Actor
from board.setup import holdings
from board.vote import privacy_refusal

_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


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
    values = clean(kind, op.args, creating=True)
    if kind == "dependency":
        ask_other_train(ctx, values)
    narrow_for_actor(op.type, actor, kind, None, values)
    check_refs(tx, kind, values)
    cls = MODEL_FOR_KIND[kind]
    item = cls(id=_proposed_id(tx, cls, op.args.get("id")) or ctx.new_id(), **values)
    _derive_on_create(tx, item, actor)
    narrow_for_actor(op.type, actor, kind, item, {})
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
        placed = any(x.iteration_id == item.id for x in tx.all(Feature) + tx.all(Story))
        if placed and not holds_feature_work(item):
            raise Invalid(f"{NO_FEATURE_WORK}; move its features and stories first")
    if isinstance(item, Team) and any(
        t.name.lower() == item.name.lower() and t.id != item.id for t in tx.all(Team)
    ):
        raise Invalid(f"a team named '{item.name}' exists already")
    if isinstance(item, Story | Feature) and item.iteration_id:
        iteration = tx.get(Iteration, item.iteration_id)
        if iteration is not None and not holds_feature_work(iteration):
            raise Invalid(NO_FEATURE_WORK)
    if isinstance(item, Story) and item.team_id is None:
        raise Invalid("a story belongs to a team: name its team, or a feature that is planned at a team")
    if isinstance(item, Story) and item.status == StoryStatus.BLOCKED and not item.blocked_reason:
        raise Invalid("a blocked story says why: give the reason it is blocked")
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
    todo, seen = list(story.after), set()
    while todo:
        current = todo.pop()
        if current == story.id:
            raise Invalid("this order is a circle: a story would come after itself")
        if current not in seen:
            seen.add(current)
            earlier = tx.read(Story, current)
            todo.extend(earlier.after if earlier is not None else [])


@handles(*(f"{k}.update" for k in PLAN_KINDS), "board.update")
def _update(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    kind = op.type.split(".")[0]
    kind = "meta" if kind == "board" else kind
    cls = MODEL_FOR_KIND[kind]
    target = "meta" if kind == "meta" else op.target
    item = tx.require(cls, target, need_version(op))
    values = clean(kind, op.args, creating=False)
    if not values:
        raise Invalid("nothing to change")
    narrow_for_actor(op.type, actor, kind, item, values)
    hold_to_tracker(tx, actor, ctx, item, _changed(item, values))
    check_refs(tx, kind, values)
    if isinstance(item, Meta) and values.get("vote_privacy", item.vote_privacy) != item.vote_privacy:
        refused = privacy_refusal(tx.state)
        if refused:
            raise IllegalTransition(refused)
    if isinstance(item, Dependency):
        refuse_mirror_edit(item)
        ask_other_train(ctx, values, item)
        _reopen_if_redirected(item, values)
    for name, value in values.items():
        setattr(item, name, value)
    if isinstance(item, Dependency) and "needed_by_iteration_id" in values:
        _settle_agreed_proposal(tx, item)
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


def _settle_agreed_proposal(tx: Tx, dep: Dependency) -> None:
    """The requester needing it by the proposed iteration (or later) takes the proposal: accepted."""
    if agrees_to_proposal(tx.state, dep):
        dep.status = DependencyStatus.ACCEPTED


@handles("feature.move", "story.move")
def _move(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Re-plan a card onto a cell: a team row and an iteration column (None: back to the backlog)."""
    kind = op.type.split(".")[0]
    args = dict(op.args)
    # A feature's stories move with it unless the mover says to move the feature alone.
    carry = kind == "feature" and f.Bool().clean("carry_stories", args.pop("carry_stories", True))
    values = clean(kind, args, creating=False, only={"team_id", "iteration_id", "rank"})
    if not values:
        raise Invalid("a move names a team, an iteration or a rank")
    _op_on_existing_field_update(tx, op, actor, ctx, kind, values, carry_stories=carry)


def _changed(item: Item, values: dict[str, Any]) -> list[str]:
    """The fields ``values`` really changes (an edit that leaves a field as it is does not touch it)."""
    return [name for name, value in values.items() if getattr(item, name, None) != value]


def _op_on_existing_field_update(
    tx: Tx, op: Op, actor: Actor, ctx: Context, kind: str, values: dict[str, Any], *, carry_stories: bool
) -> None:
    cls = MODEL_FOR_KIND[kind]
    item = tx.require(cls, op.target, need_version(op))
    narrow_for_actor(op.type, actor, kind, item, values)
    hold_to_tracker(tx, actor, ctx, item, _changed(item, values))
    check_refs(tx, kind, values)
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
    order = [i.id for i in sorted(tx.all(Iteration), key=lambda i: i.number) if holds_feature_work(i)]
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


@handles(*(f"{k}.delete" for k in PLAN_KINDS))
def _delete(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    kind = op.type.split(".")[0]
    cls = MODEL_FOR_KIND[kind]
    item = tx.require(cls, op.target, need_version(op))
    narrow_for_actor(op.type, actor, kind, item, {})
    hold_to_tracker(tx, actor, ctx, item, (), deleting=True)
    if isinstance(item, Dependency):
        refuse_mirror_edit(item)
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
    if isinstance(item, Iteration):
        # Days off in an iteration that is gone mean nothing (capacity is per iteration of the board).
        for member in tx.all(Member):
            if item.id in member.days_off:
                days_off = {k: v for k, v in member.days_off.items() if k != item.id}
                tx.put(dataclasses.replace(member, days_off=days_off))
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
    only_args(op, {"order"}, "a reorder takes only the order: every iteration id, first to last")
    order = f.RefList("iteration", max_items=30).clean("order", op.args.get("order"))
    iterations = {i.id: i for i in tx.all(Iteration)}
    if sorted(order) != sorted(iterations):
        raise Invalid("the order must name every iteration of the board once")
    for number, iteration_id in enumerate(order, start=1):
        iteration = iterations[iteration_id]
        if iteration.number != number:
            tx.put(dataclasses.replace(iteration, number=number))

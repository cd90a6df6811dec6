"""What each kind of item accepts: its fields and their rules, on create and on a plain update,
and the check that every item a field names is on the board."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from board import fields as f
from board.errors import Invalid
from board.model import (
    AgendaItem,
    Dependency,
    Feature,
    FeatureKind,
    FeatureState,
    Item,
    Iteration,
    Member,
    Meta,
    Milestone,
    MilestoneKind,
    Objective,
    Risk,
    Story,
    StoryStatus,
    Team,
    VotePrivacy,
)
from board.ops.core import Tx
from board.wording import field_label

# How many choices of its last import a board remembers.
IMPORT_MAPPING_KEYS = 400

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
        "forecast_threshold": f.Float(0.05, 0.95),
        "earlier_pi_name": f.Text(60),
        "import_mapping": f.Record(max_keys=IMPORT_MAPPING_KEYS),
        "vote_privacy": f.Choice(VotePrivacy),
    },
    "iteration": {
        "number": f.Int(1, 30),
        "name": f.Text(60),
        "start": f.Date(),
        "end": f.Date(),
        "is_ip": f.Bool(),
        "weeks": f.Int(1, 6),
    },
    "team": {
        "name": f.Text(60, required=True),
        "color": f.Color(),
        # What it finished per iteration in the earlier PI (board.forecast's history before this PI's).
        "earlier_throughput": f.Numbers(0, 1000),
    },
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
        # A team of another train of the solution, "<board>/<team>" (board.ops.cross_train checks it).
        "provider_train": f.Text(100),
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

MODEL_FOR_KIND: dict[str, type[Item]] = {
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


# A kind of item as people say it, where its kind is not already that word.
_KIND_WORDS = {"meta": "the board", "agenda": "an agenda item"}


def clean(kind: str, args: dict[str, Any], *, creating: bool, only: set[str] | None = None) -> dict[str, Any]:
    spec = FIELDS[kind]
    unknown = set(args) - set(spec) - {"id"}
    if only is not None:
        unknown |= set(args) - only
    if unknown:
        said = ", ".join(field_label(name) for name in sorted(unknown))
        raise Invalid(f"{_KIND_WORDS.get(kind, kind)}: this change cannot set {said}")
    out: dict[str, Any] = {}
    for name, rule in spec.items():
        if name in args:
            out[name] = rule.clean(name, args[name])
        elif creating and _required(rule):
            raise Invalid(f"{field_label(name)} is required")
    return out


def _required(rule: f.Field) -> bool:
    return (isinstance(rule, f.Text) and rule.required) or (isinstance(rule, f.Ref) and not rule.nullable)


def refs_of(kind: str, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Every item that ``values`` (of an item of ``kind``) name, as (field, kind, id): its references and
    lists of them, and the iterations its days off are in."""
    for name, rule in FIELDS[kind].items():
        value = values.get(name)
        if isinstance(rule, f.Ref) and value:
            yield name, rule.kind, value
        elif isinstance(rule, f.RefList):
            yield from ((name, rule.kind, ref) for ref in value or ())
        elif isinstance(rule, f.DaysOff):
            yield from ((name, "iteration", ref) for ref in value or {})


def check_refs(tx: Tx, kind: str, values: dict[str, Any]) -> None:
    """Every item the fields in ``values`` name is on the board (a board's export names only those)."""
    for name, ref_kind, ref in refs_of(kind, values):
        if isinstance(FIELDS[kind][name], f.DaysOff):
            if tx.read(Iteration, ref) is None:
                raise Invalid(f"{field_label(name)} name iteration '{ref}', which this board does not have")
        else:
            tx.require_present(MODEL_FOR_KIND[ref_kind], ref)


def named_by(tx: Tx, kind: str, item_id: str) -> list[Item]:
    """The items whose fields name the item ``kind``/``item_id`` (an item that is gone must leave none)."""
    return [
        other
        for other_kind in FIELDS
        for other in tx.all(MODEL_FOR_KIND[other_kind])
        if any(
            (ref_kind, ref) == (kind, item_id)
            for _, ref_kind, ref in refs_of(
                other_kind, {name: getattr(other, name, None) for name in FIELDS[other_kind]}
            )
        )
    ]

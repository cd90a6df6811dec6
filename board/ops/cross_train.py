"""Cross-train dependencies (board.cross_train): asking another train's team, and the two ops only the
solution sends, which write each side from the other (docs/solution.md).

- A team asks a team of another train with ``dependency.create`` / ``dependency.update`` naming it as
  ``provider_train``: :func:`ask_other_train` checks through the op's context that it is a team of
  another train of this board's solution, and names it in words (``external_party``).
- ``crosstrain.mirror`` writes (or withdraws) the providing train's mirror of a request;
  ``crosstrain.answer`` writes the provider's answer back onto the request. Both name the seq of the
  other train's board they were read from: one older than the last taken is skipped (refused, so
  nothing is written).
"""

from __future__ import annotations

from typing import Any

from board import fields as f
from board.core import Op
from board.cross_train import ANSWER_FIELDS, MIRROR_PREFIX, parse_ref
from board.dependencies import agrees_to_proposal
from board.errors import Forbidden, Invalid, Stale
from board.model import Dependency, DependencyStatus
from board.ops.core import Context, Tx, handles, only_args
from board.ops.schema import check_refs, clean
from board.roles import Actor

_SEQ = f.Int(0, 2**62)
_REF = f.Text(100, required=True)
_WORDS = f.Text(1000)


def ask_other_train(ctx: Context, values: dict[str, Any], current: Dependency | None = None) -> None:
    """Check a dependency's ``provider_train`` (the cleaned ``values`` of a create, or of an update of
    ``current``) and name the team in words; a team of this train and one of another are not asked at
    once. The other train's team is named in its own words: an edit does not rename it."""
    if current is not None and current.provider_train and "provider_train" not in values:
        if values.get("provider_team_id"):
            values["provider_train"] = ""  # a team of this train asked instead: no longer the other train's
        else:
            values.pop("external_party", None)
    ref = values.get("provider_train")
    if not ref:
        return
    if values.get("provider_team_id"):
        raise Invalid("a dependency asks a team of this train or a team of another train, not both")
    words = ctx.other_trains(ref) if ctx.other_trains is not None and parse_ref(ref) else None
    if words is None:
        raise Invalid(f"{ref!r} is not a team of another train of this board's solution")
    values["provider_team_id"] = None
    if current is not None and current.provider_train == ref:
        values.pop("external_party", None)  # asked again as it was: its answer and its words stay
        return
    values["external_party"] = words
    if current is not None:
        values["mirrored_seq"] = 0  # a new provider's answers start afresh


def refuse_answer_here(dep: Dependency) -> None:
    """The other train's team answers a cross-train request on its own board, not here."""
    if dep.provider_train:
        raise Forbidden(f"{dep.external_party} answers this on its own train's board")


def refuse_mirror_edit(dep: Dependency) -> None:
    """A request from another train changes on that train's board (its answers are this train's)."""
    if dep.requester_train:
        raise Forbidden(f"this request comes from {dep.external_party}: it is changed on that train's board")


def _taken(dep: Dependency | None, seq: int) -> None:
    if dep is not None and seq < dep.mirrored_seq:
        raise Stale("an older change of the other train: skipped, a newer one is here already")


@handles("crosstrain.mirror")
def _mirror(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Write the providing train's mirror of a request (``withdrawn``: take it away)."""
    if not (op.target or "").startswith(MIRROR_PREFIX):
        raise Invalid("a mirror's id starts with x-")
    seq = _SEQ.clean("seq", op.args.get("seq"))
    assert seq is not None
    mirror: Dependency | None = tx.get(Dependency, op.target)
    _taken(mirror, seq)
    if f.Bool().clean("withdrawn", op.args.get("withdrawn", False)):
        only_args(op, {"seq", "withdrawn"}, "a withdrawal names the seq only")
        if mirror is not None:
            tx.delete(Dependency.kind, mirror.id)
        return
    args = {k: v for k, v in op.args.items() if k not in {"seq", "requester_train", "cadence_mismatch"}}
    values = clean(
        "dependency",
        args,
        creating=False,
        only={"provider_team_id", "need", "needed_by_iteration_id", "external_party"},
    )
    check_refs(tx, "dependency", values)
    if not values.get("provider_team_id") or not values.get("need"):
        raise Invalid("a mirror names its providing team and the need")
    requester = _REF.clean("requester_train", op.args.get("requester_train"))
    if parse_ref(requester) is None:
        raise Invalid("a mirror names the request it stands for")
    if mirror is None:
        mirror = Dependency(id=op.target or "")
    elif values["provider_team_id"] != mirror.provider_team_id and mirror.status != DependencyStatus.DONE:
        # Another team asked: the old team's answer does not carry over (as a redirected request's).
        mirror.status = DependencyStatus.REQUESTED
        mirror.answer = ""
        mirror.promised_iteration_id = mirror.provider_feature_id = mirror.provider_story_id = None
    for name, value in values.items():
        setattr(mirror, name, value)
    mirror.requester_train = requester
    mirror.cadence_mismatch = _WORDS.clean("cadence_mismatch", op.args.get("cadence_mismatch"))
    mirror.mirrored_seq = seq
    if agrees_to_proposal(tx.state, mirror):
        mirror.status = DependencyStatus.ACCEPTED  # the requester moved its need to the proposal
    tx.put(mirror)


@handles("crosstrain.answer")
def _answer(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Write the providing train's answer onto this train's request (``released``: the two trains are
    no longer of one solution; the request stays, an external party's, with the last answer it had)."""
    only_args(op, {"seq", "released", *ANSWER_FIELDS}, "an answer names the seq and what the provider said")
    seq = _SEQ.clean("seq", op.args.get("seq"))
    assert seq is not None
    dep: Dependency = tx.require(Dependency, op.target)
    if not dep.provider_train:
        raise Invalid("this dependency asks no other train")
    if f.Bool().clean("released", op.args.get("released", False)):
        dep.provider_train = dep.cadence_mismatch = ""
        dep.mirrored_seq = 0
        tx.put(dep)
        return
    _taken(dep, seq)
    status = f.Choice(DependencyStatus).clean("status", op.args.get("status"))
    values = clean(
        "dependency",
        {k: op.args[k] for k in ("promised_iteration_id", "external_party") if k in op.args},
        creating=False,
    )
    check_refs(tx, "dependency", values)
    for name, value in values.items():
        setattr(dep, name, value)
    dep.status = DependencyStatus(status)
    dep.answer = f.Text(300).clean("answer", op.args.get("answer"))
    dep.cadence_mismatch = _WORDS.clean("cadence_mismatch", op.args.get("cadence_mismatch"))
    dep.mirrored_seq = seq
    tx.put(dep)

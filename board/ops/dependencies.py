"""A dependency's answers: the providing team accepts, proposes another iteration or declines;
either side marks it done or comments on it."""

from __future__ import annotations

from board import fields as f
from board.core import Op
from board.errors import IllegalTransition, Invalid
from board.model import (
    NO_FEATURE_WORK,
    Dependency,
    DependencyStatus,
    Feature,
    Iteration,
    Story,
    holds_feature_work,
)
from board.ops.core import Context, Tx, handles, need_version, only_args
from board.ops.cross_train import refuse_answer_here
from board.ops.schema import check_refs, clean
from board.roles import Actor, authorise


@handles("dependency.accept")
def _accept_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The provider answers: it will deliver with this feature / story (or, external, in this iteration)."""
    dep: Dependency = tx.require(Dependency, op.target, need_version(op))
    authorise(actor, op.type, _answering_team(dep))
    refuse_answer_here(dep)
    if dep.status == DependencyStatus.DONE:
        raise IllegalTransition("this dependency is done already")
    values = clean(
        "dependency",
        op.args,
        creating=False,
        only={"provider_feature_id", "provider_story_id", "promised_iteration_id"},
    )
    check_refs(tx, "dependency", values)
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
    only_args(
        op,
        {"promised_iteration_id", "answer"},
        "a proposal names the promised iteration and, if you like, an answer",
    )
    iteration_id = f.Ref("iteration", nullable=False).clean(
        "promised_iteration_id", op.args.get("promised_iteration_id")
    )
    iteration: Iteration = tx.require(Iteration, iteration_id)
    if not holds_feature_work(iteration):
        raise Invalid(f"{NO_FEATURE_WORK}; propose a development iteration")
    dep.promised_iteration_id = iteration.id
    dep.provider_feature_id = dep.provider_story_id = None
    dep.answer = f.Text(300).clean("answer", op.args.get("answer"))
    dep.status = DependencyStatus.PROPOSED
    tx.put(dep)


@handles("dependency.decline")
def _decline_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The providing team will not deliver it, and says why."""
    dep = _open_request(tx, op, actor)
    only_args(op, {"answer"}, "a decline takes only the answer: say why")
    dep.answer = f.Text(300, required=True).clean("answer", op.args.get("answer"))
    dep.promised_iteration_id = dep.provider_feature_id = dep.provider_story_id = None
    dep.status = DependencyStatus.DECLINED
    tx.put(dep)


def _open_request(tx: Tx, op: Op, actor: Actor) -> Dependency:
    """A dependency a providing team may still answer, checked to be that team's to answer."""
    dep: Dependency = tx.require(Dependency, op.target, need_version(op))
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
    dep: Dependency = tx.require(Dependency, op.target, need_version(op))
    authorise(actor, op.type, _answering_team(dep))
    refuse_answer_here(dep)
    dep.status = (
        DependencyStatus.DONE
        if f.Bool().clean("done", op.args.get("done", True))
        else DependencyStatus.ACCEPTED
    )
    tx.put(dep)


@handles("dependency.comment")
def _comment_dependency(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    dep: Dependency = tx.require(Dependency, op.target, need_version(op))
    authorise(actor, op.type, dep.requesting_team_id, dep.provider_team_id)
    dep.comment = f.Text(1000).clean("comment", op.args.get("comment"))
    tx.put(dep)

"""The PI objectives' business value, and the risks' ROAM (and the ROAM session's focus)."""

from __future__ import annotations

from board.core import Op
from board.model import Objective, Risk
from board.objectives import ACTUAL_BV, PLANNED_BV
from board.ops.core import Context, Tx, handles, need_version, only_args
from board.risks import roamed
from board.roles import Actor, authorise


@handles("objective.set_bv", "objective.set_actual_bv")
def _set_bv(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    obj: Objective = tx.require(Objective, op.target, need_version(op))
    name = "planned_bv" if op.type == "objective.set_bv" else "actual_bv"
    only_args(op, {"value"}, "business value is set with a single 'value'")
    setattr(
        obj, name, (PLANNED_BV if name == "planned_bv" else ACTUAL_BV).clean("value", op.args.get("value"))
    )
    tx.put(obj)


@handles("risk.roam")
def _roam(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    risk: Risk = tx.require(Risk, op.target, need_version(op))
    authorise(actor, op.type, risk.team_id)
    risk.roam, risk.owner = roamed(op.args.get("roam"), op.args.get("owner", risk.owner))
    tx.put(risk)


@handles("roam.focus")
def _roam_focus(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Point the ROAM session (on the big screen) at one risk, or end it with no target."""
    meta = tx.meta()
    if op.target is not None:
        tx.require(Risk, op.target)
    meta.roam_focus = op.target
    tx.put(meta)

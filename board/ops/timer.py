"""The agenda's timer: started on an agenda item, paused, resumed, extended, moved on, stopped."""

from __future__ import annotations

from board import fields as f
from board.core import Op
from board.errors import IllegalTransition
from board.model import AgendaItem, Meta, TimerStatus
from board.ops.core import Context, Tx, handles
from board.roles import Actor


@handles("timer.start")
def _timer_start(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta = tx.meta()
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
    meta = tx.meta()
    if meta.timer_status != TimerStatus.RUNNING or meta.timer_ends_at is None:
        raise IllegalTransition("the timer is not running")
    meta.timer_remaining = max(0.0, meta.timer_ends_at - ctx.now)
    meta.timer_status = TimerStatus.PAUSED
    meta.timer_ends_at = None
    tx.put(meta)


@handles("timer.resume")
def _timer_resume(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta = tx.meta()
    if meta.timer_status != TimerStatus.PAUSED:
        raise IllegalTransition("the timer is not paused")
    meta.timer_ends_at = ctx.now + (meta.timer_remaining or 0.0)
    meta.timer_remaining = None
    meta.timer_status = TimerStatus.RUNNING
    tx.put(meta)


@handles("timer.extend")
def _timer_extend(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta = tx.meta()
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
    meta = tx.meta()
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
    meta = tx.meta()
    meta.timer_status = TimerStatus.STOPPED
    meta.timer_ends_at = None
    meta.timer_remaining = None
    tx.put(meta)

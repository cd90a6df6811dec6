"""The room: what the big screen shows, "bring everyone here", and the help queue."""

from __future__ import annotations

from board import fields as f
from board.core import Op
from board.errors import IllegalTransition, Invalid
from board.model import HelpRequest, HelpStatus, Role, Team
from board.ops.core import Context, Tx, handles, only_args
from board.roles import Actor, authorise
from board.room import GATHER_VIEWS, HELPERS, ROTATE_SECONDS, parse_scene


@handles("screen.show")
def _screen_show(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The RTE chooses what the big screen shows; ``seconds`` is how long a rotation stays on a team,
    ``link`` the join link the join scene's QR code opens (the server checks it is a live one)."""
    only_args(
        op,
        {"scene", "seconds", "link"},
        "showing a scene takes the scene and, for a rotation, seconds, for the join scene a link",
    )
    meta = tx.meta()
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
    refusal = f"view must be one of {', '.join(GATHER_VIEWS)}"
    only_args(op, {"view"}, refusal)
    if view not in GATHER_VIEWS:
        raise Invalid(refusal)
    meta = tx.meta()
    meta.gather_view, meta.gather_at = view, ctx.now
    tx.put(meta)


@handles("help.ask")
def _help_ask(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    only_args(op, {"team_id", "needs", "note"}, "a help request takes the team, who is asked for and a note")
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
        raise Invalid(f"ask for one of: {', '.join(HELPERS.values())}")
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

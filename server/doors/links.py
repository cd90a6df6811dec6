"""REST door for join links: ``/api/boards/{board_id}/links`` (the RTE's) and ``/api/join``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from board import Actor, Role, roles
from board.errors import IllegalTransition, NotFound
from server.doors.boards import REFUSALS, join_url
from server.doors.deps import CurrentActor, Services, ServicesDep, limit_client
from server.doors.schemas import Joined, JoinIn, LinkCreate, LinkPublic, ParticipantPublic
from server.store.auth import JoinLink

router = APIRouter(prefix="/api/boards/{board_id}/links", tags=["join links"])
join_router = APIRouter(prefix="/api/join", tags=["join links"])


def require_rte(actor: Actor) -> None:
    roles.require_rte(actor, "manages join links")


def make_link(
    services: Services, board_id: str, actor: Actor, role: Role, team_id: str | None, label: str = ""
) -> JoinLink:
    """A new join link (the RTE's only); its token is in the answer and nowhere else."""
    require_rte(actor)
    if team_id is not None and team_id not in services.op_path.state(board_id).items["team"]:
        raise NotFound("no such team on this board")
    return services.auth.create_link(board_id, role, team_id, label)


def remake_link(services: Services, board_id: str, actor: Actor, link_id: str) -> JoinLink:
    """Replace a link (leaked, or shared too widely): the old one stops working, a new one is made."""
    require_rte(actor)
    old = next((link for link in services.auth.links(board_id) if link.id == link_id), None)
    if old is None:
        raise NotFound("no such join link on this board")
    if not old.revoked:
        services.auth.revoke(board_id, link_id)
    return make_link(services, board_id, actor, old.role, old.team_id, old.label)


def revoke_unless_last_rte(services: Services, board_id: str, actor: Actor, link_id: str) -> None:
    """Revoke a link; never the board's last RTE link, which would leave the event without its facilitator."""
    require_rte(actor)
    links = services.auth.links(board_id)
    target = next((link for link in links if link.id == link_id), None)
    active_rte = [link for link in links if link.role == Role.RTE and not link.revoked]
    if target is not None and target.role == Role.RTE and active_rte == [target]:
        raise IllegalTransition("this is the board's last RTE link: remake it instead of revoking it")
    services.auth.revoke(board_id, link_id)


def link_public(request: Request, link: JoinLink) -> LinkPublic:
    return LinkPublic(
        id=link.id,
        role=link.role,
        team_id=link.team_id,
        label=link.label,
        revoked=link.revoked,
        join_url=join_url(request, link.token) if link.token else None,
    )


@router.get("", response_model=list[LinkPublic], responses=REFUSALS)
def list_links(board_id: str, actor: CurrentActor, services: ServicesDep) -> list[LinkPublic]:
    require_rte(actor)
    return [
        LinkPublic(id=link.id, role=link.role, team_id=link.team_id, label=link.label, revoked=link.revoked)
        for link in services.auth.links(board_id)
    ]


@router.post("", response_model=LinkPublic, status_code=201, responses=REFUSALS)
def create_link(
    board_id: str, body: LinkCreate, request: Request, actor: CurrentActor, services: ServicesDep
) -> LinkPublic:
    """A new join link for one role (and team); its URL is shown once."""
    return link_public(request, make_link(services, board_id, actor, body.role, body.team_id, body.label))


@router.delete("/{link_id}", status_code=204, responses=REFUSALS)
def revoke_link(board_id: str, link_id: str, actor: CurrentActor, services: ServicesDep) -> None:
    """Revoke a link: everyone who joined with it loses access at their next request."""
    revoke_unless_last_rte(services, board_id, actor, link_id)


@router.post("/{link_id}/remake", response_model=LinkPublic, status_code=201, responses=REFUSALS)
def remake(
    board_id: str, link_id: str, request: Request, actor: CurrentActor, services: ServicesDep
) -> LinkPublic:
    """Revoke a link and make a new one for the same role and team; the new URL is shown once."""
    return link_public(request, remake_link(services, board_id, actor, link_id))


@join_router.post("", response_model=Joined, responses=REFUSALS)
def join(body: JoinIn, request: Request, services: ServicesDep) -> Joined:
    """Exchange a join token and a name for a session (send it as ``Authorization: Bearer …``).
    A client that sends the session it got from this link before gets the same participant back."""
    limit_client(services.joins, request, services)
    header = request.headers.get("authorization", "")
    earlier = header[7:].strip() if header.lower().startswith("bearer ") else None
    actor, session = services.auth.join(body.token, body.name, earlier, remote=body.remote)
    board_id = services.auth.link_for_token(body.token).board_id
    return Joined(
        board_id=board_id,
        participant=ParticipantPublic(id=actor.id, name=actor.name, role=actor.role, team_id=actor.team_id),
        session=session,
    )

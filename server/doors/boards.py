"""REST door for boards, their events and their ops: ``/api/boards``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from board.events import public_event
from board.forecast import forecast
from board.public import public_change, public_state
from board.summary import plan_summary
from server.doors.deps import CurrentActor, ServicesDep, get_services, limit_client
from server.doors.schemas import (
    BoardCreate,
    BoardCreated,
    BoardPublic,
    BoardRead,
    EventPublic,
    OpAck,
    OpIn,
    Refusal,
)
from server.errors import STATUS
from server.store.provision import create_board_with_rte, require_admin_token

router = APIRouter(prefix="/api/boards", tags=["boards"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Refusal, "description": code} for code, status in STATUS.items()
}


# Addresses a phone in the room can never reach: the server's own loopback.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def public_base(request: Request) -> str:
    """Where people reach this server: ``PIBOARD_PUBLIC_URL``, else the address this request used."""
    public_url: str = get_services(request).settings.public_url
    return public_url.rstrip("/") or str(request.base_url).rstrip("/")


def join_url(request: Request, token: str) -> str:
    """A join link as printed, copied and put in a QR code (every one of them reads this)."""
    return f"{public_base(request)}/join/{token}"


def unreachable_note(request: Request) -> str:
    """Why the join links this request is shown do not open on a phone, or "" when they should: with no
    ``PIBOARD_PUBLIC_URL`` they carry the address the page was opened with, and a loopback address is
    this machine's own."""
    host = (request.url.hostname or "").lower()
    if get_services(request).settings.public_url or host not in LOOPBACK_HOSTS:
        return ""
    return (
        f"Phones cannot reach {host}: these join links and QR codes only open on this machine. "
        "Set PIBOARD_PUBLIC_URL to the address people use (http://<this machine's IP>:<port>)."
    )


@router.get("", response_model=list[BoardPublic], responses=REFUSALS)
def list_boards(
    services: ServicesDep, x_admin_token: Annotated[str | None, Header()] = None
) -> list[BoardPublic]:
    """The boards on this server; where the operator set an admin token, only for its holder."""
    require_admin_token(services, x_admin_token, "listing the boards (header X-Admin-Token)")
    return [BoardPublic(id=b["id"], name=b["name"], seq=b["seq"]) for b in services.op_path.boards()]


@router.post("", response_model=BoardCreated, status_code=201, responses=REFUSALS)
def create_board(
    body: BoardCreate,
    request: Request,
    services: ServicesDep,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> BoardCreated:
    """Create a board; the answer holds the RTE's join link and session. Keep them safe."""
    require_admin_token(services, x_admin_token, "creating a board (header X-Admin-Token)")
    limit_client(services.new_boards, request, services)
    board_id, token, session = create_board_with_rte(
        services, body.name, body.pi_name, rte_name=body.rte_name, demo=body.demo
    )
    seq = services.op_path.state(board_id).seq
    return BoardCreated(
        board=BoardPublic(id=board_id, name=body.name, seq=seq),
        rte_join_url=join_url(request, token),
        rte_session=session,
    )


@router.get("/{board_id}", response_model=BoardRead, responses=REFUSALS)
def read_board(board_id: str, actor: CurrentActor, services: ServicesDep) -> BoardRead:
    """The whole board: every item (secret ballot values redacted) and everything derived from the plan."""
    state = services.op_path.state(board_id)
    return BoardRead(
        id=board_id,
        seq=state.seq,
        items=public_state(state),
        derived=plan_summary(state, services.clock.today()).to_dict(),
        problems=[p.public() for p in services.op_path.row_problems.of(board_id)],
    )


@router.get("/{board_id}/forecast", responses=REFUSALS)
def read_forecast(board_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The forecast of every planned feature, dependency and committed objective, the ART's
    predictability range, and each team's history it is drawn from (see docs/forecast.md)."""
    state = services.op_path.state(board_id)
    found = forecast(state, services.clock.today())
    return {"seq": state.seq, "today": services.clock.today().isoformat(), **found.to_dict()}


@router.get("/{board_id}/events", response_model=list[EventPublic], responses=REFUSALS)
def read_events(
    board_id: str,
    actor: CurrentActor,
    services: ServicesDep,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[EventPublic]:
    """Events after ``since``, in ``seq`` order: what a client missed."""
    state = services.op_path.state(board_id)
    return [
        EventPublic(**public_event(state, e)) for e in services.op_path.events_since(board_id, since, limit)
    ]


@router.post("/{board_id}/ops", response_model=OpAck, responses=REFUSALS)
async def post_op(board_id: str, body: OpIn, actor: CurrentActor, services: ServicesDep) -> OpAck:
    """Apply one op. Refused ops answer 4xx with a reason and change nothing."""
    services.limiter.check(actor.id)
    committed = await run_in_threadpool(services.op_path.submit, board_id, body.to_op(), actor)
    state = services.op_path.state(board_id)
    return OpAck(
        seq=committed.seq,
        client_op_id=committed.client_op_id,
        duplicate=committed.duplicate,
        changes=[public_change(state, c) for c in committed.changes],
    )

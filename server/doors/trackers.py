"""A board's tracker (Jira, Azure DevOps): the RTE's REST door ``/api/boards/{board}/tracker`` and the
trackers' own calls, ``/hooks/jira/{board}`` and ``/hooks/azure-devops/{board}``.

Connecting is the RTE's alone and is checked against the tracker before anything is stored: a wrong
token or URL is refused with the tracker's reason. No answer ever holds the token; the webhook's
secret is shown to the RTE, who gives it to the tracker.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board import Actor, Op, roles
from board.errors import Forbidden, IllegalTransition, Invalid, NotFound
from board.json_input import read_json
from server.doors.boards import REFUSALS
from server.doors.deps import CurrentActor, FormActor, Services, ServicesDep
from server.doors.op_input import op_from_fields
from server.doors.schemas import (
    OpIn,
    TrackerIn,
    TrackerLogLine,
    TrackerPreviewIn,
    TrackerPublic,
    TrackerSyncReport,
    WrittenBackPublic,
)
from server.errors import Unavailable
from server.store.sealed import Secret
from server.store.trackers import PRODUCT_LABELS, TrackerSettings, TrackerStatus
from server.transfer.jira_preview import JiraPreview
from server.watch.trackers.azure import verify_service_hook
from server.watch.trackers.errors import TrackerAuthError, TrackerError, TrackerUnreachable
from server.watch.trackers.jira import verify_jira_signature
from server.watch.trackers.push import PushPlan, PushReport
from server.watch.trackers.readers import open_reader
from server.watch.trackers.settings import check_token, tracker_settings
from server.watch.trackers.write_back import WrittenBack

router = APIRouter(prefix="/api/boards/{board_id}/tracker", tags=["tracker"])
hooks_router = APIRouter(prefix="/hooks", tags=["tracker"])
form_router = APIRouter(prefix="/b/{board_id}/tracker", tags=["pages"])

WHAT = "connects the board to a tracker"
CHECK_TIMEOUT_S = 5.0
T = TypeVar("T")
# The user name a service hook (Azure DevOps) sends with the board's hook secret as its password.
HOOK_USER = "piboard"
# The events after which the sync also looks for issues gone from its scope.
DELETE_EVENTS = frozenset({"jira:issue_deleted", "workitem.deleted"})


def hook_path(product: str, board_id: str) -> str:
    return f"/hooks/{'azure-devops' if product == 'azure' else 'jira'}/{board_id}"


def tracker_public(services: Services, status: TrackerStatus | None, base_url: str) -> TrackerPublic:
    if status is None:
        return TrackerPublic(connected=False)
    s = status.settings
    secret = services.trackers.credentials(status.board_id).hook_secret.reveal()
    return TrackerPublic(
        connected=True,
        product=s.product,
        product_label=PRODUCT_LABELS[s.product],
        url=s.url,
        user=s.user,
        scope=s.scope,
        choices=s.choices,
        interval_s=s.interval_s,
        write_back=s.write_back,
        state=status.state,
        message=status.message,
        reachable=status.reachable,
        last_synced_at=status.last_synced_at,
        last_attempt_at=status.last_attempt_at,
        webhook_url=base_url.rstrip("/") + hook_path(s.product, status.board_id),
        webhook_user=HOOK_USER if s.product == "azure" else "",
        webhook_secret=secret,
    )


def base_url(services: Services, request: Request) -> str:
    return services.settings.public_url or str(request.base_url)


def _check_with_tracker(settings: TrackerSettings, token: str) -> None:
    """Ask the tracker once with these settings: a wrong token, URL or scope is refused now. One try,
    a short wait: the RTE is waiting on the answer."""
    s = settings
    reader = open_reader(s.product, s.url, s.user, token, s.scope, timeout=CHECK_TIMEOUT_S, attempts=1)
    try:
        _tracker_call(lambda: reader.has_points())
    finally:
        reader.close()


def connect(services: Services, board_id: str, actor: Actor, body: TrackerIn) -> TrackerStatus:
    roles.require_rte(actor, WHAT)
    services.op_path.state(board_id)  # the board exists
    settings = tracker_settings(
        body.product, body.url, body.user, body.scope, body.choices, body.interval_s, body.write_back
    )
    before = services.trackers.status(board_id)
    token = check_token(body.token) if body.token else None
    if token is None and before is None:
        raise Invalid("give the token: a new connection needs it")
    if token is None:
        moved = before is not None and (before.settings.product, before.settings.url) != (
            settings.product,
            settings.url,
        )
        if moved:
            raise Invalid("give the token again: the tracker or its URL changed")
        token = services.trackers.credentials(board_id).token.reveal()
    _check_with_tracker(settings, token)
    return services.trackers.connect(board_id, settings, Secret(token) if body.token else None)


def _status(services: Services, board_id: str) -> TrackerStatus:
    status = services.trackers.status(board_id)
    if status is None:
        raise NotFound("this board is not connected to a tracker")
    return status


def first_preview(
    services: Services, board_id: str, actor: Actor, choices: list[str] | None
) -> tuple[JiraPreview, int]:
    """The first sync's preview (``choices``, when given, become the connection's) and how many issues
    were read."""
    roles.require_rte(actor, WHAT)
    status = _status(services, board_id)
    if status.first_synced:
        raise IllegalTransition("the first sync is applied: the board follows the tracker now")
    if choices is not None:
        s = status.settings
        settings = tracker_settings(s.product, s.url, s.user, s.scope, choices, s.interval_s, s.write_back)
        services.trackers.connect(board_id, settings, None)
    preview, first = _tracker_call(lambda: services.tracker_sync.first_preview(board_id, actor))
    return preview, len(first.issues)


def first_apply(services: Services, board_id: str, actor: Actor) -> dict[str, Any]:
    roles.require_rte(actor, WHAT)
    if _status(services, board_id).first_synced:
        raise IllegalTransition("the first sync is applied already")
    preview, applied = _tracker_call(lambda: services.tracker_sync.first_apply(board_id, actor))
    return {"counts": preview.counts(), "applied": applied}


def sync_now(services: Services, board_id: str, actor: Actor) -> TrackerSyncReport:
    roles.require_rte(actor, "syncs with the tracker")
    status = _status(services, board_id)
    if status.state != "syncing":
        raise IllegalTransition(
            "apply the first sync first" if status.state == "new" else f"the sync is paused: {status.message}"
        )
    report = services.tracker_watch.poll_if_free(board_id, reconcile=True)
    if report is None:
        raise IllegalTransition("this board is being synced right now: its changes show when that ends")
    return TrackerSyncReport.of(report)


def disconnect(services: Services, board_id: str, actor: Actor) -> None:
    """The items stay on the board with their keys; the tracker no longer owns anything."""
    roles.require_rte(actor, WHAT)
    if not services.trackers.disconnect(board_id):
        raise NotFound("this board is not connected to a tracker")


def _tracker_call(call: Callable[[], T]) -> T:
    """``call``, with the tracker's faults as the refusals a person reads."""
    try:
        return call()
    except TrackerAuthError as exc:
        raise Invalid(f"{exc.product} refused the token: {exc.message}") from None
    except TrackerUnreachable as exc:
        raise Unavailable(f"{exc.product} did not answer: {exc.message}") from None
    except TrackerError as exc:
        raise Invalid(f"{exc.product} refused: {exc.message}") from None


def _writing(services: Services, board_id: str, actor: Actor) -> TrackerStatus:
    roles.require_rte(actor, "writes the plan to the tracker")
    status = _status(services, board_id)
    if not status.settings.write_back:
        raise IllegalTransition(f"write-back to {status.product_name} is off: turn it on on Admin first")
    if status.state != "syncing":
        raise IllegalTransition("apply the first sync first")
    return status


def push_preview(services: Services, board_id: str, actor: Actor) -> PushPlan:
    _writing(services, board_id, actor)
    return _tracker_call(lambda: services.tracker_push.preview(board_id))


def push(services: Services, board_id: str, actor: Actor) -> PushReport:
    _writing(services, board_id, actor)
    return _tracker_call(lambda: services.tracker_push.push(board_id, actor))


def write_back(services: Services, board_id: str, actor: Actor, op: Op) -> WrittenBack:
    written = _tracker_call(lambda: services.tracker_write_back.write(board_id, op, actor))
    services.tracker_watch.wake()
    return written


# --- REST -------------------------------------------------------------------------------------------


@router.get("", response_model=TrackerPublic, responses=REFUSALS)
def read_tracker(
    board_id: str, request: Request, actor: CurrentActor, services: ServicesDep
) -> TrackerPublic:
    """The board's tracker connection and where its sync stands (never the token)."""
    roles.require_rte(actor, WHAT)
    return tracker_public(services, services.trackers.status(board_id), base_url(services, request))


@router.put("", response_model=TrackerPublic, responses=REFUSALS)
def put_tracker(
    board_id: str, body: TrackerIn, request: Request, actor: CurrentActor, services: ServicesDep
) -> TrackerPublic:
    """Connect the board (or change its connection): checked with the tracker before it is stored."""
    status = connect(services, board_id, actor, body)
    return tracker_public(services, status, base_url(services, request))


@router.delete("", status_code=204, responses=REFUSALS)
def delete_tracker(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Disconnect: the items stay on the board with their keys; the tracker no longer owns anything."""
    disconnect(services, board_id, actor)
    return Response(status_code=204)


@router.post("/preview", responses=REFUSALS)
def preview_tracker(
    board_id: str, body: TrackerPreviewIn, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """The first sync's preview: every issue in scope as the Jira import would take it."""
    preview, read = first_preview(services, board_id, actor, body.choices)
    return {**preview.to_dict(), "issues_read": read}


@router.post("/apply", responses=REFUSALS)
def apply_tracker(board_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Apply the first sync as previewed; polls follow from now on."""
    return first_apply(services, board_id, actor)


@router.post("/sync", response_model=TrackerSyncReport, responses=REFUSALS)
def sync_tracker(board_id: str, actor: CurrentActor, services: ServicesDep) -> TrackerSyncReport:
    """Poll now (and look for issues gone from the scope)."""
    return sync_now(services, board_id, actor)


@router.post("/push/preview", responses=REFUSALS)
def preview_push(board_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Every write "Write the plan to the tracker" would make now, per issue (write-back on, RTE)."""
    return push_preview(services, board_id, actor).to_dict()


@router.post("/push", responses=REFUSALS)
def push_plan(board_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Write the locked plan to the tracker: sprints, links, points, new issues; twice writes nothing."""
    return push(services, board_id, actor).to_dict()


@router.post("/write-back", response_model=WrittenBackPublic, responses=REFUSALS)
def write_back_op(board_id: str, body: OpIn, actor: CurrentActor, services: ServicesDep) -> WrittenBackPublic:
    """An edit refused because the tracker owns the field, written to the tracker instead (write-back on)."""
    written = write_back(services, board_id, actor, body.to_op())
    return WrittenBackPublic(key=written.key, text=written.text)


@form_router.post("/write-back", response_class=HTMLResponse)
async def write_back_form(
    board_id: str, request: Request, actor: FormActor, services: ServicesDep
) -> Response:
    """The same from a page: the refused form's fields, sent again by its "Write it to …" button."""
    form = await request.form()
    services.limiter.check(actor.id)
    op = op_from_fields(form.multi_items()).to_op()
    written = await run_in_threadpool(write_back, services, board_id, actor, op)
    return HTMLResponse(f'<p class="written-back" role="status">{escape(written.text)}</p>')


@router.get("/log", response_model=list[TrackerLogLine], responses=REFUSALS)
def tracker_log(board_id: str, actor: CurrentActor, services: ServicesDep) -> list[TrackerLogLine]:
    """What the sync did lately, newest first."""
    roles.require_rte(actor, WHAT)
    return [
        TrackerLogLine(at=line.at, kind=line.kind, text=line.text)
        for line in services.trackers.log_lines(board_id)
    ]


# --- the trackers' calls ------------------------------------------------------------------------------


def _hook_secret(services: Services, board_id: str, product: str, call: str) -> str:
    """The secret a tracker's call to the board must carry; refused when the board takes no such call."""
    status = services.trackers.status(board_id)
    if status is None or status.product_name != product:
        raise NotFound(f"this board takes no {product} {call}")
    return services.trackers.credentials(board_id).hook_secret.reveal()


async def _poll_at_once(services: Services, board_id: str, event: str) -> Response:
    """The tracker's call was the board's: its poll is due now (a delete also looks for issues gone)."""
    reconcile = event in DELETE_EVENTS
    now = services.tracker_watch.clock()
    await run_in_threadpool(services.trackers.poll_now, board_id, now, reconcile=reconcile)
    services.tracker_watch.wake()
    return Response(status_code=202)


async def _hook_body(request: Request) -> tuple[bytes, str]:
    body = await request.body()
    event = read_json(body, "the body")
    name = event.get("webhookEvent") or event.get("eventType") if isinstance(event, dict) else None
    return body, str(name or "")


@hooks_router.post("/jira/{board_id}", status_code=202, responses=REFUSALS)
async def jira_hook(
    board_id: str,
    request: Request,
    services: ServicesDep,
    x_hub_signature: Annotated[str | None, Header()] = None,
) -> Response:
    """A Jira webhook (signed with the board's secret): the board polls at once."""
    secret = await run_in_threadpool(_hook_secret, services, board_id, "Jira", "webhook")
    body, event = await _hook_body(request)
    if not verify_jira_signature(secret, body, x_hub_signature):
        raise Forbidden("the webhook's signature does not match this board's secret")
    return await _poll_at_once(services, board_id, event)


@hooks_router.post("/azure-devops/{board_id}", status_code=202, responses=REFUSALS)
async def azure_hook(
    board_id: str,
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """An Azure DevOps service hook (basic authentication, the board's secret): the board polls at once."""
    secret = await run_in_threadpool(_hook_secret, services, board_id, "Azure DevOps", "service hook")
    if not verify_service_hook(authorization, HOOK_USER, secret):
        raise Forbidden("the service hook's user name or password does not match this board's")
    _, event = await _hook_body(request)
    return await _poll_at_once(services, board_id, event)

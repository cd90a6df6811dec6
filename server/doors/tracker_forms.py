"""The board's tracker on its pages: the RTE's panel on Admin (``/b/{board}/tracker``) and the sync line
of every page that shows execution (``/b/{board}/tracker/line``).

The panel connects the board to Jira or Azure DevOps, previews and applies the first sync (the Jira
import's own preview, with its mapping choices), syncs now, shows the webhook to give the tracker,
the sync's log and the ownership rule, and disconnects. Every action is the REST door's own
(:mod:`server.doors.trackers`); these routes read a form and answer with the panel or a fragment.
A refusal is answered as the small refusal fragment, into the form's slot (its fields keep what was
typed); an answer that redraws the panel says so to htmx (``HX-Retarget``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from board import roles
from board.errors import Invalid
from board.tracker import OWNERSHIP
from server.doors.deps import BoardPanel, FormActor, Services, ServicesDep
from server.doors.panels import fragment_or_page
from server.doors.schemas import TrackerIn
from server.doors.trackers import (
    WHAT,
    base_url,
    connect,
    disconnect,
    first_apply,
    first_preview,
    push,
    push_preview,
    sync_now,
    tracker_public,
)
from server.pages.templating import templates
from server.pages.tracker_status import SyncLine, sync_line
from server.store.trackers import (
    DEFAULT_INTERVAL_S,
    MAX_INTERVAL_S,
    MIN_INTERVAL_S,
    PRODUCT_LABELS,
    TrackerStatus,
)
from server.watch.trackers.readers import SCOPE_FIELDS, family

form_router = APIRouter(prefix="/b/{board_id}/tracker", tags=["pages"])

DEFAULT_PRODUCT = "jira_cloud"
LOG_SHOWN = 30
# The scope settings typed one per line (the rest are one text each).
LISTED = frozenset({"area_paths"})
PANEL = "#tracker-panel"


def sync_line_of(services: Services, board_id: str) -> SyncLine | None:
    """The sync line of a board's pages (None: no tracker to speak of)."""
    return sync_line(services.trackers.status(board_id), services.tracker_watch.clock())


# --- the panel ---------------------------------------------------------------------------------------


def _fields(product: str, user: str, scope: dict[str, Any]) -> dict[str, Any]:
    """What the product's own fields show: the account (Jira Cloud) and the scope's settings."""
    return {
        "product": product,
        "user": user,
        "scope": {name: "\n".join(v) if isinstance(v, list) else v for name, v in scope.items()},
        "scope_fields": SCOPE_FIELDS[family(product)],
        "multiline": LISTED | {"jql", "wiql"},
    }


def _panel_context(services: Services, request: Request, board_id: str, note: str) -> dict[str, Any]:
    status = services.trackers.status(board_id)
    tracker = tracker_public(services, status, base_url(services, request))
    return {
        "board_id": board_id,
        "tracker": tracker,
        "product_name": status.product_name if status else "the tracker",
        "products": PRODUCT_LABELS,
        **_fields(tracker.product or DEFAULT_PRODUCT, tracker.user, tracker.scope),
        "interval": {
            "min": MIN_INTERVAL_S,
            "max": MAX_INTERVAL_S,
            "value": tracker.interval_s or DEFAULT_INTERVAL_S,
        },
        "sync_line": sync_line(status, services.tracker_watch.clock()),
        "log": services.trackers.log_lines(board_id, LOG_SHOWN) if status else [],
        "ownership": OWNERSHIP,
        "note": note,
    }


async def _panel(services: Services, request: Request, board_id: str, note: str = "") -> Response:
    context = await run_in_threadpool(_panel_context, services, request, board_id, note)
    response = templates.TemplateResponse(request, "parts/tracker_panel.html", context)
    # The webhook's secret is in it: never cached.
    response.headers["Cache-Control"] = "no-store"
    if request.method == "POST":
        response.headers.update({"HX-Retarget": PANEL, "HX-Reswap": "outerHTML"})
    return response


def _standing(status: TrackerStatus | None) -> tuple[str, bool] | None:
    """What the pages' sync line shows of a connection (nothing before its first sync)."""
    return None if status is None or not status.first_synced else (status.state, status.reachable)


def _tell_pages(services: Services, board_id: str, before: TrackerStatus | None) -> None:
    """A change the pages' sync line shows (paused to syncing, disconnected) reaches them at once."""
    if _standing(before) != _standing(services.trackers.status(board_id)):
        services.tracker_sync.on_status(board_id)


@form_router.get("", response_class=HTMLResponse)
async def tracker_panel(page: BoardPanel) -> Response:
    """The RTE's tracker panel (Admin loads it)."""
    roles.require_rte(page.actor, WHAT)
    return await fragment_or_page(page, await _panel(page.services, page.request, page.board_id), "Tracker")


@form_router.get("/fields", response_class=HTMLResponse)
async def tracker_fields(
    page: BoardPanel, product: Annotated[str, Query(max_length=20)] = DEFAULT_PRODUCT
) -> Response:
    """The fields of the product chosen in the panel's form (its account and scope)."""
    roles.require_rte(page.actor, WHAT)
    if product not in PRODUCT_LABELS:
        raise Invalid(f"the tracker is one of {', '.join(PRODUCT_LABELS)}")
    status = await run_in_threadpool(page.services.trackers.status, page.board_id)
    same = status is not None and family(status.settings.product) == family(product)
    kept = status.settings if status is not None and same else None
    context = _fields(product, kept.user if kept else "", kept.scope if kept else {})
    fragment = templates.TemplateResponse(page.request, "parts/tracker_fields.html", context)
    return await fragment_or_page(page, fragment, f"Tracker fields: {PRODUCT_LABELS[product]}")


# --- connecting -------------------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def tracker_in(form: FormData) -> TrackerIn:
    """The panel's form as the REST door's body; a refusal says what is wrong."""
    product = _text(form, "product")
    scope: dict[str, str | list[str]] = {}
    for name, _, _ in SCOPE_FIELDS[family(product)]:
        text = _text(form, f"scope.{name}")
        scope[name] = _lines(text) if name in LISTED else text.strip()
    interval = _text(form, "interval_s").strip()
    if not (interval.isdigit() and MIN_INTERVAL_S <= int(interval) <= MAX_INTERVAL_S):
        raise Invalid(f"poll every {MIN_INTERVAL_S}–{MAX_INTERVAL_S} seconds (a whole number)")
    try:
        return TrackerIn(
            product=product,
            url=_text(form, "url"),
            user=_text(form, "user") if product == "jira_cloud" else "",
            token=_text(form, "token"),
            scope=scope,
            choices=_lines(_text(form, "choices")),
            interval_s=int(interval),
            write_back=_text(form, "write_back") == "on",
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise Invalid(f"{where}: {error['msg']}") from None


@form_router.post("", response_class=HTMLResponse)
async def connect_form(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    """Connect (or change the connection): checked with the tracker before it is stored."""
    body = tracker_in(await request.form())
    before = await run_in_threadpool(services.trackers.status, board_id)
    status = await run_in_threadpool(connect, services, board_id, actor, body)
    await run_in_threadpool(_tell_pages, services, board_id, before)
    product = PRODUCT_LABELS[status.settings.product]
    note = (
        f"Connected to {product}: preview the first sync below, then apply it."
        if status.state == "new"
        else f"Saved; {product} took the settings."
    )
    return await _panel(services, request, board_id, note)


# --- the first sync ---------------------------------------------------------------------------------


def _choice_name(choice: str) -> str:
    return choice.split("=", 1)[0].strip().lower()


def _chosen(services: Services, board_id: str, form: FormData) -> list[str] | None:
    """The mapping the preview's form sends (its choices and default team) over the stored one, or None
    when it sends none (the first preview): each choice once, the one sent winning."""
    sent = [value for value in form.getlist("map") if isinstance(value, str)]
    default_team = form.get("map-default-team")
    if isinstance(default_team, str):
        sent.append(f"default-team={default_team}")
    if not sent:
        return None
    status = services.trackers.status(board_id)
    stored = status.settings.choices if status is not None else []
    return list({_choice_name(c): c for c in [*stored, *sent]}.values())


@form_router.post("/preview", response_class=HTMLResponse)
async def preview_form(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    """The first sync's preview: every issue in scope as the Jira import would take it."""
    choices = await run_in_threadpool(_chosen, services, board_id, await request.form())
    preview, read = await run_in_threadpool(first_preview, services, board_id, actor, choices)
    status = await run_in_threadpool(services.trackers.status, board_id)
    context = {
        "board_id": board_id,
        "preview": preview,
        "counts": preview.counts(),
        "applied": False,
        "issues_read": read,
        "product": status.product_name if status else "the tracker",
        "apply_url": f"/b/{board_id}/tracker/apply",
        "apply_label": "Apply the first sync",
    }
    return templates.TemplateResponse(request, "parts/tracker_preview.html", context)


@form_router.post("/apply", response_class=HTMLResponse)
async def apply_form(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    """Apply the first sync as previewed: the board follows the tracker from now on."""
    applied = await run_in_threadpool(first_apply, services, board_id, actor)
    counts = applied["counts"]
    note = (
        f"First sync applied: {counts['create']} created, {counts['update']} updated "
        f"({applied['applied']} changes). Polls follow from now on."
    )
    return await _panel(services, request, board_id, note)


# --- while it syncs ---------------------------------------------------------------------------------


@form_router.post("/sync", response_class=HTMLResponse)
async def sync_form(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    """Poll now (and look for issues gone from the scope)."""
    report = await run_in_threadpool(sync_now, services, board_id, actor)
    note = report.failed or f"Synced: {report.read} changed in the tracker, {report.applied} changes applied."
    return await _panel(services, request, board_id, note)


def _push_context(services: Services, board_id: str, **values: Any) -> dict[str, Any]:
    status = services.trackers.status(board_id)
    return {"board_id": board_id, "product": status.product_name if status else "the tracker", **values}


@form_router.post("/push/preview", response_class=HTMLResponse)
async def push_preview_form(
    board_id: str, request: Request, actor: FormActor, services: ServicesDep
) -> Response:
    """Every write "Write the plan" would make now, per issue, and the button that makes them."""
    plan = await run_in_threadpool(push_preview, services, board_id, actor)
    context = await run_in_threadpool(_push_context, services, board_id, plan=plan)
    return templates.TemplateResponse(request, "parts/tracker_push.html", context)


@form_router.post("/push", response_class=HTMLResponse)
async def push_form(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    """Write the plan to the tracker, as previewed; what was written, refused or left and why."""
    report = await run_in_threadpool(push, services, board_id, actor)
    context = await run_in_threadpool(_push_context, services, board_id, report=report)
    return templates.TemplateResponse(request, "parts/tracker_push.html", context)


@form_router.post("/disconnect", response_class=HTMLResponse)
async def disconnect_form(
    board_id: str, request: Request, actor: FormActor, services: ServicesDep
) -> Response:
    before = await run_in_threadpool(services.trackers.status, board_id)
    await run_in_threadpool(disconnect, services, board_id, actor)
    await run_in_threadpool(_tell_pages, services, board_id, before)
    note = "Disconnected: the items stay on the board with their keys; nothing is synced any more."
    return await _panel(services, request, board_id, note)


@form_router.get("/line", response_class=HTMLResponse)
async def sync_line_part(page: BoardPanel) -> Response:
    """The sync line, asked again by the pages that show it (empty: no tracker to speak of)."""
    line = await run_in_threadpool(sync_line_of, page.services, page.board_id)
    fragment = templates.TemplateResponse(
        page.request, "parts/sync_line.html", {"board_id": page.board_id, "sync_line": line}
    )
    return await fragment_or_page(page, fragment, "Tracker sync")

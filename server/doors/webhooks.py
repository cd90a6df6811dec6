"""The alerts webhook of a board (the RTE's): ``/api/boards/{board}/webhook`` and the form on the
ART sync page (``POST /b/{board}/webhook``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board import Actor, roles
from server.doors.boards import REFUSALS
from server.doors.deps import CurrentActor, FormActor, Services, ServicesDep
from server.doors.schemas import WebhookPublic, WebhookUpdate
from server.pages.templating import templates
from server.watch.webhooks import MAX_URL

router = APIRouter(prefix="/api/boards/{board_id}/webhook", tags=["webhook"])
form_router = APIRouter(prefix="/b/{board_id}/webhook", tags=["pages"])

WHAT = "sets the alerts webhook"


def webhook_public(services: Services, board_id: str) -> WebhookPublic:
    hooks = services.webhooks
    return WebhookPublic(url=hooks.url_of(board_id), deliveries=hooks.deliveries(board_id))


def _set(services: Services, board_id: str, actor: Actor, url: str) -> None:
    roles.require_rte(actor, WHAT)
    services.webhooks.set_url(board_id, url)


@router.get("", response_model=WebhookPublic, responses=REFUSALS)
def read_webhook(board_id: str, actor: CurrentActor, services: ServicesDep) -> WebhookPublic:
    """The webhook's URL and its last deliveries (each attempt, with the answer it got)."""
    roles.require_rte(actor, WHAT)
    return webhook_public(services, board_id)


@router.put("", response_model=WebhookPublic, responses=REFUSALS)
def put_webhook(
    board_id: str, body: WebhookUpdate, actor: CurrentActor, services: ServicesDep
) -> WebhookPublic:
    """Post the board's new alerts to ``url`` (a Slack or Microsoft Teams incoming webhook)."""
    _set(services, board_id, actor, body.url)
    return webhook_public(services, board_id)


@form_router.post("", response_class=HTMLResponse)
async def post_webhook_form(
    board_id: str,
    request: Request,
    actor: FormActor,
    services: ServicesDep,
    url: Annotated[str, Form(max_length=MAX_URL)] = "",
) -> Response:
    await run_in_threadpool(_set, services, board_id, actor, url)
    hook = await run_in_threadpool(webhook_public, services, board_id)
    return templates.TemplateResponse(
        request, "parts/webhook.html", {"board_id": board_id, "webhook": hook, "saved": True}
    )

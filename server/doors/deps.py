"""Dependencies shared by the routers, as ``Annotated`` aliases: every router reaches the process's
services, the person asking and the board through these.

- ``ServicesDep``: the long-lived parts of the process (storage, rate limits, webhooks, the clock, the
  trackers' sync).
- ``HubDep``: the live hub (who is here, on this process).
- ``CurrentActor``: who sends a REST request; a refusal is answered in JSON.
- ``BoardPage`` / ``BoardFragment``: a board's page or htmx fragment: the viewer, the board as it is
  and the services; a refusal (no session, another board's session, no such board, or one the route
  raises) is answered as the refused page or as the refusal fragment.
- ``BoardPanel``: a fragment a person may also open at its own address (server.doors.panels): a
  fragment to htmx, a page to a browser, refusals alike.
- ``FormActor``: who sends a page's form. A missing or wrong session is refused in JSON, as on the
  REST doors; what they sent is refused as a fragment, shown next to the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from board import Actor, BoardState
from server.clock import Clock
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.limits import RateLimiter
from server.doors.origin import client_address
from server.live.hub import Hub
from server.store.auth import session_cookie_name
from server.store.storage import Storage
from server.transfer.files import Baselines
from server.watch.trackers.push import TrackerPush
from server.watch.trackers.sync import TrackerSync
from server.watch.trackers.watch import TrackerWatch
from server.watch.trackers.write_back import TrackerWriteBack
from server.watch.webhooks import Webhooks


@dataclass
class Services(Storage):
    """The long-lived parts of one server process: its storage, and what the web doors add."""

    limiter: RateLimiter  # ops, per participant
    webhooks: Webhooks
    clock: Clock  # "today" for what the doors derive (where the PI stands)
    history_reads: RateLimiter  # per participant: each read may replay events
    exports: RateLimiter  # per participant: every export renders the whole board
    new_boards: RateLimiter  # per client address: boards made or imported
    joins: RateLimiter  # per client address: people joining by a link
    baselines: Baselines  # each board's baseline, replayed once for every export
    tracker_sync: TrackerSync  # the boards' sync with their trackers (Jira, Azure DevOps)
    tracker_watch: TrackerWatch  # polls each synced board when due; a webhook wakes it
    tracker_push: TrackerPush  # "Write the plan to the tracker" (write-back on)
    tracker_write_back: TrackerWriteBack  # a refused edit of a tracker-owned field, written there


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def limit_client(limiter: RateLimiter, request: HTTPConnection, services: Services) -> None:
    """Count the request against ``limiter`` by its client's address (``RateLimited`` past the limit)."""
    limiter.check(client_address(request, services.settings.proxies))


def session_of(request: HTTPConnection, board_id: str) -> str | None:
    """A program sends its session as a bearer token; a browser as the board's cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(session_cookie_name(board_id))


def current_actor(board_id: str, request: Request, services: ServicesDep) -> Actor:
    return services.auth.actor(board_id, session_of(request, board_id))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def form_actor(actor: CurrentActor, request: Request) -> Actor:
    answer_refusals_as(request, Answer.FRAGMENT)
    return actor


FormActor = Annotated[Actor, Depends(form_actor)]


@dataclass(frozen=True)
class Page:
    """What a board's page or fragment is made from: who asks, the board as it is now, the services."""

    request: Request
    services: Services
    actor: Actor
    state: BoardState

    @property
    def board_id(self) -> str:
        return self.state.board_id


async def load_page(board_id: str, request: Request, services: Services) -> Page:
    """The viewer and the board; refused without a session, with another board's, or without the board."""
    actor = await run_in_threadpool(services.auth.actor, board_id, session_of(request, board_id))
    state = await run_in_threadpool(services.op_path.state, board_id)
    return Page(request, services, actor, state)


async def board_page(board_id: str, request: Request, services: ServicesDep) -> Page:
    answer_refusals_as(request, Answer.PAGE)
    return await load_page(board_id, request, services)


async def board_fragment(board_id: str, request: Request, services: ServicesDep) -> Page:
    answer_refusals_as(request, Answer.FRAGMENT)
    return await load_page(board_id, request, services)


def asked_by_htmx(request: Request) -> bool:
    """An htmx request from a page (it sends ``HX-Request``), not a browser opening the address itself."""
    return request.headers.get("hx-request") == "true"


def answer_as_panel(request: Request) -> None:
    """A fragment a page loads into itself that a person may also open directly (a bookmark, a link
    opened in a new tab): refused as a fragment to htmx, as a whole page to a browser
    (server.doors.panels answers it the same way)."""
    answer_refusals_as(request, Answer.FRAGMENT if asked_by_htmx(request) else Answer.PAGE)


async def board_panel(board_id: str, request: Request, services: ServicesDep) -> Page:
    answer_as_panel(request)
    return await load_page(board_id, request, services)


BoardPage = Annotated[Page, Depends(board_page)]
BoardFragment = Annotated[Page, Depends(board_fragment)]
BoardPanel = Annotated[Page, Depends(board_panel)]

"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from board import Actor
from server.doors.limits import RateLimiter
from server.store.auth import session_cookie_name
from server.store.storage import Storage
from server.watch.webhooks import Webhooks


@dataclass
class Services(Storage):
    """The long-lived parts of one server process: its storage, and what the web doors add."""

    limiter: RateLimiter
    webhooks: Webhooks


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def session_of(request: HTTPConnection, board_id: str) -> str | None:
    """A program sends its session as a bearer token; a browser as the board's cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(session_cookie_name(board_id))


def current_actor(board_id: str, request: Request, services: ServicesDep) -> Actor:
    return services.auth.actor(board_id, session_of(request, board_id))


CurrentActor = Annotated[Actor, Depends(current_actor)]

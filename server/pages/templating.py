"""Jinja2 set-up: autoescaping on for every template, so user text is always inert; and ``may``,
the role rule of :mod:`board.roles` as every template asks it before it shows a control."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from board.errors import PiboardError
from board.labels import iteration_name
from board.model import Iteration, MilestoneKind, Role, StoryStatus
from board.roles import PLAN_LOCKED, Actor, held_by_lock, may
from server.errors import STATUS
from server.package_files import package_folder
from server.pages.cdn import CDN_SCRIPTS, loader_scripts
from server.pages.early_socket import EARLY_SOCKET_JS
from server.pages.static_files import StaticFolder

TEMPLATES_DIR = package_folder("templates")
STATIC_DIR = package_folder("static")
# What every page, and every board page, loads: served as one file each (base.html), in this order.
# A board page's scripts are two bundles (issue 28): what it waits for to be live (the live socket's
# script), fetched with the styles and htmx; and the editors, drag and drop, the strings, the menus and
# the timer, asked for only once the page is read (static/live-early.js), so that on a slow link they
# do not share the link with what the page waits for, nor hold back htmx's start (DOMContentLoaded).
BUNDLES = {
    "pages.css": ("piboard.css", "execution.css", "history.css"),
    "board-pages.css": ("piboard.css", "execution.css", "history.css", "meeting.css"),
    "board-live.js": ("live.js",),
    "board-ops.js": ("meeting.js", "confirm.js", "board.js", "typing.js", "room.js", "menu.js", "timer.js"),
}
# The static files under their hashed names (served at /static by server/app.py): templates name every
# file through static_url('board.js').
STATIC = StaticFolder(STATIC_DIR, bundles=BUNDLES)


def _htmx_source(request: Request) -> dict[str, Any]:
    """Whether base.html asks the CDN for htmx (``PIBOARD_HTMX_CDN``): decided here, once for every page
    response, so no page (home, join, a refusal) can miss the operator's setting."""
    services = getattr(request.app.state, "services", None)
    return {"htmx_cdn": services.settings.htmx_cdn if services is not None else True}


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_htmx_source])
templates.env.autoescape = True
# Templates ship with the package and never change under a running server: do not stat every
# template file at every render (a live broadcast renders dozens of parts per event).
templates.env.auto_reload = False
templates.env.globals["static_url"] = STATIC.url
templates.env.globals["cdn_scripts"] = CDN_SCRIPTS
templates.env.globals["cdn_loader"] = loader_scripts(STATIC.url)
templates.env.globals["early_socket_js"] = EARLY_SOCKET_JS
# Choices the templates offer come from the domain's own enums.
templates.env.globals["story_statuses"] = [(s.value, s.value.replace("_", " ")) for s in StoryStatus]
templates.env.globals["milestone_kinds"] = [(k.value, k.value.capitalize()) for k in MilestoneKind]


def iteration_short_name(iteration: Iteration) -> str:
    """Where room is short (a dependency's string, a table's head): the name, or "I3"."""
    return iteration.name or f"I{iteration.number}"


# An iteration's name as every page says it (board.labels), and its short form.
templates.env.filters["iteration_name"] = iteration_name
templates.env.filters["iteration_short_name"] = iteration_short_name


@dataclass(frozen=True)
class Viewer:
    """Who a page or a live fragment is rendered for: what ``may`` asks about."""

    actor: Actor
    locked: bool


# The viewer of the live fragments being rendered (server.pages.renderer sets it per audience), for
# templates rendered outside a page response, which carries its own ``viewer``.
_LIVE_VIEWER: ContextVar[Viewer | None] = ContextVar("live_viewer", default=None)


@contextmanager
def rendering_for(viewer: Viewer) -> Iterator[None]:
    token = _LIVE_VIEWER.set(viewer)
    try:
        yield
    finally:
        _LIVE_VIEWER.reset(token)


def live_viewer() -> Viewer | None:
    return _LIVE_VIEWER.get()


# A question a template asks ``may``: the op type, the teams, ``enabler`` and ``asked_for``.
Question = tuple[str, tuple[str | None, ...], bool | None, Role | None]

# While a live region is rendered, the questions it asks and their answers (server.pages.region_memo
# reuses the rendering for every audience that gets the same answers).
_ASKED: ContextVar[dict[Question, bool] | None] = ContextVar("asked", default=None)


@contextmanager
def noting_questions(asked: dict[Question, bool]) -> Iterator[None]:
    token = _ASKED.set(asked)
    try:
        yield
    finally:
        _ASKED.reset(token)


@functools.lru_cache(maxsize=8192)
def answer(viewer: Viewer, question: Question) -> bool:
    """The role rule's answer to a template's question, for ``viewer`` (a pure function of the two:
    kept, as a live broadcast asks the same questions for every audience and batch)."""
    op_type, teams, enabler, asked_for = question
    return may(viewer.actor, op_type, *teams, enabler=enabler, locked=viewer.locked, asked_for=asked_for)


@pass_context
def _may(
    context: Context,
    op_type: str,
    *teams: str | None,
    enabler: bool | None = None,
    asked_for: Role | None = None,
) -> bool:
    """``may("objective.update", o.team_id)`` in a template: whether this page's viewer could send it."""
    viewer: Any = context.get("viewer") or live_viewer()
    if not isinstance(viewer, Viewer):
        raise RuntimeError("a template asked 'may' without a viewer to ask about")
    question = (op_type, teams, enabler, asked_for)
    answered = answer(viewer, question)
    asked = _ASKED.get()
    if asked is not None:
        asked[question] = answered
    return answered


templates.env.globals["may"] = _may


@pass_context
def _lock_reason(context: Context) -> str:
    """Why this page's viewer may not change the plan now ("" when the lock does not hold them)."""
    viewer: Any = context.get("viewer") or live_viewer()
    if isinstance(viewer, Viewer) and held_by_lock(viewer.actor, viewer.locked):
        return PLAN_LOCKED[0].upper() + PLAN_LOCKED[1:] + "."
    return ""


templates.env.globals["lock_reason"] = _lock_reason


def _current_version(exc: PiboardError) -> int | None:
    """A stale edit's refusal carries the item as it is now: its version lets the person retry on it."""
    current = exc.detail.get("current")
    version = current.get("version") if isinstance(current, dict) else None
    return version if isinstance(version, int) else None


def refusal_fragment(request: Request, exc: PiboardError) -> Response:
    """The small HTML answer a refused form or htmx request shows next to what was refused."""
    return templates.TemplateResponse(
        request,
        "parts/refusal.html",
        {
            "reason": exc.reason,
            "code": exc.code,
            "version": _current_version(exc),
            # A board edit to what the tracker owns, which may be written there instead.
            "write_back_to": exc.detail.get("product") if exc.detail.get("write_back") else None,
        },
        status_code=STATUS.get(exc.code, 400),
    )

"""Jinja2 set-up: autoescaping on for every template, so user text is always inert."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from board.errors import PiboardError
from board.model import StoryStatus
from server.cdn import CDN_SCRIPTS
from server.errors import STATUS
from server.package_files import package_folder

TEMPLATES_DIR = package_folder("templates")
STATIC_DIR = package_folder("static")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True
templates.env.globals["cdn_scripts"] = CDN_SCRIPTS
# Choices the templates offer come from the domain's own enums.
templates.env.globals["story_statuses"] = [(s.value, s.value.replace("_", " ")) for s in StoryStatus]


def refusal_fragment(request: Request, exc: PiboardError) -> Response:
    """The small HTML answer a refused form or htmx request shows next to what was refused."""
    return templates.TemplateResponse(
        request,
        "parts/refusal.html",
        {"reason": exc.reason, "code": exc.code},
        status_code=STATUS.get(exc.code, 400),
    )

"""Fragments a page loads into itself (htmx) that a person may also open at their own address (a
bookmark, a link opened in a new tab, a shared URL): the history's past and compare, an item's story,
the tracker panel and its parts, the objective clarity hint, the screen's remote list, the people panel.

The one rule: a request that htmx sent (``HX-Request``) gets the fragment; any other gets a whole page
(base.html: its title, its language, the board's top bar) with the fragment in it. A route takes its
board through ``BoardPanel`` (a refusal answered the same way: a fragment to htmx, a page to a browser)
and answers through :func:`fragment_or_page`. tests/integration/test_fragment_pages.py opens every
fragment route without ``HX-Request``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.responses import Response
from markupsafe import Markup

from server.doors.deps import Page, asked_by_htmx
from server.doors.layout import page_context
from server.pages.templating import templates

# A page that shows the fragment in its own place (the Admin page holds the people panel).
Host = Callable[[Page, Markup], Awaitable[Response]]
# The view a fragment's own page names: no live renderer, so the fragment stays as it was fetched.
PANEL_VIEW = "panel"


async def fragment_or_page(page: Page, fragment: Response, title: str, host: Host | None = None) -> Response:
    """``fragment`` to htmx; else ``host``'s page with it, or the board's layout with it under ``title``."""
    if asked_by_htmx(page.request):
        return fragment
    html = Markup(bytes(fragment.body).decode())
    if host is not None:
        return await host(page, html)
    context = page_context(page, PANEL_VIEW)
    context.update(panel_title=title, panel=html)
    return templates.TemplateResponse(page.request, "panel.html", context, status_code=fragment.status_code)

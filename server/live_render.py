"""Live fragments: for each kind of page, the HTML an event sends to the browsers showing it.

A page registers a renderer for its view name (``program``, ``team``, ``screen``,
``objectives``, ``risks``, ``vote``, ``agenda``, ``admin``). The hub calls
:func:`render_update` once per view per batch of events and sends the same bytes to every
browser on that view, so a renderer must not depend on who is watching (role-specific
controls are shown or hidden by CSS on ``body[data-role]``; the server enforces roles anyway).
The HTML is a set of elements with ``hx-swap-oob`` that replace the parts the events changed.
"""

from __future__ import annotations

from collections.abc import Callable

from board import BoardState
from board.events import Committed

# (state after the events, the events, the view's argument e.g. a team id) -> HTML
Renderer = Callable[[BoardState, list[Committed], str | None], str]

RENDERERS: dict[str, Renderer] = {}


def renders(view: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[view] = fn
        return fn

    return register


# Parts one owner renders for other owners' views (the timer in every top bar, the vote and ROAM
# parts on the big screen): appended to the view's own fragments.
ALSO: dict[str, list[Renderer]] = {}


def renders_also(*views: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        for view in views:
            ALSO.setdefault(view, []).append(fn)
        return fn

    return register


def split_view(view: str) -> tuple[str, str | None]:
    """``team:abc`` → (``team``, ``abc``); ``program`` → (``program``, None)."""
    name, _, arg = view.partition(":")
    return name, arg or None


def render_update(view: str, state: BoardState, events: list[Committed]) -> str | None:
    name, arg = split_view(view)
    renderer = RENDERERS.get(name)
    parts = [renderer] if renderer else []
    parts += ALSO.get(name, [])
    if not parts:
        return None
    return "".join(part(state, events, arg) or "" for part in parts)

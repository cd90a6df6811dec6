"""Live fragments: for each kind of page, the HTML an event sends to the browsers showing it.

Every page kept live registers a renderer for its view name, one of :data:`LIVE_VIEWS`. The hub calls
:func:`render_update` once per view and *audience* per batch of events and sends the same bytes
to every browser of that audience on that view. An audience is a role (and a team member's team):
all that ``may``, the role rule the templates ask before they show a control, looks at. So a
renderer shows each audience exactly the controls the server would accept from it, and nothing
that depends on one person (their name, their ballot) may appear in a fragment.
The HTML is a set of elements with ``hx-swap-oob`` that replace the parts the events changed.
"""

from __future__ import annotations

from collections.abc import Callable

from board import Actor, BoardState, Role
from board.core import Committed
from server.pages.templating import Viewer, rendering_for

# (state after the events, the events, the view's argument e.g. a team id) -> HTML. With no events
# the view is being opened (:func:`prime`): a renderer may render what it keeps and returns nothing.
Renderer = Callable[[BoardState, list[Committed], str | None], str]

# The views a browser keeps live (a view is ``name`` or ``name:argument``): each has a renderer and
# the top bar. The views "bring everyone here" moves people to (board.room.GATHER_VIEWS) are some of them.
LIVE_VIEWS = ("program", "team", "screen", "objectives", "risks", "vote", "agenda", "admin", "history")
RENDERERS: dict[str, Renderer] = {}


def _live(views: tuple[str, ...]) -> None:
    unknown = [v for v in views if v not in LIVE_VIEWS]
    if unknown:
        raise ValueError(f"not a live view: {', '.join(unknown)} (server.pages.renderer.LIVE_VIEWS)")


def renders(view: str) -> Callable[[Renderer], Renderer]:
    _live((view,))

    def register(fn: Renderer) -> Renderer:
        RENDERERS[view] = fn
        return fn

    return register


# Parts one owner renders for other owners' views (the timer in every top bar, the vote and ROAM
# parts on the big screen): appended to the view's own fragments.
ALSO: dict[str, list[Renderer]] = {}


def renders_also(*views: str) -> Callable[[Renderer], Renderer]:
    _live(views)

    def register(fn: Renderer) -> Renderer:
        for view in views:
            ALSO.setdefault(view, []).append(fn)
        return fn

    return register


def split_view(view: str) -> tuple[str, str | None]:
    """``team:abc`` → (``team``, ``abc``); ``program`` → (``program``, None)."""
    name, _, arg = view.partition(":")
    return name, arg or None


Audience = tuple[Role, str | None]


def audience_of(view: str, actor: Actor) -> Audience:
    """What a fragment may depend on of its viewer: the role, and the team of a team member.
    The big screen never edits, whoever opened it: it is watched as an observer."""
    if split_view(view)[0] in READ_ONLY_VIEWS:
        return Role.OBSERVER, None
    return actor.role, actor.team_id if actor.role == Role.TEAM else None


READ_ONLY_VIEWS = frozenset({"screen"})


def screen_viewer() -> Actor:
    """Whom the big screen is rendered for."""
    return Actor(id="", name="", role=Role.OBSERVER)


def render_update(view: str, state: BoardState, events: list[Committed], audience: Audience) -> str | None:
    name, arg = split_view(view)
    renderer = RENDERERS.get(name)
    parts = [renderer] if renderer else []
    parts += ALSO.get(name, [])
    if not parts:
        return None
    role, team_id = audience
    viewer = Viewer(Actor(id="", name="", role=role, team_id=team_id), state.meta.locked)
    with rendering_for(viewer):
        return "".join(part(state, events, arg) or "" for part in parts)


def prime(view: str, state: BoardState, audience: Audience) -> None:
    """Render ``view`` for ``audience`` as the board is, when a browser opens it: the first edit after
    then renders only what it changed, not every region of the view before and after it."""
    if split_view(view)[0] in RENDERERS:
        render_update(view, state, [], audience)


def lock_changed(events: list[Committed]) -> bool:
    """Whether the batch locked or unlocked the plan: every control of every page may change, so
    browsers fetch their page again rather than patch it."""
    return any(
        c.kind == "meta" and (c.before or {}).get("locked") != (c.after or {}).get("locked")
        for e in events
        for c in e.changes
    )

"""View-models of the pages and their live renderers (registered with ``server.pages.renderer.renders``).

One module per page: ``program``, ``team``, ``screen`` (the big screen), the meeting's pages
(``objectives``, ``risks``, ``vote``, ``agenda``, ``admin``) and ``history``; and the parts on every
page: the countdown (``timer``) and the room's menus (``room``). Importing this package registers
every renderer.

Every renderer is stateless and viewer-independent (the same bytes go to every browser of a view
and audience): it renders its regions for the board before and after the batch and sends the ones
that differ (:mod:`server.pages.common`).
"""

# The room's menus register first: the parts a view shows besides its own keep the order they
# registered in, and the room's go before the countdown's in every fragment.
from server.pages import room

# isort: split
from server.pages import admin, agenda, history, objectives, program, risks, screen, team, timer, vote

__all__ = [
    "admin",
    "agenda",
    "history",
    "objectives",
    "program",
    "risks",
    "room",
    "screen",
    "team",
    "timer",
    "vote",
]

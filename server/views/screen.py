"""The big screen: read-only, legible from the back of the room, never needs a click.

It shows the program board in a compact form (titles, marks, load badges, strings) and the
counts a room asks about: conflicts, overloaded iterations, un-ROAMed risks, features at risk.
The timer, vote and ROAM parts belong to the event pages and are included when present.
"""

from __future__ import annotations

from board import BoardState
from board.events import Committed
from server.live_render import renders
from server.views.program import program_update


@renders("screen")
def render_screen(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return program_update(state, events, compact=True)

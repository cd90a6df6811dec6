"""Facilitating the room: what the big screen shows, "bring everyone here", and the help queue.

These are the RTE's tools for a room of 120 people (and the remote ones): the screen's scene is
chosen from the RTE's laptop, every open page can be moved to one view, and a team in breakout
asks for the System Architect, a Business Owner, Product Management or the RTE at its table.
"""

from __future__ import annotations

from board.errors import Invalid
from board.model import BoardState, HelpRequest, HelpStatus, Role

# What the big screen can show. ``team`` names its team: ``team:<team id>``.
SCENES: dict[str, str] = {
    "board": "Program board",
    "team": "One team",
    "rotate": "Teams in turn (breakouts)",
    "vote": "Confidence vote",
    "roam": "ROAM session",
    "agenda": "Agenda",
    "objectives": "Objectives by team",
    "forecast": "Forecast (least likely in time)",
    "help": "Help requests",
    "join": "Join (QR code)",
}
ROTATE_SECONDS = (10, 600)

# The views "bring everyone here" can move every open page to; ``team`` is each person's own team.
# Each is a view the pages keep live (server.pages.renderer.LIVE_VIEWS; tests/meeting checks it).
GATHER_VIEWS: dict[str, str] = {
    "program": "Program board",
    "team": "Their team's board",
    "objectives": "Objectives",
    "risks": "Risks",
    "vote": "Vote",
    "agenda": "Agenda",
}

# Who a team may ask for, in the words of the room.
HELPERS: dict[Role, str] = {
    Role.ARCHITECT: "System Architect",
    Role.BUSINESS_OWNER: "Business Owner",
    Role.PRODUCT_MANAGEMENT: "Product Management",
    Role.RTE: "RTE",
}


def parse_scene(value: object, state: BoardState) -> str:
    """A scene as stored: one of SCENES, ``team:<id>`` naming a team of the board."""
    if not isinstance(value, str):
        raise Invalid(f"scene must be one of {', '.join(SCENES)}")
    name, _, team_id = value.partition(":")
    if name not in SCENES:
        raise Invalid(f"scene must be one of {', '.join(SCENES)}")
    if name == "team":
        if not team_id or team_id not in state.items["team"]:
            raise Invalid("the team scene names a team of this board: team:<team id>")
        return f"team:{team_id}"
    if team_id:
        raise Invalid(f"the {name} scene takes no team")
    return name


def help_queue(state: BoardState) -> list[HelpRequest]:
    """Requests not yet closed, in the order they were asked (taken ones stay, with who is on it)."""
    open_ones = [h for h in state.of(HelpRequest).values() if h.status != HelpStatus.CLOSED]
    return sorted(open_ones, key=lambda h: (h.asked_at, h.id))

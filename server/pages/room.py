"""The room's shared parts, on every board page: the help queue and "bring everyone here".

They are rendered once per audience (server.pages.renderer): who may take or close a request is
``board.roles``' rule, which the templates ask (``may``) before they show its controls.
"""

from __future__ import annotations

from dataclasses import dataclass

from board import BoardState
from board.core import Committed
from board.model import HelpRequest, HelpStatus, Role, Team
from board.room import GATHER_VIEWS, HELPERS, SCENES, help_queue
from server.pages.common import Region, board_itself, changed_regions, render_part
from server.pages.renderer import LIVE_VIEWS, renders_also

# Every live view keeps the room's menus live but the history page, whose menus stay as it was loaded.
ROOM_VIEWS = tuple(v for v in LIVE_VIEWS if v != "history")


@dataclass(frozen=True)
class HelpRow:
    request: HelpRequest
    team: Team | None
    place: int  # 1-based position in the queue

    @property
    def who(self) -> str:
        return HELPERS.get(self.request.needs, self.request.needs.value)

    @property
    def taken(self) -> bool:
        return self.request.status == HelpStatus.TAKEN


@dataclass(frozen=True)
class HelpQueue:
    rows: list[HelpRow]
    teams: list[Team]
    helpers: dict[Role, str]

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.rows if not r.taken)


def help_view(state: BoardState) -> HelpQueue:
    rows = [HelpRow(h, state.get(Team, h.team_id), n) for n, h in enumerate(help_queue(state), start=1)]
    return HelpQueue(rows, state.teams, HELPERS)


def room_menu_context(state: BoardState) -> dict[str, object]:
    return {
        "meta": state.meta,
        "teams": state.teams,
        "scenes": SCENES,
        "gather_views": GATHER_VIEWS,
        "board_id": state.board_id,
    }


def room_regions(state: BoardState) -> list[Region]:
    queue = help_view(state)
    ctx = {"help": queue, "board_id": state.board_id, "oob": True}
    return [
        Region("help-panel", render_part("parts/help_menu.html", **ctx)),
        Region("gather", render_part("parts/gather.html", meta=state.meta, oob=True)),
        Region("room-panel", render_part("parts/room_menu.html", **room_menu_context(state), oob=True)),
    ]


@renders_also(*ROOM_VIEWS)
def room_update(state: BoardState, events: list[Committed], arg: str | None) -> str:
    # The same regions on every view: rendered as one view of their own.
    return changed_regions(state, events, "room", board_itself, room_regions)

"""The RTE's admin page: the checklist before the event, the PI and its iterations, the lock, the train."""

from __future__ import annotations

from board import BoardState
from board.core import Committed
from server.pages.common import Region, board_itself, changed_regions, render_part
from server.pages.renderer import renders
from server.pages.setup import admin_setup


def admin_regions(state: BoardState) -> list[Region]:
    ctx = {"board_id": state.board_id, "teams": state.teams, "oob": True, **admin_setup(state)}
    return [
        Region("admin-checklist", render_part("meeting/admin_checklist.html", **ctx)),
        Region("admin-pi", render_part("meeting/admin_pi.html", **ctx)),
        Region("admin-lock", render_part("meeting/admin_lock.html", **ctx)),
        Region("admin-train", render_part("meeting/admin_train.html", **ctx)),
    ]


@renders("admin")
def render_admin(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_regions(state, events, "admin", board_itself, admin_regions)

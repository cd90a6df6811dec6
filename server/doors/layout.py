"""What every board page's layout (base.html) is given: one place for the pages and the panels opened
at their own address."""

from __future__ import annotations

import time
from typing import Any

from board import BoardState
from board.model import Team
from board.roles import jira_import_refusal
from server.doors.deps import Page
from server.pages.room import help_view, room_menu_context
from server.pages.templating import Viewer
from server.pages.timer import timer_part


def page_context(page: Page, view: str, state: BoardState | None = None) -> dict[str, Any]:
    """What base.html needs on every board page (``state``: the board shown, when not the board now)."""
    services, actor = page.services, page.actor
    state = page.state if state is None else state
    teams = state.teams
    return {
        "board_id": state.board_id,
        "board_name": state.meta.name,
        "pi_name": state.meta.pi_name,
        "seq": state.seq,
        # When the page was rendered: a socket that connects after the clock changed what it shows
        # (an iteration closed) is told to fetch it again.
        "rendered_at": time.time(),
        "view": view,
        "actor": actor,
        "me_remote": services.auth.is_remote(state.board_id, actor.id),
        "role": actor.role.value,
        # Whom ``may`` asks about: every control on the page is shown only if the server would take it.
        "viewer": Viewer(actor, state.meta.locked),
        "may_import_jira": jira_import_refusal(actor) is None,
        "teams": teams,
        "my_team": state.get(Team, actor.team_id) if actor.team_id else None,
        "locked": state.meta.locked,
        "baseline_taken": state.meta.baseline_seq is not None,
        "timer": timer_part(state),
        "help": help_view(state),
        **room_menu_context(state),
    }

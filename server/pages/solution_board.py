"""The solution board's page and its big screen (``/s/{solution}/board``, ``/s/{solution}/screen``).

The board itself is derived by :func:`board.solution_board.solution_board` from the trains' boards; this
renders it. The page, its big screen and their live socket (server/doors/solution_socket.py) render the
one region, ``templates/solution/board.html``, with :func:`board_region`, so a live update shows exactly
what a reload would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from board.model import BoardState
from board.solution import Capability
from board.solution_board import SolutionBoard, solution_board
from server.live.protocol import solution_seqs_marker
from server.pages.common import MODELS, summary_of
from server.pages.templating import templates

# The board's region: on the page and the big screen, and (oob) as the live socket's update of them.
BOARD_PART = "solution/board.html"
VIEWS = ("board", "screen")


@dataclass(frozen=True)
class BoardPage:
    id: str
    name: str
    pi_name: str
    board: SolutionBoard
    seqs: dict[str, int]  # each train's board seq as read: what the page shows, for its socket's hello


def board_page(
    solution_id: str,
    name: str,
    pi_name: str,
    trains: Sequence[BoardState],
    capabilities: Sequence[Capability],
) -> BoardPage:
    """The solution board of ``trains`` (in joining order). Each train's plan summary is the one its own
    screens use (built once per state however many pages look)."""
    plans = [(state, MODELS.of(state, "summary", summary_of)) for state in trains]
    board = solution_board(plans, capabilities)
    return BoardPage(solution_id, name, pi_name, board, {s.board_id: s.seq for s in trains})


def board_context(page: BoardPage, view: str) -> dict[str, Any]:
    """What the board's region is rendered with: the page and the big screen differ in their layout."""
    return {
        "page": page,
        "board": page.board,
        "screen": view == "screen",
        "seqs_marker": Markup(solution_seqs_marker(page.seqs)),
    }


def board_region(page: BoardPage, view: str) -> str:
    """The live update of an open board page or big screen: each train's seq shown, then the region."""
    html = templates.env.get_template(BOARD_PART).render({**board_context(page, view), "oob": True})
    return solution_seqs_marker(page.seqs) + html

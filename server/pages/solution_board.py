"""The solution board's page and its big screen (``/s/{solution}/board``, ``/s/{solution}/screen``).

The board itself is derived by :func:`board.solution_board.solution_board` from the trains' boards; this
renders it. The page, its big screen and their live socket (server/doors/solution_socket.py) render the
one region, ``templates/solution/board.html``, with :func:`region_html`, so a live update shows exactly
what a reload would.

The board is the same for everyone of the solution (read-only, no control depends on a role), and it
depends only on the trains' boards as of their seqs, the solution's name and capabilities, and the day
(a dependency turns late with it). So every open board and big screen of a solution is sent the same
bytes after a change: the first to render them keeps them (a bounded saving, never the truth) and the
others take them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from board.model import BoardState
from board.solution import Capability
from board.solution_board import SolutionBoard, solution_board
from board.solution_plan import SolutionPlan
from server.clock import CLOCK
from server.lru import LRU
from server.pages.common import MODELS, summary_of
from server.pages.solution import solution_seqs_marker
from server.pages.solution_plan import screen_plan
from server.pages.templating import templates

# The board's region: on the page and the big screen, and (oob) as the live socket's update of them.
BOARD_PART = "solution/board.html"
# The big screen's side column for the Post-PI Planning room: objectives and BV, risks by ROAM, the vote.
PLAN_PART = "solution/screen_plan.html"
VIEWS = ("board", "screen")

# (solution, name, PI, each train's (board, seq), capabilities, day): everything the board shows.
BoardKey = tuple[str, str, str, tuple[tuple[str, int], ...], tuple[object, ...], datetime.date]


@dataclass(frozen=True)
class BoardPage:
    id: str
    name: str
    pi_name: str
    board: SolutionBoard
    seqs: dict[str, int]  # each train's board seq as read: what the page shows, for its socket's hello
    key: BoardKey
    version: int = 0  # the solution's own changes as read (not in the key: the board does not show it)


_PAGES: LRU[BoardKey, BoardPage] = LRU(32)
_REGIONS: LRU[tuple[BoardKey, str, bool], str] = LRU(64)


def board_page(
    solution_id: str,
    name: str,
    pi_name: str,
    trains: Sequence[BoardState],
    capabilities: Sequence[Capability],
) -> BoardPage:
    """The solution board of ``trains`` (in joining order). Each train's plan summary is the one its own
    screens use (built once per state however many pages look)."""
    seqs = tuple((s.board_id, s.seq) for s in trains)
    shown = tuple((c.id, c.title, tuple(sorted(c.features.items()))) for c in capabilities)
    key: BoardKey = (solution_id, name, pi_name, seqs, shown, CLOCK.today())
    page = _PAGES.get(key)
    if page is None:
        plans = [(state, MODELS.of(state, "summary", summary_of)) for state in trains]
        board = solution_board(plans, capabilities)
        page = BoardPage(solution_id, name, pi_name, board, dict(seqs), key)
        _PAGES.put(key, page)
    return page


def region_html(page: BoardPage, view: str, *, oob: bool = False) -> Markup:
    """The board's region for ``view`` (``board`` or ``screen``); ``oob`` as a live update swaps it."""
    found = _REGIONS.get((page.key, view, oob))
    if found is None:
        context = {"board": page.board, "screen": view == "screen", "oob": oob}
        found = templates.env.get_template(BOARD_PART).render(context)
        _REGIONS.put((page.key, view, oob), found)
    return Markup(found)


def plan_html(plan: SolutionPlan, *, oob: bool = False) -> Markup:
    """The big screen's Post-PI Planning column (``oob`` as a live update swaps it): the same for
    everyone, so it shows how many voted and never anyone's vote."""
    context = {"plan": screen_plan(plan), "oob": oob}
    return Markup(templates.env.get_template(PLAN_PART).render(context))


def board_context(page: BoardPage, view: str, plan: SolutionPlan | None = None) -> dict[str, Any]:
    """What the page and the big screen are rendered with (``plan``: the big screen's, its side column)."""
    return {
        "page": page,
        "region": region_html(page, view),
        "plan_part": plan_html(plan) if plan is not None else "",
        "seqs_marker": Markup(solution_seqs_marker(page.seqs, page.version)),
    }


def board_region(page: BoardPage, view: str, plan: SolutionPlan | None = None) -> tuple[str, ...]:
    """The live update of an open board page or big screen, part by part: each train's seq shown, the
    region, and the big screen's Post-PI Planning column (the socket sends the parts that changed)."""
    parts = (solution_seqs_marker(page.seqs, page.version), str(region_html(page, view, oob=True)))
    return (*parts, str(plan_html(plan, oob=True))) if plan is not None else parts

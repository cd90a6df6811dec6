"""Cross-train dependencies at the pages (docs/solution.md): what a dependency form offers to ask.

A dependency's provider list on the program board and a team's page offers, beside the train's own
teams, the teams of the other trains of its solution ("Other trains"), each as "<board>/<team>"
(server/doors/op_input.py turns that choice into ``provider_train``). The list is read when the page
opens (:func:`offer_other_trains`) and kept by board, so the page's live parts, rendered again on
every change, offer the same list as the page without reading the solution each time.
"""

from __future__ import annotations

from server.doors.deps import Services
from server.lru import LRU
from server.pages.templating import templates

OtherTrains = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

# board id -> its other trains and their teams, as last read when one of its pages opened.
_OFFERED: LRU[str, OtherTrains] = LRU(4096)


def offer_other_trains(services: Services, board_id: str) -> OtherTrains:
    """Read (and keep for the live parts) what ``board_id``'s dependency forms offer across trains."""
    offered = tuple((name, tuple(teams)) for name, teams in services.cross_train.other_teams(board_id))
    _OFFERED.put(board_id, offered)
    return offered


def other_trains(board_id: str) -> OtherTrains:
    """``other_trains(board.board_id)`` in a template: each other train's name and its teams."""
    return _OFFERED.get(board_id) or ()


templates.env.globals["other_trains"] = other_trains

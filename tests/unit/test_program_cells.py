"""A program-board cell's element id names its team and iteration without ambiguity: a feature moved
is sent as its two cells by id (server/pages/program.py), so two cells may never share one."""

from __future__ import annotations

from board.model import Iteration, Team
from server.pages.program import Cell


def cell(team: str, iteration: str) -> Cell:
    return Cell(Team(id=team, name=team), Iteration(id=iteration, name=iteration), [], None)


def test_ids_with_hyphens_name_different_cells() -> None:
    assert cell("a-b", "c").dom_id != cell("a", "b-c").dom_id
    assert cell("atlas", "it-2").dom_id == "cell-5-atlas-it-2"

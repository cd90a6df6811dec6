"""Fixtures: a created board, and a small plan of three teams and five iterations."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The project root, so that ``board`` imports without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plan_builder import Session


@pytest.fixture
def session() -> Session:
    """A board that has been created, and nothing else."""
    return Session().create_board()


@pytest.fixture
def plan(session: Session) -> Session:
    """Three teams, four two-week iterations plus IP, two full-time people per team."""
    for n in range(1, 5):
        session.iteration(f"i{n}", n)
    session.iteration("ip", 5, is_ip=True)
    for tid, colour in (("alpha", "#aa0000"), ("bravo", "#00aa00"), ("charlie", "#0000aa")):
        session.team(tid, color=colour)
        session.member(f"{tid}-dev1", tid)
        session.member(f"{tid}-dev2", tid)
    return session

from __future__ import annotations

import pytest
from exports_boards import baseline_and_current, rich_board

from board.model import BoardState


@pytest.fixture(scope="session")
def _rich() -> BoardState:
    return rich_board()


@pytest.fixture
def board(_rich: BoardState) -> BoardState:
    return _rich.copy()


@pytest.fixture(scope="session")
def baseline_pair() -> tuple[BoardState, BoardState]:
    return baseline_and_current()

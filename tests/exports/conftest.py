from __future__ import annotations

from collections.abc import Iterator

import pytest
from exports_boards import baseline_and_current, rich_board

from board.model import BoardState
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath


@pytest.fixture(scope="session")
def _rich() -> BoardState:
    return rich_board()


@pytest.fixture
def board(_rich: BoardState) -> BoardState:
    return _rich.copy()


@pytest.fixture(scope="session")
def baseline_pair() -> tuple[BoardState, BoardState]:
    return baseline_and_current()


@pytest.fixture(scope="module")
def op_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpPath]:
    """The op path on a real database file: imports are made the one way the doors make them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'imports.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield OpPath(engine)
    engine.dispose()

"""One live server per fuzz module (SQLite, or PostgreSQL with PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import BoardHandle, LiveServer, create_board, start_server


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    if os.environ.get("PIBOARD_TEST_DATABASE", "sqlite") == "postgres":
        url = str(request.getfixturevalue("postgres").create_database("fuzz"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'piboard.db'}"
    server = start_server(url, ops_per_second=1000.0, ops_burst=1000)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fuzz_board(fuzz_server: LiveServer) -> BoardHandle:
    board = create_board(fuzz_server, "Fuzz ART")
    s = board.rte_session
    for args in ({"name": "Alpha"}, {"number": 1, "name": "I1"}):
        kind = "team" if "name" in args and "number" not in args else "iteration"
        assert board.op(s, f"{kind}.create", args=args).status_code == 200
    return board

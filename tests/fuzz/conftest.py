"""One live server per fuzz module (SQLite, or PostgreSQL with PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BoardHandle, LiveServer, create_board, module_db_url, start_server


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    server = start_server(
        module_db_url(request, tmp_path_factory, "fuzz"), ops_per_second=1000.0, ops_burst=1000
    )
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

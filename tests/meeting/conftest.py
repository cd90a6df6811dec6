"""The small planned ART of the page tests, reused by the event-running tests; one server for each
module's tests that ask for ``live_server`` (each makes its own board on it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer, module_live_server
from tests.e2e.conftest import planned_board
from tests.e2e.ui_setup import ui_board

__all__ = ["live_server", "planned_board", "ui_board"]


@pytest.fixture(scope="module")
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from module_live_server(request, tmp_path_factory)

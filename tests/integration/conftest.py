"""One server for each module's tests (each test makes its own board on it): tests/conftest.py's
``module_live_server``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer, module_live_server


@pytest.fixture(scope="module")
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from module_live_server(request, tmp_path_factory)

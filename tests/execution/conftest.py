"""A server whose execution watch looks at the clock often, and the clock put back after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.clock import CLOCK, Clock
from tests.conftest import LiveServer, start_server


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield CLOCK
    CLOCK.reset()


@pytest.fixture(scope="module")
def watched_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db: Path = tmp_path_factory.mktemp("execution") / "piboard.db"
    server = start_server(
        f"sqlite:///{db}",
        ops_per_second=1000.0,
        ops_burst=1000,
        execution_tick=0.2,
        webhook_retry_delays=[0.05, 0.05, 0.05],
    )
    yield server
    server.stop()

"""Scale tests always run on PostgreSQL (the session's throwaway server, tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PostgresServer
from tests.scale.procs import ServerProcess, start_all


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    return postgres.create_database("scale")


@pytest.fixture
def three_processes(pg_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    processes = [ServerProcess(pg_url, tmp_path, name=f"p{i}") for i in range(3)]
    try:
        yield start_all(processes)
    finally:
        for p in processes:
            p.stop()

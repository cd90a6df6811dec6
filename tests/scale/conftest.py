"""Scale tests always run on PostgreSQL (the session's throwaway server, tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_server
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


@pytest.fixture
def two_processes(pg_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Two server processes on one database, with an edit budget small enough to reach in a test."""
    limits = {"PIBOARD_OPS_PER_SECOND": "1", "PIBOARD_OPS_BURST": "5"}
    processes = [ServerProcess(pg_url, tmp_path, name=f"p{i}", env_overrides=limits) for i in range(2)]
    try:
        yield start_all(processes)
    finally:
        for p in processes:
            p.stop()


@pytest.fixture
def two_servers(pg_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers in this process (each its own app, pool, hub and listen bridge) on one database."""
    a = start_server(pg_url, ops_per_second=1000.0, ops_burst=1000)
    b = start_server(pg_url, ops_per_second=1000.0, ops_burst=1000)
    yield a, b
    a.stop()
    b.stop()

"""Shared fixtures: a real piboard server (uvicorn on loopback, real SQLite file) and helpers to drive it."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from server.app import create_app
from server.cli import uvicorn_options
from server.clock import CLOCK, Clock
from server.settings import Settings, get_settings
from server.store.db import engine_url, upgrade
from tests.pg import PostgresServer, give_schema


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# One TLS context for every test client: httpx makes (and loads the CA bundle into) a new one per
# client otherwise, 30-80 ms each, and the tests make thousands of clients to talk plain HTTP.
TLS = ssl.create_default_context()


@dataclass
class LiveServer:
    """A piboard server running in this process, on its own port and database file."""

    url: str
    settings: Settings
    app: Any
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def services(self) -> Any:
        return self.app.state.services

    def client(self, session: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {session}"} if session else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=TLS)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


# Tests make boards and join them from one address far faster than people do; a test of those limits
# gives its own.
TEST_LIMITS: dict[str, Any] = {"boards_burst": 100_000, "joins_burst": 100_000}


_SQLITE_SCHEMA: list[Path] = []


def with_schema(database_url: str) -> None:
    """A database with no schema yet (no SQLite file, an empty PostgreSQL database) becomes a copy of one
    migrated once: a server's own migration costs ~1 s, and hundreds of tests start one. That a server
    migrates an empty or old database itself is tested by test_cli (``piboard serve``) and test_migrations."""
    if not database_url.startswith("sqlite"):
        give_schema(database_url)
        return
    path = Path(engine_url(database_url).database or "")
    if path.exists() or not path.is_absolute():
        return
    if not _SQLITE_SCHEMA:
        template = Path(tempfile.mkdtemp(prefix="piboard-schema-")) / "piboard.db"
        upgrade(f"sqlite:///{template}")
        _SQLITE_SCHEMA.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_SQLITE_SCHEMA[0], path)


def start_server(database_url: str, port: int | None = None, **overrides: Any) -> LiveServer:
    """Start a server; name the ``port`` to restart one where its browsers will look for it again."""
    with_schema(database_url)
    settings = Settings(
        database_url=database_url, secret_key="test-secret-" + "x" * 32, **{**TEST_LIMITS, **overrides}
    )
    app = create_app(settings)
    port = port or free_port()
    # As `piboard serve` runs it: our websocket protocol (deflate per connection, frames written at once).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **uvicorn_options(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("piboard test server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", settings, app, server, thread)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole test session (tests/pg.py); each user makes its own database."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """SQLite by default; a fresh PostgreSQL database per test with PIBOARD_TEST_DATABASE=postgres."""
    if os.environ.get("PIBOARD_TEST_DATABASE", "sqlite") == "postgres":
        return str(request.getfixturevalue("postgres").create_database())
    return f"sqlite:///{tmp_path / 'piboard.db'}"


def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """``db_url`` for a server that a whole module shares (a module-scoped fixture calls it)."""
    if os.environ.get("PIBOARD_TEST_DATABASE", "sqlite") == "postgres":
        return str(request.getfixturevalue("postgres").create_database(name))
    return f"sqlite:///{tmp_path_factory.mktemp(name) / 'piboard.db'}"


@pytest.fixture(scope="module")
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server for a module's tests, each of which makes its own board on it (``board``): a server's
    start and stop cost ~0.3 s a test. A test that needs a server of its own starts one (start_server)."""
    server = start_server(
        module_db_url(request, tmp_path_factory, "server"), ops_per_second=1000.0, ops_burst=1000
    )
    yield server
    server.stop()


# The tests' trackers (emulators) and webhook receivers listen on loopback, which the outbound guard
# refuses (server/watch/outbound.py): the tests that talk to them allow it with this fixture, the one
# place that sets the allow-list. A server process started during such a test inherits it.
LOOPBACK_ALLOWED = "127.0.0.1/32"


@pytest.fixture
def outbound_to_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PIBOARD_OUTBOUND_ALLOW", LOOPBACK_ALLOWED)
    get_settings.cache_clear()  # the guard reads the process's settings at each request
    yield
    get_settings.cache_clear()


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The server's clock (tests move it with ``travel_to``), put back after the test."""
    yield CLOCK
    CLOCK.reset()


@pytest.fixture(scope="module")
def watched_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose execution watch looks at the clock five times a second, so an iteration the
    clock closes shows on the open pages at once (and alerts webhooks retried quickly)."""
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


@dataclass
class BoardHandle:
    """A board on a live server, with the RTE's session and a way to join in other roles."""

    server: LiveServer
    id: str
    rte_session: str
    sessions: dict[str, str] = field(default_factory=dict)

    def rte(self) -> httpx.Client:
        return self.server.client(self.rte_session)

    def join(self, role: str, name: str, team_id: str | None = None) -> str:
        """A session for a new participant in ``role``, through a real join link."""
        with self.rte() as c:
            link = c.post(f"/api/boards/{self.id}/links", json={"role": role, "team_id": team_id})
            link.raise_for_status()
            token = link.json()["join_url"].rsplit("/", 1)[1]
            joined = c.post("/api/join", json={"token": token, "name": name})
            joined.raise_for_status()
            return str(joined.json()["session"])

    def op(self, session: str, type: str, **body: Any) -> httpx.Response:
        with self.server.client(session) as c:
            return c.post(f"/api/boards/{self.id}/ops", json={"type": type, **body})

    def read(self) -> dict[str, Any]:
        with self.rte() as c:
            r = c.get(f"/api/boards/{self.id}")
            r.raise_for_status()
            return dict(r.json())


def create_board(server: LiveServer, name: str = "Test ART", demo: bool = False) -> BoardHandle:
    with server.client() as c:
        r = c.post("/api/boards", json={"name": name, "demo": demo})
        r.raise_for_status()
        body = r.json()
    return BoardHandle(server, body["board"]["id"], body["rte_session"])


@pytest.fixture
def board(live_server: LiveServer) -> BoardHandle:
    return create_board(live_server)


# The browser fixtures, for every test directory (imported last: tests.browser imports this module).
from tests.browser import browser, e2e_server, page_as, playwright_driver  # noqa: E402, F401

"""A board on a real database file, connected to an emulated tracker, and the sync between them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from board import Actor, Op
from board.roles import Role
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from server.store.sealed import Sealer, Secret
from server.store.trackers import TrackerSettings, TrackerStatus, TrackerStore
from server.watch.trackers.readers import TrackerReader, open_reader
from server.watch.trackers.sync import ReaderFactory, TrackerSync
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.jira_emulator import JiraEmulator

RTE = Actor("rte-1", "Rita", Role.RTE)


@dataclass
class Synced:
    op_path: OpPath
    store: TrackerStore
    sync: TrackerSync
    board_id: str

    def state(self):  # type: ignore[no-untyped-def]
        return self.op_path.state(self.board_id)

    def item(self, key: str):  # type: ignore[no-untyped-def]
        state = self.state()
        for kind in ("story", "feature"):
            for item in state.items[kind].values():
                if item.external_key == key:
                    return item
        return None

    def start_execution(self) -> None:
        meta = self.state().meta
        self.op_path.submit(self.board_id, Op("baseline.take", None, None, {}, "t-baseline"), RTE)
        self.op_path.submit(self.board_id, Op("execution.start", None, None, {}, "t-start"), RTE)
        assert meta is not None


@pytest.fixture
def op_path(tmp_path: Path) -> Iterator[OpPath]:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield OpPath(engine)
    engine.dispose()


@pytest.fixture
def store(op_path: OpPath) -> TrackerStore:
    return TrackerStore(op_path.engine, Sealer("a test server's secret key, long enough"))


@pytest.fixture
def jira() -> Iterator[JiraEmulator]:
    emulator = JiraEmulator("cloud")
    emulator.add_project("ATL")
    start = date.today() - timedelta(days=3)
    emulator.sprint1 = emulator.add_sprint("Sprint 1", state="active", start=start, end=start + timedelta(14))  # type: ignore[attr-defined]
    emulator.sprint2 = emulator.add_sprint(  # type: ignore[attr-defined]
        "Sprint 2", state="future", start=start + timedelta(14), end=start + timedelta(28)
    )
    with emulator.running():
        yield emulator


@pytest.fixture
def azure() -> Iterator[AzureEmulator]:
    emulator = AzureEmulator()
    with emulator.running():
        yield emulator


def quick_reader(waits: list[float] | None = None, **client_options: object) -> ReaderFactory:
    """The real reader over HTTP, with the client's waits recorded in ``waits`` instead of slept, and
    ``client_options`` (a short timeout, fewer attempts)."""

    def factory(status: TrackerStatus, token: str) -> TrackerReader:
        s = status.settings
        sleep = (waits if waits is not None else []).append
        return open_reader(s.product, s.url, s.user, token, s.scope, sleep=sleep, **client_options)

    return factory


def _connect(
    op_path: OpPath, store: TrackerStore, token: str, values: dict[str, object], reader: ReaderFactory | None
) -> Synced:
    board_id = op_path.create_board("Rocket ART", RTE)
    store.connect(board_id, TrackerSettings(**values), Secret(token))  # type: ignore[arg-type]
    return Synced(op_path, store, TrackerSync(op_path, store, reader=reader or quick_reader()), board_id)


def connect_jira(
    op_path: OpPath,
    store: TrackerStore,
    jira: JiraEmulator,
    *,
    reader: ReaderFactory | None = None,
    **settings: object,
) -> Synced:
    values = {
        "product": "jira_cloud",
        "url": jira.base_url,
        "user": jira.email,
        "scope": {"jql": "project = ATL"},
        "choices": [],
        **settings,
    }
    return _connect(op_path, store, jira.token, values, reader)


def connect_azure(
    op_path: OpPath,
    store: TrackerStore,
    azure: AzureEmulator,
    *,
    reader: ReaderFactory | None = None,
    **settings: object,
) -> Synced:
    assert azure.token is not None
    values = {
        "product": "azure",
        "url": azure.url,
        "user": "",
        "scope": {"project": azure.project, "area_paths": [], "wiql": ""},
        "choices": [],
        **settings,
    }
    return _connect(op_path, store, azure.token, values, reader)

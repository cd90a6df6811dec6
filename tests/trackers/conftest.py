"""A board on a real database file, connected to an emulated tracker, and the sync between them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from board import Actor, BoardState, Op
from board.roles import Role
from server.store.db import make_engine
from server.store.op_path import OpPath
from server.store.sealed import Sealer, Secret
from server.store.trackers import TrackerSettings, TrackerStatus, TrackerStore
from server.transfer.jira_items import keyed_items
from server.watch.trackers.readers import TrackerReader, open_reader
from server.watch.trackers.sync import ReaderFactory, TrackerSync
from tests.conftest import with_schema
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.jira_emulator import POINTS_NAME, Flavour, JiraEmulator

RTE = Actor("rte-1", "Rita", Role.RTE)
SPRINT_START = date.today() - timedelta(days=3)  # sprint 1 runs now; sprint 2 follows


@dataclass
class Synced:
    op_path: OpPath
    store: TrackerStore
    sync: TrackerSync
    board_id: str

    def state(self) -> Any:
        """The board now (Any, like :meth:`item`: tests read its items' fields directly)."""
        return self.op_path.state(self.board_id)

    def item(self, key: str) -> Any:
        """The feature or story linked to ``key``, or None (Any: a test reads its fields directly)."""
        return next((item for item in keyed_items(self.state()) if item.external_key == key), None)

    def read_with(self, reader: ReaderFactory, **options: Any) -> None:
        """From now on the sync reads with ``reader`` (``options``: the sync's clock)."""
        self.sync = TrackerSync(self.op_path, self.store, reader=reader, **options)

    def status(self) -> TrackerStatus:
        status = self.store.status(self.board_id)
        assert status is not None
        return status

    def lock(self, locked: bool = True) -> None:
        op = "plan.lock" if locked else "plan.unlock"
        self.op_path.submit(self.board_id, Op(op, None, None, {}, f"t-{op}-{self.state().seq}"), RTE)

    def race_next_read(self, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Right after the sync next reads the board, a person re-plans ``key``'s story: the sync's ops
        are then stale, as when an edit lands while a poll builds them."""
        read = self.op_path.state

        def read_then_edit(board_id: str) -> BoardState:
            state = read(board_id)
            monkeypatch.setattr(self.op_path, "state", read)
            story = self.item(key)
            args = {"iteration_id": None}
            self.op_path.submit(board_id, Op("story.update", story.id, story.version, args, "t-race"), RTE)
            return state

        monkeypatch.setattr(self.op_path, "state", read_then_edit)

    def start_execution(self) -> None:
        self.op_path.submit(self.board_id, Op("baseline.take", None, None, {}, "t-baseline"), RTE)
        self.op_path.submit(self.board_id, Op("execution.start", None, None, {}, "t-start"), RTE)


@pytest.fixture(autouse=True)
def _emulators_on_loopback(outbound_to_loopback: None) -> None:
    """The emulated trackers listen on 127.0.0.1."""


@pytest.fixture
def op_path(tmp_path: Path) -> Iterator[OpPath]:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    with_schema(url)  # a copy of a database migrated once
    engine = make_engine(url)
    yield OpPath(engine)
    engine.dispose()


@pytest.fixture
def store(op_path: OpPath) -> TrackerStore:
    return TrackerStore(op_path.engine, Sealer("a test server's secret key, long enough"))


@contextmanager
def jira_site(flavour: Flavour) -> Iterator[JiraEmulator]:
    """A Jira site with project ATL, its sprint 1 running now and sprint 2 next."""
    emulator = JiraEmulator(flavour)
    emulator.add_project("ATL")
    start = SPRINT_START
    emulator.sprint1 = emulator.add_sprint("Sprint 1", state="active", start=start, end=start + timedelta(14))  # type: ignore[attr-defined]
    emulator.sprint2 = emulator.add_sprint(  # type: ignore[attr-defined]
        "Sprint 2", state="future", start=start + timedelta(14), end=start + timedelta(28)
    )
    with emulator.running():
        yield emulator


@pytest.fixture
def jira() -> Iterator[JiraEmulator]:
    with jira_site("cloud") as emulator:
        yield emulator


@pytest.fixture
def jira_dc() -> Iterator[JiraEmulator]:
    with jira_site("datacenter") as emulator:
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
    cloud = jira.flavour == "cloud"
    values = {
        "product": "jira_cloud" if cloud else "jira_dc",
        "url": jira.base_url,
        "user": jira.email if cloud else "",
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


# --- one tracker or the other, as a test drives it ---------------------------------------------------


class JiraSide:
    """Jira as the outcome and fault tests drive it (the same methods as :class:`AzureSide`). Keys are
    the board's external keys: Jira's "ATL-1", Azure DevOps' id as text."""

    product = "Jira"

    def __init__(self, jira: JiraEmulator) -> None:
        self.jira = jira
        self.sprints: list[int] = [jira.sprint1, jira.sprint2]  # type: ignore[attr-defined]

    @property
    def token(self) -> str:
        return self.jira.token

    def plan(self) -> dict[str, str]:
        """Atlas's feature with stories "one" (5 points) and "two" (3), and Zephyr's "ledger", in sprint 1."""
        feature = self.jira.add_issue("ATL", "Checkout", issue_type="Epic", team="Atlas")
        return {
            "feature": feature,
            "one": self._story("Pay by card", "Atlas", 5, parent=feature),
            "two": self._story("Pay by invoice", "Atlas", 3, parent=feature),
            "ledger": self._story("Ledger API", "Zephyr", 2),
        }

    def _story(self, title: str, team: str, points: float, parent: str | None = None) -> str:
        return self.jira.add_issue(
            "ATL", title, points=points, team=team, sprint=self.sprints[0], parent=parent
        )

    def connect(
        self, op_path: OpPath, store: TrackerStore, *, reader: ReaderFactory | None = None, **settings: Any
    ) -> Synced:
        return connect_jira(op_path, store, self.jira, reader=reader, **settings)

    def add_story(self, title: str, team: str, points: float) -> str:
        return self._story(title, team, points)

    def set_done(self, key: str) -> None:
        self.jira.set_status(key, "Done", "done")

    def set_points(self, key: str, points: float) -> None:
        self.jira.update(key, points=points)

    def retitle(self, key: str, title: str) -> None:
        self.jira.update(key, summary=title)

    def move_to_sprint_2(self, key: str) -> None:
        self.jira.move_to_sprint(key, self.sprints[1])

    def rename_sprint_1(self, name: str) -> None:
        self.jira.rename_sprint(self.sprints[0], name)

    def remove_points_field(self) -> None:
        self.jira.remove_field(POINTS_NAME[self.jira.flavour])

    def delete(self, key: str) -> None:
        self.jira.delete(key)

    def move_out_of_scope(self, key: str) -> None:
        self.jira.move_to_project(key, "OUT")

    def rate_limit(self, times: int, retry_after_s: int) -> None:
        self.jira.rate_limit(times, retry_after_s)

    def outage(self, times: int | None) -> None:
        self.jira.outage(times)

    def recover(self) -> None:
        self.jira.clear_faults()

    def hang(self, seconds: float, times: int) -> None:
        self.jira.hang(seconds, times)

    def revoke(self) -> None:
        self.jira.revoke(401)

    def rotate_token(self, token: str) -> None:
        """The product takes ``token`` from now on, and no longer the old one."""
        self.jira.token = token
        self.jira.clear_faults()


AREAS = ["Rocket\\Atlas", "Rocket\\Zephyr", "Rocket\\Nova"]  # the board's scope: its teams' areas


class AzureSide:
    product = "Azure DevOps"

    def __init__(self, azure: AzureEmulator) -> None:
        self.azure = azure
        self.sprints = ["Rocket\\PI 1\\Sprint 1", "Rocket\\PI 1\\Sprint 2"]
        for n, path in enumerate(self.sprints):
            start = SPRINT_START + timedelta(days=14 * n)
            azure.add_iteration(path, start, start + timedelta(days=13))

    @property
    def token(self) -> str:
        assert self.azure.token is not None
        return self.azure.token

    def plan(self) -> dict[str, str]:
        feature = self.azure.add("Checkout", type="Feature", area=AREAS[0], iteration=self.sprints[0])
        return {
            "feature": str(feature),
            "one": self._story("Pay by card", "Atlas", 5, parent=feature),
            "two": self._story("Pay by invoice", "Atlas", 3, parent=feature),
            "ledger": self._story("Ledger API", "Zephyr", 2),
        }

    def _story(self, title: str, team: str, points: float, parent: int | None = None) -> str:
        area = f"Rocket\\{team}"
        return str(self.azure.add(title, area=area, iteration=self.sprints[0], points=points, parent=parent))

    def connect(
        self, op_path: OpPath, store: TrackerStore, *, reader: ReaderFactory | None = None, **settings: Any
    ) -> Synced:
        scope = {"project": self.azure.project, "area_paths": AREAS, "wiql": ""}
        return connect_azure(op_path, store, self.azure, reader=reader, **{"scope": scope, **settings})

    def add_story(self, title: str, team: str, points: float) -> str:
        return self._story(title, team, points)

    def set_done(self, key: str) -> None:
        self.azure.set_state(int(key), "Closed")

    def set_points(self, key: str, points: float) -> None:
        self.azure.update(int(key), points=points)

    def retitle(self, key: str, title: str) -> None:
        self.azure.update(int(key), title=title)

    def move_to_sprint_2(self, key: str) -> None:
        self.azure.move_iteration(int(key), self.sprints[1])

    def rename_sprint_1(self, name: str) -> None:
        self.azure.rename_iteration(self.sprints[0], name)

    def remove_points_field(self) -> None:
        self.azure.remove_field(self.azure.points_field)

    def delete(self, key: str) -> None:
        self.azure.delete(int(key))

    def move_out_of_scope(self, key: str) -> None:
        self.azure.move_area(int(key), "Rocket\\Elsewhere")

    def rate_limit(self, times: int, retry_after_s: int) -> None:
        self.azure.rate_limit(times, retry_after_s)

    def outage(self, times: int | None) -> None:
        self.azure.outage(times)

    def recover(self) -> None:
        self.azure.recover()

    def hang(self, seconds: float, times: int) -> None:
        self.azure.hang(seconds, times)

    def revoke(self) -> None:
        self.azure.revoke()

    def rotate_token(self, token: str) -> None:
        self.azure.grant(token)


Side = JiraSide | AzureSide


@pytest.fixture(params=["jira", "jira_dc", "azure"])
def side(request: pytest.FixtureRequest) -> Side:
    """Each test that takes it runs against Jira Cloud, Jira Data Center and Azure DevOps."""
    if request.param == "azure":
        return AzureSide(request.getfixturevalue("azure"))
    return JiraSide(request.getfixturevalue(request.param))


@pytest.fixture
def waits() -> list[float]:
    """What the clients of ``planned`` were told to wait (retries), in order."""
    return []


@pytest.fixture
def planned(
    op_path: OpPath, store: TrackerStore, side: Side, waits: list[float]
) -> tuple[Synced, dict[str, str]]:
    """``side``'s plan, first-synced onto a new board; its client's waits go to ``waits``."""
    keys = side.plan()
    board = side.connect(op_path, store, reader=quick_reader(waits))
    board.sync.first_apply(board.board_id, RTE)
    return board, keys

"""Alerts posted once, whichever of several server processes on one PostgreSQL database notices them."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from server.clock import CLOCK, Clock
from server.store.db import make_engine
from server.store.op_path import OpPath
from server.watch.webhooks import Webhooks
from tests.conftest import start_server
from tests.execution.rocket import rocket
from tests.execution.test_webhooks import Receiver, set_webhook

# The receivers listen on loopback (tests/conftest.py: the one allow-list of the tests).
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")

BEFORE_I3_CLOSES = datetime.date(2026, 4, 10)
AFTER_I3_CLOSES = datetime.date(2026, 4, 15)  # the Payments API is late, Checkout v2 at risk


@pytest.fixture
def slack() -> Iterator[Receiver]:
    # Slow enough that every process looks for new alerts while the first post is still on its way.
    receiver = Receiver([], answer_after=0.5)
    yield receiver
    receiver.stop()


def rocket_with_webhook(pg_url: str, url: str) -> str:
    """The Rocket ART in its PI, its webhook set before I3 closes; then its server is gone."""
    CLOCK.travel_to(BEFORE_I3_CLOSES)
    server = start_server(pg_url, ops_per_second=1000.0, ops_burst=1000)
    try:
        board = rocket(server)
        assert set_webhook(board, url).status_code == 200
    finally:
        server.stop()
        server.app.state.services.engine.dispose()  # its pooled connections closed, not left to the GC
        CLOCK.reset()
    return board.id


@pytest.fixture
def processes(pg_url: str) -> Iterator[Callable[[int], list[Webhooks]]]:
    """The webhooks of ``count`` server processes: each its own engine and op path, one clock."""
    engines: list[Engine] = []
    op_paths: list[OpPath] = []

    def make(count: int) -> list[Webhooks]:
        clock = Clock()
        clock.travel_to(AFTER_I3_CLOSES)
        engines.extend(make_engine(pg_url) for _ in range(count))
        op_paths.extend(OpPath(engine) for engine in engines[-count:])
        return [Webhooks(op.engine, op, clock, retry_delays=[0.05]) for op in op_paths[-count:]]

    yield make
    # As a process shuts down: a snapshot its reads handed to the background is stored, then the
    # engine's connections are closed (a write still running kept one open past the dispose).
    for op_path in op_paths:
        op_path.close()
    for engine in engines:
        engine.dispose()


async def all_check(hooks: list[Webhooks], board_id: str) -> list[int]:
    return list(await asyncio.gather(*(h.check(board_id) for h in hooks)))


async def test_processes_noticing_the_same_alerts_post_them_once(
    pg_url: str, slack: Receiver, processes: Callable[[int], list[Webhooks]]
) -> None:
    board_id = rocket_with_webhook(pg_url, slack.url)
    hooks = processes(3)

    delivered = await all_check(hooks, board_id)

    assert len(slack.posts) == 1, [body["alerts"] for _, body in slack.posts]
    posted = slack.posts[0][1]["alerts"]
    assert {(a["kind"], a["item_id"]) for a in posted} >= {("late", "dep1"), ("at_risk", "checkout")}
    assert sorted(delivered) == [0, 0, len(posted)]
    assert await all_check(hooks, board_id) == [0, 0, 0], "nothing new: nothing posted again"
    assert len(slack.posts) == 1


async def test_alerts_whose_post_failed_are_posted_once_by_the_next_check(
    pg_url: str, slack: Receiver, processes: Callable[[int], list[Webhooks]]
) -> None:
    board_id = rocket_with_webhook(pg_url, slack.url)
    hooks = processes(2)
    slack.statuses = [500, 500]  # the claiming process's two attempts both fail

    assert await all_check(hooks, board_id) == [0, 0]
    assert [status for status, _ in slack.posts] == [500, 500], "one process tried, the other stood back"

    delivered = await all_check(hooks, board_id)
    assert [status for status, _ in slack.posts] == [500, 500, 200]
    assert sorted(delivered) == [0, len(slack.posts[-1][1]["alerts"])]
    assert slack.posts[-1][1]["alerts"] == slack.posts[0][1]["alerts"]

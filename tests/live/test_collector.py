"""Full garbage collections wait for a quiet hub (server/live/collector.py): none while edits stream out, one
soon after they stop, and one at the latest after ``at_most`` on a board that is never quiet. While a
server serves, CPython's own full collection is off; it is back once the last server stopped. A command
that builds one big batch (``piboard import``) makes none either."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from server.live.collector import NEVER, QuietCollector
from tests.conftest import BoardHandle, LiveServer
from tests.exports import big_jira
from tests.live.client import LiveClient, run_async


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def collector(clock: Clock, busy: list[float]) -> tuple[QuietCollector, list[float]]:
    done: list[float] = []
    quiet = QuietCollector(
        lambda: busy[0],
        quiet=1.0,
        every=30.0,
        at_most=300.0,
        collect=lambda: done.append(clock.now),
        clock=clock,
    )
    return quiet, done


def broadcast_every_half_second(
    quiet: QuietCollector, clock: Clock, busy: list[float], seconds: int
) -> list[bool]:
    """The hub broadcasts every 0.5 s for ``seconds``; whether the collector collected, at each check."""
    collected = []
    for _ in range(seconds * 2):
        clock.now += 0.5
        busy[0] = clock.now
        collected.append(quiet.tick())
    return collected


def test_no_full_collection_while_the_hub_broadcasts_one_once_it_is_quiet() -> None:
    clock = Clock()
    busy = [clock.now]
    quiet, done = collector(clock, busy)
    assert not any(broadcast_every_half_second(quiet, clock, busy, seconds=50))
    clock.now += 0.6
    assert not quiet.tick()  # quiet for 0.6 s only
    clock.now += 0.5
    assert quiet.tick()
    assert done == [clock.now]
    clock.now += 5
    assert not quiet.tick()  # quiet, but the last one was 5 s ago


def test_a_board_never_quiet_still_gets_a_full_collection_after_at_most() -> None:
    clock = Clock()
    busy = [clock.now]
    quiet, done = collector(clock, busy)
    broadcast_every_half_second(quiet, clock, busy, seconds=350)
    assert done == [1300.0]  # 300 s after it began


def test_what_survives_a_collection_is_frozen_and_thawed_before_one_every_ten_minutes() -> None:
    clock = Clock()
    calls: list[tuple[str, float]] = []
    quiet = QuietCollector(
        lambda: 0.0,  # never busy: a collection as soon as ``every`` allows
        every=30.0,
        thaw_every=600.0,
        collect=lambda: calls.append(("collect", clock.now)),
        freeze=lambda: calls.append(("freeze", clock.now)),
        unfreeze=lambda: calls.append(("unfreeze", clock.now)),
        clock=clock,
    )
    for _ in range(2 * 700):
        clock.now += 0.5
        quiet.tick()
    thaws = [at - 1000.0 for what, at in calls if what == "unfreeze"]
    assert thaws == [600.0]
    collections = [at for what, at in calls if what == "collect"]
    assert len(collections) == 700 // 30
    # Each collection comes after the thaw it is due one, and is followed by a freeze of what it kept.
    for k, (what, at) in enumerate(calls):
        if what == "collect":
            assert calls[k + 1] == ("freeze", at)
        if what == "unfreeze":
            assert calls[k + 1] == ("collect", at)


def test_a_frozen_survivor_that_becomes_cyclic_garbage_is_freed_at_the_next_thaw() -> None:
    """The real collector on the real ``gc``: a cycle frozen while alive outlives the plain collections
    and is freed by the first that thaws."""
    clock = Clock()
    quiet = QuietCollector(lambda: 0.0, every=30.0, thaw_every=600.0, clock=clock)

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]  # a cycle: only the garbage collector frees it
    freed = weakref.ref(node)
    try:
        clock.now += 30
        assert quiet.tick()  # collects, then freezes the node with everything else alive
        del node
        clock.now += 30
        assert quiet.tick()
        assert freed() is not None  # frozen: the plain collection does not look at it
        clock.now += 600
        assert quiet.tick()
        assert freed() is None
    finally:
        gc.unfreeze()
        gc.collect()
        gc.freeze()  # as the first app of this process left it (server/app.py)


async def test_the_automatic_full_collection_is_off_while_collectors_run_and_back_after() -> None:
    before = gc.get_threshold()
    first, second = QuietCollector(lambda: 0.0), QuietCollector(lambda: 0.0)
    first.start()
    second.start()
    assert gc.get_threshold() == (before[0], before[1], NEVER)
    await first.stop()
    assert gc.get_threshold()[2] == NEVER  # the second still serves
    await second.stop()
    assert gc.get_threshold() == before


def test_a_serving_app_waits_for_its_hub_to_be_quiet(live_server: LiveServer, board: BoardHandle) -> None:
    assert gc.get_threshold()[2] == NEVER
    hub = live_server.app.state.hub
    quiet: QuietCollector = live_server.app.state.collector
    before = quiet.last_busy()

    async def scenario() -> None:
        client = await LiveClient.connect(live_server.ws_url, board.id, board.rte_session, last_seq=None)
        await client.wait_welcome()
        await client.op("risk.create", args={"title": "Broadcast"})
        await client.wait_until(lambda: quiet.last_busy() > before)
        await client.close()

    run_async(scenario())
    assert quiet.last_busy() == hub.busy_at


def test_a_command_that_builds_one_big_batch_makes_no_full_collection(tmp_path: Path) -> None:
    """``piboard import`` of a 2,000-issue Jira export: each full collection would walk the growing
    batch again and find nothing (a 20,000-issue import spent a third of its CPU on 13 of them)."""
    export = tmp_path / "jira.csv"
    export.write_bytes(big_jira.export(2000))
    count_full = (
        "import gc, runpy, sys\n"
        "import server.cli, server.transfer.jira_import  # counted from the command's start on\n"
        "full = []\n"
        "def count(phase, info):\n"
        "    if phase == 'start' and info['generation'] == 2:\n"
        "        full.append(1)\n"
        "gc.callbacks.append(count)\n"
        f"sys.argv = ['piboard', 'import', '--jira', {str(export)!r}]\n"
        "try:\n"
        "    runpy.run_module('server.cli', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('full collections:', len(full))\n"
    )
    env = {
        **os.environ,
        "PIBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PIBOARD_SECRET_FILE": str(tmp_path / "secret"),
    }
    done = subprocess.run(
        [sys.executable, "-c", count_full], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "full collections: 0" in done.stdout, done.stdout

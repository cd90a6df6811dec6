"""Alerts reach a webhook (Slack/Teams shape) with retries; a failing webhook changes nothing on the board."""

from __future__ import annotations

import datetime
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import event

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import rocket, rte_op

# The receivers listen on loopback (tests/conftest.py: the one allow-list of the tests).
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")


class Receiver:
    """A local HTTP server standing in for Slack: answers each post with the next planned status,
    ``answer_after`` seconds after it arrived (a slow Slack)."""

    def __init__(self, statuses: list[int], answer_after: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[int, dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.posts.append((status, body))
                time.sleep(answer_after)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"invalid_token")

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[[list[int]], Receiver]]:
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def until(condition: Callable[[], Any], what: str, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def set_webhook(board: BoardHandle, url: str, session: str | None = None) -> Any:
    with board.server.client(session or board.rte_session) as c:
        return c.put(f"/api/boards/{board.id}/webhook", json={"url": url})


def deliveries(board: BoardHandle) -> list[dict[str, Any]]:
    with board.rte() as c:
        return list(c.get(f"/api/boards/{board.id}/webhook").json()["deliveries"])


def seq(board: BoardHandle) -> int:
    return int(board.read()["seq"])


def test_new_alerts_are_posted_after_two_failures_and_nothing_else_changes(
    watched_server: LiveServer, clock: Clock, receiver: Callable[[list[int]], Receiver]
) -> None:
    clock.travel_to(datetime.date(2026, 4, 10))
    board = rocket(watched_server)
    slack = receiver([500, 503])
    assert set_webhook(board, slack.url).status_code == 200
    before = board.read()

    clock.travel_to(datetime.date(2026, 4, 15))  # I3 closes: the Payments API is late
    until(lambda: any(status == 200 for status, _ in slack.posts), "a successful post")
    statuses = [status for status, _ in slack.posts]
    assert statuses == [500, 503, 200]
    body = slack.posts[-1][1]
    assert body["text"].startswith("piboard · Rocket ART:")
    assert "LATE: “Payments API” from Atlas is late" in body["text"]
    assert {(a["kind"], a["item_id"]) for a in body["alerts"]} >= {("late", "dep1"), ("at_risk", "checkout")}
    log = until(lambda: len(deliveries(board)) == 3 and deliveries(board), "three logged attempts")
    assert [(d["attempt"], d["status_code"], d["ok"]) for d in reversed(log)] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    after = board.read()
    assert (after["seq"], after["items"]) == (before["seq"], before["items"])  # posting changed nothing

    # A later change posts only what is new since: the story Comet now marks blocked.
    rte_op(board, "story.update", "co1", status="blocked", blocked_reason="waiting for the Payments API")
    until(lambda: len(slack.posts) == 4, "the post of the blocked story")
    assert [(a["kind"], a["item_id"]) for a in slack.posts[-1][1]["alerts"]] == [("blocked", "co1")]


def test_a_webhook_that_always_fails_keeps_the_alerts_for_the_next_change(
    watched_server: LiveServer, clock: Clock, receiver: Callable[[list[int]], Receiver]
) -> None:
    clock.travel_to(datetime.date(2026, 4, 10))
    board = rocket(watched_server)
    down = receiver([500, 500, 500, 500])
    set_webhook(board, down.url)
    before = seq(board)
    clock.travel_to(datetime.date(2026, 4, 15))
    until(lambda: len(down.posts) == 4, "four attempts")
    assert seq(board) == before
    # The next change posts the alerts that never got through, with its own.
    rte_op(board, "risk.create", title="Payments partner on strike")
    until(lambda: len(down.posts) == 5, "the post after the next change")
    kinds = {a["kind"] for a in down.posts[-1][1]["alerts"]}
    assert {"late", "unroamed_risk"} <= kinds


def test_only_the_rte_sets_a_webhook_and_bad_urls_are_refused(
    watched_server: LiveServer, receiver: Callable[[list[int]], Receiver]
) -> None:
    board = rocket(watched_server)
    member = board.join("team", "Carl Comet", "comet")
    refused = set_webhook(board, "https://hooks.example.test/x", session=member)
    assert refused.status_code == 403 and "only the RTE" in refused.text
    for bad in ("ftp://hooks.example.test/x", "not a url", "https://", "https://x/" + "a" * 600):
        answer = set_webhook(board, bad)
        assert answer.status_code in (400, 422), (bad, answer.text)
    with board.rte() as c:
        assert c.get(f"/api/boards/{board.id}/webhook").json()["url"] == ""


def test_a_webhook_set_while_a_delivery_is_being_logged_is_saved(watched_server: LiveServer) -> None:
    """Setting the URL reads the row, then writes it. Another process's delivery log committed between
    the two must not turn the RTE's save into a 503 ("database is locked"): the save takes the write
    lock before it reads, and the other writer waits its turn."""
    board = rocket(watched_server)
    webhooks = watched_server.services.webhooks
    engine = webhooks.engine
    outcome: list[str] = []

    def another_writer_between(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if outcome or not statement.lstrip().upper().startswith("SELECT") or "FROM webhook " not in statement:
            return
        # Another process logs a delivery now, waiting for no lock (sqlite3's timeout 0).
        other = sqlite3.connect(str(engine.url.database), timeout=0)
        try:
            with other:
                other.execute(
                    "INSERT INTO webhook_delivery (board_id, at, attempt, alerts, status_code, ok, error)"
                    " VALUES (?, ?, 1, 0, NULL, 0, 'elsewhere')",
                    (board.id, datetime.datetime.now(datetime.UTC).isoformat()),
                )
            outcome.append("logged in between")
        except sqlite3.OperationalError as exc:
            outcome.append(f"waits its turn: {exc}")
        finally:
            other.close()

    event.listen(engine, "after_cursor_execute", another_writer_between)
    try:
        assert set_webhook(board, "http://127.0.0.1:9/hook").status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", another_writer_between)
    assert outcome == ["waits its turn: database is locked"], outcome
    with board.rte() as c:
        assert c.get(f"/api/boards/{board.id}/webhook").json()["url"] == "http://127.0.0.1:9/hook"

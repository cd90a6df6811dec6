"""No input answers 5xx (issue 24), on SQLite and on PostgreSQL: the probe's reproductions one by one,
then every door driven with generated input. Each answer is a 4xx that says why (a refusal frame on the
socket, an error and exit code on the command line), the server log holds no traceback, and the board
still reads, exports, and imports its own export."""

from __future__ import annotations

import http.client
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import BoardHandle, LiveServer, create_board, module_db_url, start_server

DEEP = 100_000  # the probe's depth; where a door's size limit allows it


class ServerLog(logging.Handler):
    """What the server in this process logged as an error or with a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.bad.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    served = start_server(
        module_db_url(request, tmp_path_factory, "no5xx"), ops_per_second=1000.0, ops_burst=1000
    )
    yield served
    served.stop()


@pytest.fixture
def server_log(server: LiveServer) -> Iterator[ServerLog]:
    """Tracebacks of the ASGI app reach uvicorn's logger (which does not pass them on to the root)."""
    handler = ServerLog()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    assert handler.bad == []


@pytest.fixture
def board(server: LiveServer) -> BoardHandle:
    return create_board(server, "No 5xx ART")


def json_headers(session: str | None = None) -> dict[str, str]:
    auth = {"Authorization": f"Bearer {session}"} if session else {}
    return {"Content-Type": "application/json", **auth}


# --- 1. NaN and Infinity in a JSON body -------------------------------------------------------------


def test_nan_and_infinity_are_refused_and_the_connection_serves_the_next_request(
    server: LiveServer, board: BoardHandle, server_log: ServerLog
) -> None:
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    conn.connect()
    kept = conn.sock
    answers = []
    for method, path, body, headers in [
        ("POST", "/api/boards", b'{"name":NaN}', json_headers()),
        (
            "POST",
            f"/api/boards/{board.id}/ops",
            b'{"type":"risk.create","base_version":Infinity}',
            json_headers(board.rte_session),
        ),
        ("GET", "/healthz", None, {}),
    ]:
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        answers.append((answer.status, answer.read()))
        assert conn.sock is kept, f"the server closed the connection after {path}"
    conn.close()
    assert [status for status, _ in answers] == [422, 422, 200]
    assert (
        json.loads(answers[0][1])["reason"]
        == "the request body holds NaN, which is not a number JSON can hold"
    )
    assert "Infinity" in json.loads(answers[1][1])["reason"]
    assert board.read()["items"].get("risk", {}) == {}


# --- 2. The form door's args: JSON text nested deep ------------------------------------------------


@pytest.mark.parametrize("door", ["/ops", "/ops/preview"])
def test_deep_json_in_the_form_doors_args_is_refused_with_its_reason(
    board: BoardHandle, server_log: ServerLog, door: str
) -> None:
    depth = 20_000  # as deep as the body limit lets a form's field go (each bracket is sent as %5B)
    deep = "[" * depth + "]" * depth
    with board.rte() as c:
        for args in (deep, '{"title": "x", "z": ' + deep + "}"):
            answer = c.post(f"/b/{board.id}{door}", data={"type": "risk.create", "args": args})
            assert answer.status_code == 422, answer.text[:300]
            assert "args is nested deeper than 32 levels" in answer.text
    assert board.read()["items"].get("risk", {}) == {}


# --- 3. A socket's flat-form frame: its args' JSON text nested deep ------------------------------------


def open_socket(server: LiveServer, board: BoardHandle) -> ClientConnection:
    ws = connect(
        f"{server.ws_url}/b/{board.id}/ws",
        additional_headers={"Authorization": f"Bearer {board.rte_session}"},
        proxy=None,
        open_timeout=15,
        ping_interval=None,
        max_size=2**22,
        legacy=True,  # closed by hand, or by the server
    )
    ws.send(json.dumps({"type": "hello", "last_seq": None, "mode": "json"}))
    return ws


def frames_until(ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The frames the server sent, up to the first one ``wanted`` (ConnectionClosed if it closes first)."""
    seen: list[dict[str, Any]] = []
    while True:
        message = ws.recv(timeout=15)
        parsed = json.loads(message)
        for frame in parsed if isinstance(parsed, list) else [parsed]:
            seen.append(frame)
            if wanted(frame):
                return seen


def test_deep_json_in_a_flat_frames_args_is_refused_and_counted_as_a_strike(
    server: LiveServer, board: BoardHandle, server_log: ServerLog
) -> None:
    """The probe's frame: before, it reached op_from_fields, the handler crashed and the socket closed
    with 1000, no refusal sent and no strike counted."""
    deep = "[" * 10_000 + "]" * 10_000  # as deep as a 64 KiB message lets it
    frame = json.dumps({"type": "risk.create", "client_op_id": "deep-1", "args": '{"z":' + deep + "}"})
    ws = open_socket(server, board)
    ws.send(frame)
    refusal = frames_until(ws, lambda f: f["type"] == "refusal")[-1]
    assert refusal["client_op_id"] == "deep-1" and refusal["error"] == "invalid"
    assert refusal["reason"] == "args is nested deeper than 32 levels"
    ws.send(json.dumps({"type": "ping"}))
    frames_until(ws, lambda f: f["type"] == "pong")  # still open
    # Each such frame is a strike: a client that keeps sending them is closed as a flooder.
    with pytest.raises(ConnectionClosed):
        for _ in range(20):
            ws.send(frame)
        frames_until(ws, lambda f: False)
    assert ws.close_code == 1008
    assert board.read()["items"].get("risk", {}) == {}


# --- 4. A board file nested 100,000 deep, or holding a 4,301-digit number -----------------------------

UNREADABLE_FILES = {
    "the file is nested deeper than 32 levels": ("[" * DEEP + "]" * DEEP).encode(),
    "the file holds a number of more than 4,300 digits": b'{"schema": "piboard/1", "n": '
    + b"7" * 4301
    + b"}",
}
PIBOARD = [sys.executable, "-m", "server.cli"]
ROOT = Path(__file__).resolve().parents[2]


def piboard(server: LiveServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line on the server's database, as an operator runs it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PIBOARD_DATABASE_URL": server.settings.database_url,
        "PIBOARD_SECRET_FILE": str(tmp_path / "secret"),
    }
    return subprocess.run(
        [*PIBOARD, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_an_unreadable_board_file_is_refused_with_its_reason_over_rest_and_the_command_line(
    server: LiveServer, server_log: ServerLog, tmp_path: Path
) -> None:
    boards = server.services.op_path.boards()
    with server.client() as anyone:
        for why, data in UNREADABLE_FILES.items():
            answer = anyone.post("/api/boards/import", content=data, headers=json_headers())
            assert answer.status_code == 422, answer.text[:300]
            assert answer.json()["problems"][0]["message"] == why
    for why, data in UNREADABLE_FILES.items():
        (tmp_path / "board.json").write_bytes(data)
        done = piboard(server, tmp_path, "import", "board.json")
        assert done.returncode == 1 and why in done.stderr, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
    assert server.services.op_path.boards() == boards


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["import", "no-such.json"], "does not exist"),
        (["import", "."], "is a directory"),
        (["import", "--jira", "no-such.csv"], "does not exist"),
        (["demo", "--name", ""], "error: the name must not be empty"),
        (["link", os.fsdecode(b"board-\xff")], "error: an argument is not UTF-8 text: 'board-\\udcff'"),
        (["link", "no-such-board"], "error: no board 'no-such-board'"),
    ],
)
def test_command_line_arguments_it_refuses_get_a_reason_not_a_traceback(
    server: LiveServer, tmp_path: Path, args: list[str], why: str
) -> None:
    done = piboard(server, tmp_path, *args)
    assert done.returncode in {1, 2} and why in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


# --- 5. Days off in an iteration the board lacks ---------------------------------------------------


def made(board: BoardHandle, type: str, **args: Any) -> str:
    answer = board.op(board.rte_session, type, args=args)
    assert answer.status_code == 200, answer.text
    return str(next(c["id"] for c in answer.json()["changes"] if c["before"] is None))


def assert_exports_and_imports_again(server: LiveServer, board: BoardHandle) -> None:
    """The board reads, and its own export makes a new board."""
    assert board.read()["problems"] == []
    with board.rte() as c:
        exported = c.get(f"/api/boards/{board.id}/export.json")
        assert exported.status_code == 200, exported.text[:300]
    with server.client() as anyone:
        again = anyone.post("/api/boards/import", content=exported.content, headers=json_headers())
        assert again.status_code == 201, again.text[:1000]


def test_days_off_in_an_iteration_the_board_lacks_are_refused_and_the_export_imports(
    server: LiveServer, board: BoardHandle, server_log: ServerLog
) -> None:
    team = made(board, "team.create", name="Apollo")
    kept = made(board, "iteration.create", number=1)
    gone = made(board, "iteration.create", number=2)
    refused = board.op(
        board.rte_session, "member.create", args={"name": "Ann", "team_id": team, "days_off": {"nope": 2}}
    )
    assert refused.status_code == 422
    assert refused.json()["reason"] == "the days off name iteration 'nope', which this board does not have"
    ann = made(board, "member.create", name="Ann", team_id=team, days_off={kept: 1, gone: 2})
    deleted = board.op(board.rte_session, "iteration.delete", target=gone, base_version=1)
    assert deleted.status_code == 200, deleted.text
    assert board.read()["items"]["member"][ann]["days_off"] == {kept: 1}
    assert_exports_and_imports_again(server, board)

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
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import BoardHandle, LiveServer, create_board, module_db_url, start_server
from tests.fuzz.test_unicode_doors import check_reads_exports_and_replays

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
    "the file is nested deeper than 32 levels": b'{"schema": "piboard/1", "meta": %s}'
    % (b"[" * DEEP + b"]" * DEEP),
    "the file holds a number of more than 4,300 digits": b'{"schema": "piboard/1", "n": '
    + b"7" * 4301
    + b"}",
}
PIBOARD = [sys.executable, "-m", "server.cli"]
ROOT = Path(__file__).resolve().parents[2]


def piboard(server: LiveServer, tmp_path: Path, *args: str | bytes) -> subprocess.CompletedProcess[str]:
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


def assert_reads_exports_and_imports_again(board: BoardHandle) -> None:
    """The board reads, every export downloads, replaying its events gives it, and its own export makes
    a new board."""
    server = board.server
    check_reads_exports_and_replays(server, board)
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
    assert_reads_exports_and_imports_again(board)


# --- No input answers 5xx: every door, generated input -------------------------------------------------

# Every Unicode general category, surrogates (Cs) included, each at least once: hypothesis' characters
# draw from all, and these make sure of the rare ones (Lm, Mc, Me, Nl, Zl, Zp…).
FIRST_OF_EACH_CATEGORY = sorted(
    {unicodedata.category(chr(c)): chr(c) for c in range(0x10FFFF, -1, -1)}.values()
)
ANY_TEXT = st.text(
    st.characters(exclude_categories=()) | st.sampled_from(FIRST_OF_EACH_CATEGORY), max_size=20
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
# JSON text Python's decoder fails on or misreads, and nesting 10^5 deep outside and inside strings.
HOSTILE = [
    "NaN",
    "-Infinity",
    "1e999",
    "9" * 4301,
    "-" + "1" * 5000,
    "[" * DEEP + "]" * DEEP,
    '{"a":' * 30_000 + "1" + "}" * 30_000,
    json.dumps("[" * DEEP + "]" * DEEP),
    json.dumps('{"title": "x", "z": ' + "[" * 20_000 + "]" * 20_000 + "}"),  # args as text
    '"\\ud800"',
    '"a\\u0000b"',
]
# What fills one place of a request, as bytes: a value a person would give (so that some requests get
# past the first check), any JSON (its text sometimes not ASCII-escaped, so a lone surrogate is written
# "as if" UTF-8: not UTF-8), one of the above, or a string holding bytes that are not UTF-8 at all.
NOT_UTF8 = [b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\x80abc", b"\xf4\x90\x80\x80"]
PLAUSIBLE = st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=30) | st.integers(0, 5)
RAW = st.one_of(
    PLAUSIBLE.map(lambda v: json.dumps(v).encode()),
    st.builds(json.dumps, JSON_VALUES, ensure_ascii=st.booleans()).map(
        lambda t: t.encode("utf-8", "surrogatepass")
    ),
    st.sampled_from(HOSTILE).map(str.encode),
    st.sampled_from(NOT_UTF8).map(lambda b: b'"' + b + b'"'),
)
SLOT = "\u2603slot\u2603"  # where RAW goes in a request built as JSON


@dataclass(frozen=True)
class Fuzzed:
    """The board a door is driven at (one per door: the RTE's downloads are limited), and what its ops
    name."""

    board: BoardHandle
    team: str
    iteration: str
    member: str
    token: str  # a join link's


@pytest.fixture
def fuzzed(server: LiveServer) -> Fuzzed:
    board = create_board(server, "Fuzzed ART")
    team = made(board, "team.create", name="Alpha")
    iteration = made(board, "iteration.create", number=1)
    member = made(board, "member.create", name="Ann", team_id=team, days_off={iteration: 1})
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "team", "team_id": team}).json()
    return Fuzzed(board, team, iteration, member, link["join_url"].rsplit("/", 1)[1])


def op_bases(f: Fuzzed) -> list[dict[str, Any]]:
    """An op of each sort, as a program would send it right: one place of it is then fuzzed."""
    return [
        {"type": "risk.create", "args": {"title": "Fuzzed risk", "team_id": f.team}},
        {"type": "member.create", "args": {"name": "Bo", "team_id": f.team, "days_off": {f.iteration: 2}}},
        {"type": "member.update", "target": f.member, "base_version": 1, "args": {"fte": 0.5}},
        {"type": "feature.create", "args": {"title": "F", "team_id": f.team, "iteration_id": f.iteration}},
        {"type": "iteration.create", "args": {"number": 2, "name": "I2"}},
        {"type": "iteration.delete", "target": f.iteration, "base_version": 1},
        {"type": "board.update", "args": {"pi_name": "PI 1"}},
        {"type": "event.undo", "target": "3"},
    ]


def flat_fields(base: dict[str, Any]) -> dict[str, Any]:
    """An op as a form's fields: its envelope, and ``args.<name>`` for each plain argument."""
    flat = {name: value for name, value in base.items() if name != "args"}
    return flat | {f"args.{k}": v for k, v in base.get("args", {}).items() if not isinstance(v, dict)}


def with_slot(base: dict[str, Any], place: str) -> dict[str, Any]:
    """``base`` with ``place`` ("args.title", "type", "args", …) holding the slot."""
    out = json.loads(json.dumps(base))
    if place.startswith("args."):
        out.setdefault("args", {})[place[5:]] = SLOT
    else:
        out[place] = SLOT
    return out


def filled(template: Any, raw: bytes) -> bytes:
    return json.dumps(template).encode().replace(json.dumps(SLOT).encode(), raw)


PLACES = [
    "type",
    "target",
    "base_version",
    "client_op_id",
    "args",
    "args.title",
    "args.name",
    "args.days_off",
]
# Whatever the input, an answer below 500 that says why when it refuses.
FUZZ = settings(
    max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


class Answers:
    """Every answer of a door below 500, saying why when it refuses; and both kinds seen, so the inputs
    reached past the door's first check as well as being refused by it."""

    def __init__(self) -> None:
        self.statuses: dict[int, int] = {}

    def check(self, answer: httpx.Response, what: object) -> None:
        assert answer.status_code < 500, (what, answer.status_code, answer.text[:300])
        self.statuses[answer.status_code] = self.statuses.get(answer.status_code, 0) + 1
        if answer.status_code >= 400:
            if answer.headers.get("content-type", "").startswith("application/json"):
                body = answer.json()
                assert body.get("reason") or body.get("problems"), (what, body)
            else:
                assert answer.text.strip(), (what, answer.status_code)

    def saw_both(self) -> None:
        assert any(s < 300 for s in self.statuses) and any(s >= 400 for s in self.statuses), self.statuses


def test_rest_bodies_join_names_and_links(fuzzed: Fuzzed, server_log: ServerLog) -> None:
    board = fuzzed.board
    answers = Answers()
    with board.rte() as rte, board.server.client() as anyone:

        @FUZZ
        @given(data=st.data(), raw=RAW)
        def probe(data: st.DataObject, raw: bytes) -> None:
            door = data.draw(st.sampled_from(["op", "board", "join", "link", "whole"]))
            if door == "op":
                base = data.draw(st.sampled_from(op_bases(fuzzed)))
                body = filled(with_slot(base, data.draw(st.sampled_from(PLACES))), raw)
                answer = rte.post(f"/api/boards/{board.id}/ops", content=body, headers=json_headers())
            elif door == "board":
                place = data.draw(st.sampled_from(["name", "pi_name", "rte_name"]))
                body = filled({"name": "Fuzz", place: SLOT}, raw)
                answer = anyone.post("/api/boards", content=body, headers=json_headers())
            elif door == "join":
                body = filled({"token": fuzzed.token, "name": SLOT}, raw)
                answer = anyone.post("/api/join", content=body, headers=json_headers())
            elif door == "link":
                body = filled({"role": "team", "team_id": fuzzed.team, "label": SLOT}, raw)
                answer = rte.post(f"/api/boards/{board.id}/links", content=body, headers=json_headers())
            else:
                answer = rte.post(f"/api/boards/{board.id}/ops", content=raw, headers=json_headers())
            answers.check(answer, (door, raw[:80]))

        probe()
        answers.saw_both()
    assert_reads_exports_and_imports_again(board)


def test_the_form_doors(fuzzed: Fuzzed, server_log: ServerLog) -> None:
    board = fuzzed.board
    answers = Answers()
    with board.rte() as rte:

        @FUZZ
        @given(data=st.data(), raw=RAW)
        def probe(data: st.DataObject, raw: bytes) -> None:
            base = data.draw(st.sampled_from(op_bases(fuzzed)))
            fields = {name: str(value).encode() for name, value in flat_fields(base).items()}
            place = data.draw(
                st.sampled_from(["args", "args.title", "args.days_off.x", "type", "base_version"])
            )
            fields[place] = raw  # "args": the op's arguments as one JSON text
            body = "&".join(
                f"{quote_from_bytes(n.encode())}={quote_from_bytes(v)}" for n, v in fields.items()
            )
            door = data.draw(st.sampled_from(["/ops", "/ops/preview"]))
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            answer = rte.post(f"/b/{board.id}{door}", content=body.encode(), headers=headers)
            answers.check(answer, (door, place, raw[:80]))

        probe()
        answers.saw_both()
    assert_reads_exports_and_imports_again(board)


# Flooding (too many refused messages in a row), a message over the websocket layer's size limit.
FUZZ_CLOSES = frozenset({1008, 1009})


class Socket:
    """One live connection that is opened again whenever the server closed it (as flooding, or for a
    message over the size limit: the closes a fuzzing client may get)."""

    def __init__(self, server: LiveServer, board: BoardHandle) -> None:
        self.server, self.board = server, board
        self.ws: ClientConnection | None = None
        self.closes: list[int] = []
        self.answers: dict[str, int] = {}

    def send_and_ping(self, frame: str | bytes) -> list[dict[str, Any]]:
        """The frames the server sent after ``frame``, up to the answer to a ping ([] if it closed)."""
        if self.ws is None:
            self.ws = open_socket(self.server, self.board)
            frames_until(self.ws, lambda f: f["type"] == "welcome")
        try:
            self.ws.send(frame)
            self.ws.send(json.dumps({"type": "ping"}))
            seen = frames_until(self.ws, lambda f: f["type"] == "pong")
        except ConnectionClosed:
            code = self.ws.close_code
            assert code in FUZZ_CLOSES, (code, self.ws.close_reason)
            self.closes.append(code)
            self.ws = None
            return []
        for f in seen:
            if f["type"] in {"ack", "refusal", "error"}:
                self.answers[f["type"]] = self.answers.get(f["type"], 0) + 1
                assert f["type"] == "ack" or f["reason"], f
        return seen

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def test_socket_frames_as_json_objects_and_as_flat_forms(fuzzed: Fuzzed, server_log: ServerLog) -> None:
    board = fuzzed.board
    socket = Socket(board.server, board)

    @FUZZ
    @given(data=st.data(), raw=RAW)
    def probe(data: st.DataObject, raw: bytes) -> None:
        base = data.draw(st.sampled_from(op_bases(fuzzed)))
        shape = data.draw(st.sampled_from(["op", "flat", "whole"]))
        op_id = f"fuzz-{data.draw(st.integers(0, 10**9))}"
        if shape == "op":
            place = data.draw(st.sampled_from(PLACES))
            message = filled({"type": "op", "op": {**with_slot(base, place), "client_op_id": op_id}}, raw)
        elif shape == "flat":  # a form's fields as htmx's ws-send sends them; args as one JSON text
            place = data.draw(st.sampled_from(["args", "args.title", "target", "base_version"]))
            flat = {**flat_fields(base), "client_op_id": op_id, place: SLOT}
            as_text = json.dumps(raw.decode("utf-8", "surrogateescape"), ensure_ascii=False)
            message = filled(flat, as_text.encode("utf-8", "surrogateescape"))
        else:
            message = raw
        try:
            frame: str | bytes = message.decode()
        except UnicodeDecodeError:
            frame = message  # not UTF-8: only a binary message can carry it
        seen = socket.send_and_ping(frame)
        if seen and shape != "whole":  # an op gets its ack or refusal, or the frame an error
            assert any(f["type"] in {"ack", "refusal", "error"} for f in seen), (shape, message[:80], seen)

    probe()
    socket.close()
    assert socket.answers.get("refusal") and socket.answers.get("error"), socket.answers
    assert_reads_exports_and_imports_again(board)


def test_board_file_imports(fuzzed: Fuzzed, server_log: ServerLog) -> None:
    board = fuzzed.board
    answers = Answers()
    with board.server.client() as anyone:

        @FUZZ
        @given(data=st.data(), raw=RAW)
        def probe(data: st.DataObject, raw: bytes) -> None:
            doc: dict[str, Any] = {
                "schema": "piboard/1",
                "meta": {"name": "Imported"},
                "iterations": [{"id": "i1", "number": 1, "name": "I1"}],
                "teams": [{"id": "t1", "name": "Alpha"}],
                "members": [{"id": "m1", "name": "Ann", "team_id": "t1", "days_off": {"i1": 1}}],
                "risks": [{"id": "r1", "title": "Risk", "team_id": "t1"}],
            }
            section = data.draw(st.sampled_from(["meta", "iterations", "teams", "members", "risks", "whole"]))
            if section == "whole":
                content = raw
            else:
                row = doc[section] if section == "meta" else doc[section][0]
                row[data.draw(st.sampled_from(sorted(row)))] = SLOT
                content = filled(doc, raw)
            answers.check(
                anyone.post("/api/boards/import", content=content, headers=json_headers()), raw[:80]
            )

        probe()
        answers.saw_both()
    assert_reads_exports_and_imports_again(board)


def test_jira_csv_imports(fuzzed: Fuzzed, server_log: ServerLog) -> None:
    board = fuzzed.board
    answers = Answers()
    with board.rte() as rte:

        @FUZZ
        @given(data=st.data(), raw=RAW, cell=ANY_TEXT)
        def probe(data: st.DataObject, raw: bytes, cell: str) -> None:
            value = data.draw(st.sampled_from([raw, cell.encode("utf-8", "surrogatepass")]))
            quoted = b'"' + value.replace(b'"', b'""') + b'"'
            column = data.draw(st.integers(0, 3))
            cells = [b"Epic", b"Fuzzed epic", b"FZ-1", b"3"]
            cells[column] = quoted
            data_bytes = b"Issue Type,Summary,Issue key,Story Points\n" + b",".join(cells) + b"\n"
            if data.draw(st.booleans()):
                data_bytes = raw  # the whole file
            preview = data.draw(st.booleans())
            answer = rte.post(
                f"/api/boards/{board.id}/import/jira",
                params={"preview": str(preview).lower(), "map": ["default-team=Alpha"]},
                files={"file": ("jira.csv", data_bytes, "text/csv")},
            )
            answers.check(answer, (column, value[:80]))

        probe()
        answers.saw_both()
    assert_reads_exports_and_imports_again(board)


def test_command_line_arguments(fuzzed: Fuzzed, server_log: ServerLog, tmp_path: Path) -> None:
    """Arguments as the shell passes them: any bytes but NUL (UTF-8 or not)."""
    board = fuzzed.board
    csv = tmp_path / "jira.csv"
    csv.write_bytes(b"Issue Type,Summary,Issue key\nEpic,From the command line,CL-1\n")
    argument = st.one_of(
        ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=12),
        st.sampled_from(HOSTILE[:5]).map(str.encode),
    ).filter(lambda b: b"\x00" not in b)

    @settings(FUZZ, max_examples=6)
    @given(data=st.data(), arg=argument)
    def probe(data: st.DataObject, arg: bytes) -> None:
        command = data.draw(
            st.sampled_from(
                [
                    [b"link", arg],
                    [b"link", board.id.encode(), b"--team", arg],
                    [b"export", arg, b"-o", b"-"],
                    [
                        b"import",
                        b"--jira",
                        str(csv).encode(),
                        b"--board",
                        board.id.encode(),
                        b"--preview",
                        b"--map",
                        arg,
                    ],
                    [b"import", b"--jira", str(csv).encode(), b"--preview", b"--default-team", arg],
                ]
            )
        )
        done = piboard(board.server, tmp_path, *command)
        assert done.returncode in {0, 1, 2}, done.stderr[-2000:]
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        if done.returncode:
            assert done.stderr.strip(), command

    probe()
    assert_reads_exports_and_imports_again(board)

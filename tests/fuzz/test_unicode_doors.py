"""Strings from the whole Unicode range, lone surrogates and NUL included, through every door.

A fixed budget of seeded strings goes through the REST door, the websocket, the form door, the
JSON and Jira imports and the join door. Each string is stored exactly as the domain's text rule
allows or refused with a clear 4xx; never a 5xx. Afterwards the board reads, every export
downloads, and replaying the event table gives the board that is read.
"""

from __future__ import annotations

import json
import random
import urllib.parse
from typing import Any

import httpx

from board.fields import text_problem
from board.public import public_state
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.live.client import LiveClient, run_async

SEED = 20261129
BUDGET = 40  # strings per door; the same strings every run
EDGES = ["x \ud800 y", "\udfff", "\udc00\ud800", "\ud83d", "nul \x00", "😀 \U0010ffff", "\ufeff", "ok"]
EXPORTS = ["export.json", "export.zip", "export/jira.csv", "board.svg", "report.html"]
EXPORTS += [f"export/{p}.csv" for p in ("features", "stories", "risks", "objectives", "votes")]


def unicode_strings(rng: random.Random, count: int) -> list[str]:
    """Code points drawn from all of 0…U+10FFFF, with the surrogate block and the ASCII range weighted up."""

    def code_point() -> int:
        pick = rng.random()
        if pick < 0.2:
            return rng.randint(0xD800, 0xDFFF)
        if pick < 0.4:
            return rng.randint(0, 0x7F)
        return rng.randint(0, 0x10FFFF)

    drawn = ["".join(chr(code_point()) for _ in range(rng.randint(1, 12))) for _ in range(count - len(EDGES))]
    return EDGES + drawn


def acceptable(value: str, max_len: int = 200) -> bool:
    """The domain's text rule for a required title, written out from its documented parts."""
    stripped = value.strip()
    return (
        bool(stripped)
        and len(stripped) <= max_len
        and text_problem(stripped) is None
        and not any(ord(c) < 32 and c not in "\n\t" for c in stripped)
    )


def post_json(client: httpx.Client, url: str, body: Any) -> httpx.Response:
    return client.post(url, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def titles(board: BoardHandle) -> list[str]:
    return sorted(r["title"] for r in board.read()["items"]["risk"].values())


def test_every_door_stores_valid_text_and_refuses_the_rest(fuzz_server: LiveServer) -> None:
    rng = random.Random(SEED)
    board = create_board(fuzz_server, "Unicode ART")
    expected: list[str] = []

    # REST door.
    with board.rte() as c:
        for value in unicode_strings(rng, BUDGET):
            r = post_json(c, f"/api/boards/{board.id}/ops", {"type": "risk.create", "args": {"title": value}})
            assert r.status_code < 500, (value, r.text)
            assert (r.status_code == 200) == acceptable(value), (value, r.status_code, r.text)
            if r.status_code == 200:
                expected.append(value.strip())

    # Websocket door: a refusal per bad string, and the socket stays open.
    async def over_the_socket(values: list[str]) -> list[str]:
        client = await LiveClient.connect(fuzz_server.ws_url, board.id, board.rte_session, last_seq=None)
        await client.wait_welcome()
        sent = [(await client.op("risk.create", args={"title": v}), v) for v in values]
        await client.wait_until(lambda: all(i in client.acks or i in client.refusals for i, _ in sent))
        assert client.closed_code is None
        stored = []
        for op_id, value in sent:
            assert (op_id in client.acks) == acceptable(value), (value, client.refusals.get(op_id))
            if op_id in client.acks:
                stored.append(value.strip())
        await client.close()
        return stored

    # A socket is closed after ten refusals in a burst (flooding): a fresh one for each eight strings.
    socket_values = unicode_strings(rng, BUDGET)
    for start in range(0, len(socket_values), 8):
        expected += run_async(over_the_socket(socket_values[start : start + 8]))

    # Form door: bytes that are not UTF-8 arrive as U+FFFD, never as a surrogate.
    with fuzz_server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        for value in unicode_strings(rng, BUDGET):
            as_sent = value.encode("utf-8", "surrogatepass")
            body = b"type=risk.create&args.title=" + urllib.parse.quote_from_bytes(as_sent).encode()
            r = c.post(
                f"/b/{board.id}/ops",
                content=body,
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert r.status_code < 500, (value, r.text)
            if r.status_code == 204:
                expected.append(as_sent.decode("utf-8", "replace").strip())

    assert titles(board) == sorted(expected)
    check_reads_exports_and_replays(fuzz_server, board)


def test_import_and_join_doors_take_valid_text_only(fuzz_server: LiveServer) -> None:
    rng = random.Random(SEED + 1)
    values = unicode_strings(rng, BUDGET)
    good = [v for v in values if acceptable(v)]
    bad = [v for v in values if not acceptable(v)]
    assert good and bad

    def board_file(risks: list[str]) -> dict[str, Any]:
        return {
            "schema": "piboard/1",
            "meta": {"name": "Imported"},
            "risks": [{"id": f"r{i}", "title": t} for i, t in enumerate(risks)],
        }

    with fuzz_server.client() as c:
        made = post_json(c, "/api/boards/import", board_file(good))
        assert made.status_code == 201, made.text
        for value in bad[:5]:
            refused = post_json(c, "/api/boards/import", board_file([*good[:3], value]))
            assert refused.status_code == 422, (value, refused.text)
    imported = BoardHandle(fuzz_server, made.json()["board"]["id"], made.json()["rte_session"])
    assert titles(imported) == sorted(v.strip() for v in good)

    # Jira CSV: the file's bytes as any program may write them (surrogates encoded "as if" UTF-8).
    start = imported.read()["seq"]
    rows = "".join(
        f'Epic,"{v.replace(chr(34), chr(34) * 2)}"\n' for v in bad if "\r" not in v and "\n" not in v
    )
    data = ("Issue Type,Summary\n" + rows).encode("utf-8", "surrogatepass")
    with imported.rte() as c:
        r = c.post(f"/api/boards/{imported.id}/import/jira", files={"file": ("jira.csv", data, "text/csv")})
    assert 400 <= r.status_code < 500, r.text
    assert imported.read()["seq"] == start

    # The join door: names from the same strings.
    with imported.rte() as c:
        link = c.post(f"/api/boards/{imported.id}/links", json={"role": "observer"}).json()
        token = link["join_url"].rsplit("/", 1)[1]
        for value in values[:BUDGET]:
            joined = post_json(c, "/api/join", {"token": token, "name": value})
            assert joined.status_code < 500, (value, joined.text)
            assert (joined.status_code == 200) == acceptable(value, 80), (value, joined.text)
    check_reads_exports_and_replays(fuzz_server, imported)


def check_reads_exports_and_replays(server: LiveServer, board: BoardHandle) -> None:
    read = board.read()
    assert read["problems"] == []
    with board.rte() as c:
        assert c.get(f"/api/boards/{board.id}/events", params={"since": 0}).status_code == 200
        for path in EXPORTS:
            got = c.get(f"/api/boards/{board.id}/{path}")
            assert got.status_code == 200, (path, got.text[:200])
        assert c.get(f"/b/{board.id}/risks").status_code == 200
    op_path = server.services.op_path
    replayed = op_path.state_at(board.id, read["seq"])
    assert public_state(replayed) == public_state(op_path.state(board.id))

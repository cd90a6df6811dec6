"""Per-message deflate on the live socket, per connection (server/doors/deflate.py): negotiated with a
browser outside the room (a public address, as a trusted proxy forwards it), never with one in the room
(loopback, private, PIBOARD_ROOM_NETWORKS), whose thousand screens the fan-out serves uncompressed.
Servers run as ``piboard serve`` runs them (server.cli.uvicorn_options); the clients are real
``websockets`` clients, which offer deflate as browsers do."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from server.app import create_app
from server.cli import uvicorn_options
from server.doors.deflate import in_the_room
from server.settings import Settings
from tests.conftest import TEST_LIMITS, LiveServer, create_board, free_port, with_schema
from tests.live.client import run_async

PUBLIC = "8.8.8.8"  # a remote participant's address, as the proxy forwards it
ROOM = "8.8.4.4"  # a public address the operator named as the room's (PIBOARD_ROOM_NETWORKS)


def serve(tmp_path_factory: pytest.TempPathFactory, **overrides: Any) -> LiveServer:
    url = f"sqlite:///{tmp_path_factory.mktemp('deflate') / 'piboard.db'}"
    with_schema(url)
    settings = Settings(
        database_url=url, secret_key="test-secret-" + "x" * 32, **{**TEST_LIMITS, **overrides}
    )
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **uvicorn_options(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", settings, app, server, thread)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    """The default ("remote") behind a proxy on loopback, and with no proxy; "all" and "off"."""
    made = {
        "remote": serve(tmp_path_factory, trusted_proxies="127.0.0.1", room_networks=f"{ROOM}/32"),
        "no proxy": serve(tmp_path_factory),
        "all": serve(tmp_path_factory, ws_deflate="all"),
        "off": serve(tmp_path_factory, ws_deflate="off", trusted_proxies="127.0.0.1"),
    }
    yield made
    for server in made.values():
        server.stop()


def negotiated(server: LiveServer, forwarded_for: str | None = None) -> str | None:
    """The extensions the server accepted for a client offering deflate; the live protocol still
    answers (a welcome) over what was negotiated."""
    board = create_board(server)
    headers = {"Authorization": f"Bearer {board.rte_session}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for

    async def go() -> str | None:
        ws_url = server.url.replace("http", "ws", 1) + f"/b/{board.id}/ws"
        async with connect(ws_url, additional_headers=headers, compression="deflate") as ws:
            await ws.send(json.dumps({"type": "hello", "last_seq": None, "view": "program", "mode": "html"}))
            assert json.loads(await ws.recv())["type"] == "welcome"
            assert ws.response is not None
            return ws.response.headers.get("Sec-WebSocket-Extensions")

    return run_async(go())


def test_a_remote_browser_gets_deflate(servers: dict[str, LiveServer]) -> None:
    accepted = negotiated(servers["remote"], forwarded_for=PUBLIC)
    assert accepted is not None and accepted.startswith("permessage-deflate")


def test_the_room_gets_none(servers: dict[str, LiveServer]) -> None:
    assert negotiated(servers["remote"]) is None  # loopback
    assert negotiated(servers["remote"], forwarded_for="192.168.1.20") is None
    assert negotiated(servers["remote"], forwarded_for=ROOM) is None  # PIBOARD_ROOM_NETWORKS


def test_a_forwarded_address_from_an_untrusted_peer_is_not_believed(servers: dict[str, LiveServer]) -> None:
    # Anyone can write X-Forwarded-For: without PIBOARD_TRUSTED_PROXIES the peer (loopback) counts.
    assert negotiated(servers["no proxy"], forwarded_for=PUBLIC) is None


def test_all_and_off(servers: dict[str, LiveServer]) -> None:
    accepted = negotiated(servers["all"])
    assert accepted is not None and accepted.startswith("permessage-deflate")
    assert negotiated(servers["off"], forwarded_for=PUBLIC) is None


@pytest.mark.parametrize(
    ("address", "room"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.9", True),
        ("fe80::1", True),
        ("fd00::5", True),
        ("::ffff:192.168.0.4", True),
        ("unix-socket", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_which_addresses_are_the_room(address: str, room: bool) -> None:
    assert in_the_room(address) is room

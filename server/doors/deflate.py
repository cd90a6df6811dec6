"""The live socket's uvicorn protocol: per-message deflate negotiated per connection
(``PIBOARD_WS_DEFLATE``), and frames written at once (``WRITE_NOW``).

Measured on the demo ART (bench/live_frames.py, bench/README.md): a story moved sends a team page
44 KB of HTML, 8 KB deflated; a page back after a drop gets the program board again, 131 KB, 16 KB
deflated. On hotel Wi-Fi (1 Mbit/s) that is 350 ms against 65 ms per edit. But deflate keeps a zlib
stream per connection and compresses each frame once per connection (0.3-0.7 ms for a story move):
for a thousand screens on the room's LAN, where bandwidth is plenty, it would be the largest cost of
a broadcast. So by default it is negotiated only with browsers that are not in the room: whose address
(through ``PIBOARD_TRUSTED_PROXIES``, the address they forward) is public and not in
``PIBOARD_ROOM_NETWORKS``. The protocol is the same either way; a browser that does not offer deflate
gets none.

The protocol also offers the app, in the ASGI scope's extensions, a way to write a text frame at once
(server/live/connection.py, ``WRITE_NOW``): ASGI's ``send`` is a coroutine per frame, and a broadcast
to a thousand screens through it is a thousand tasks woken and a thousand send chains run, where
``websockets.broadcast`` (the floor in bench/fanout.py) writes each transport directly."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState, ProtocolError
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

from server.doors.origin import client_address
from server.live.connection import WRITE_NOW
from server.settings import Network, Settings


def in_the_room(address: str, room_networks: Sequence[Network] = ()) -> bool:
    """Whether ``address`` is on the room's network: private, loopback, link-local or one of
    ``room_networks``. Anything that is no IP address (a Unix socket) counts as the room."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
    return ip.is_private or ip.is_loopback or ip.is_link_local or any(ip in n for n in room_networks)


def deflate_wanted(settings: Settings, connection: HTTPConnection) -> bool:
    """Whether this socket may negotiate per-message deflate (if its browser offers it)."""
    if settings.ws_deflate != "remote":
        return settings.ws_deflate == "all"
    return not in_the_room(client_address(connection, settings.proxies), settings.room_network_list)


def live_protocol(settings: Settings) -> type[WebSocketsSansIOProtocol]:
    """uvicorn's websocket protocol (``ws="websockets-sansio"``), offering deflate to the sockets
    :func:`deflate_wanted` lets have it. Run with ``ws_per_message_deflate`` on (server.cli)."""

    class LiveProtocol(WebSocketsSansIOProtocol):
        def handle_connect(self, event: Request) -> None:
            headers = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in event.headers.raw_items()
            ]
            connection = HTTPConnection({"type": "websocket", "client": self.client, "headers": headers})
            if not deflate_wanted(settings, connection):
                self.conn.available_extensions = []
            super().handle_connect(event)
            if not self.close_sent:  # accepted by the websocket layer: the app is about to get its scope
                self.scope["extensions"][WRITE_NOW] = {"write": self.write_now}

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            # The scope holds this protocol's own method: a cycle, broken here so that the socket's
            # objects are freed as it closes, not left to a full garbage collection, which then takes
            # long (server/live/collector.py). Not a weak reference: that call is in every broadcast.
            scope = getattr(self, "scope", None)  # there is none if the handshake never came
            if scope is not None:
                scope["extensions"].pop(WRITE_NOW, None)

        def write_now(self, text: str) -> bool:
            """Write ``text`` as one frame now, if the socket is open and its transport takes more (not
            paused by flow control, where ASGI's ``send`` would wait). False: nothing was written."""
            if (
                not self.handshake_complete
                or self.close_sent
                or self.disconnected
                or self.initial_response is not None
                or not self.writable.is_set()
                or self.transport.is_closing()
            ):
                return False
            conn = self.conn
            if not conn.extensions and conn.state is State.OPEN and not conn.expect_continuation_frame:
                # No extension (the room's sockets: no deflate) and a server's frames unmasked: the
                # frame is the same bytes for every such socket, framed once per broadcast.
                self.transport.write(_plain_frame(text))
                return True
            try:
                conn.send_text(text.encode())
            except (InvalidState, ProtocolError):
                return False
            self.transport.write(b"".join(conn.data_to_send()))
            return True

    return LiveProtocol


_last_frame: tuple[str, bytes] = ("", b"")


def _plain_frame(text: str) -> bytes:
    """``text`` as a whole text frame from a server with no extension, as websockets would write it;
    made once for the many sockets a broadcast writes it to in a row."""
    global _last_frame
    if _last_frame[0] is not text:
        frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
        _last_frame = (text, frame)
    return _last_frame[1]

"""A slow link for browser tests: a TCP relay to a live server that holds every chunk a fixed time in each
direction, as a long way round (hotel Wi-Fi, a phone abroad) does. A browser that opens the relay's URL
gets its pages, scripts and live socket over that link; the server is the same.

The relay runs its own event loop in a thread (Playwright's sync API holds the main thread's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit


async def _carry(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Everything read, written ``delay`` seconds after it was read, in order, until either side closes."""
    loop = asyncio.get_running_loop()
    held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await held.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk or writer.is_closing():
                break
            writer.write(chunk)
            await writer.drain()
        if not writer.is_closing():
            writer.write_eof()

    delivering = asyncio.create_task(deliver())
    with contextlib.suppress(OSError):
        while chunk := await reader.read(65536):
            held.put_nowait((loop.time() + delay, chunk))
    held.put_nowait((loop.time() + delay, b""))
    with contextlib.suppress(OSError):
        await delivering


@contextlib.contextmanager
def slow_link(server_url: str, one_way: float) -> Iterator[str]:
    """The URL of a relay to ``server_url`` with ``one_way`` seconds of latency each way."""
    target = urlsplit(server_url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    listening: list[asyncio.Server] = []
    open_writers: set[asyncio.StreamWriter] = set()

    async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        open_writers.add(client_writer)
        with contextlib.suppress(OSError):
            server_reader, server_writer = await asyncio.open_connection(host, port)
            open_writers.add(server_writer)
            await asyncio.gather(
                _carry(client_reader, server_writer, one_way), _carry(server_reader, client_writer, one_way)
            )
            server_writer.close()
        client_writer.close()

    async def start() -> None:
        listening.append(await asyncio.start_server(relay, "127.0.0.1", 0))
        ready.set()

    async def stop() -> None:
        """Close every connection and let each relay end on its own (asyncio logs a cancelled one)."""
        listening[0].close()
        for writer in open_writers:
            writer.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if others:
            await asyncio.wait(others, timeout=5)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    relay_port = listening[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{relay_port}"
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

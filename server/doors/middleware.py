"""ASGI middleware at the outer door: request size limits, JSON bodies read under the JSON limits,
security and caching headers, and compression."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import brotli
from starlette.datastructures import Headers
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipMiddleware,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from board.errors import Invalid
from board.json_input import read_json
from server.errors import refusal_body
from server.pages.cdn import CDN_SCRIPTS
from server.pages.early_socket import EARLY_SOCKET_CSP
from server.pages.static_files import content_coding

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (
        b"content-security-policy",
        # Exactly the pinned CDN files (server/pages/cdn.py), not every script of the CDN host. The page's
        # loader (static/htmx-loader.js) fetches them first (connect-src), then runs them (script-src).
        # One inline script, by its hash: the early live socket (server/pages/early_socket.py).
        b"default-src 'self'; script-src 'self' "
        + " ".join((*(script.url for script in CDN_SCRIPTS), EARLY_SOCKET_CSP)).encode()
        + b"; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self' ws: wss: "
        + " ".join(script.url for script in CDN_SCRIPTS).encode()
        + b"; frame-ancestors 'none'; base-uri 'self'; "
        b"form-action 'self'",
    ),
]

# Pages, fragments and API answers show the board as it is now, to whoever holds its link: kept by no
# browser or proxy (a shared computer's disk, a hotel's proxy). They are rendered afresh at each request
# anyway, so a stored copy would save nothing (no-cache would still render the page to compare it).
# Answers that say otherwise keep their own (the static files: server/pages/static_files.py).
NOT_STORED = (b"cache-control", b"no-store")

# Answers gzip would not shrink (GZipMiddleware's list: images, archives, event streams) and PDFs,
# whose streams are compressed already. HTML, JSON, CSS, JS, SVG and CSV are compressed.
UNCOMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")
# Level 6, not GZipMiddleware's 9: a third faster on a page, 1-2 % larger (the static files, gzipped
# once at start, use 9).
COMPRESS_LEVEL = 6
# Brotli's quality 5: as fast as gzip's level 6 on a page (1-3 ms for the program board's 150 KB) and
# 13 % smaller (17.0 -> 14.7 KB); 8 saves 2 % more at three times the time, 11 a tenth at a hundred.
BROTLI_QUALITY = 5


class BrotliResponder(GZipResponder):
    """Starlette's gzip responder, brotli-compressing instead: the same streaming (a chunk of a streamed
    answer is flushed as it comes) and the same thread for large bodies."""

    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int, *, exclude_content_types: tuple[str, ...]) -> None:
        super().__init__(app, minimum_size, exclude_content_types=exclude_content_types)
        self._brotli: brotli.Compressor | None = None

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        if self._brotli is None:
            self._brotli = brotli.Compressor(mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
        packed: bytes = self._brotli.process(body)
        return packed + (self._brotli.flush() if more_body else self._brotli.finish())


class Compression(GZipMiddleware):
    """Starlette's gzip (streamed answers chunk by chunk, large ones off the loop), or brotli where the
    browser accepts it, with ``Accept-Encoding`` read as the static files read it: Starlette's looks
    for "gzip" in it, so ``gzip;q=0`` (gzip refused) got gzip."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, compresslevel=COMPRESS_LEVEL, exclude_content_types=UNCOMPRESSED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: ASGIApp
        coding = content_coding(Headers(scope=scope).get("accept-encoding", ""))
        if coding == "br":
            responder = BrotliResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        elif coding == "gzip":
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        await responder(scope, receive, send)


class LimitsAndHeaders:
    """Refuses request bodies over ``max_body`` bytes with 413 and adds security headers to every answer.

    ``route_limits`` gives the few routes that take files (imports) their own limit: the first
    pattern that matches the whole path wins; the route itself then checks the file's size."""

    def __init__(
        self, app: ASGIApp, max_body: int, route_limits: Sequence[tuple[re.Pattern[str], int]] = ()
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.route_limits = tuple(route_limits)

    def limit_for(self, path: str) -> int:
        return next((limit for pattern, limit in self.route_limits if pattern.fullmatch(path)), self.max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_body = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            await _too_large(send, max_body)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise _BodyTooLarge
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in (*SECURITY_HEADERS, NOT_STORED) if k not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, with_headers)
        except _BodyTooLarge:
            await _too_large(send, max_body)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    await _answer(send, 413, {"error": "too_large", "reason": f"request body over {limit} bytes"})


async def _answer(send: Send, status: int, content: dict[str, str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS, NOT_STORED],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(content).encode()})


class JsonBodies:
    """Reads every JSON request body with :func:`board.json_input.read_json` before a route does, and
    refuses (422, with the reason) one it would not read: nested a thousand deep, NaN, a 5,000-digit
    number. FastAPI's own reading answers those with a 400 that does not say why, or takes NaN.

    Goes inside :class:`LimitsAndHeaders`, which bounds the body. ``skip`` names the routes that read
    their own body with ``read_json`` (the imports: a file, up to ``max_import_bytes``)."""

    def __init__(self, app: ASGIApp, skip: Sequence[re.Pattern[str]] = ()) -> None:
        self.app = app
        self.skip = tuple(skip)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not _is_json(scope)
            or any(p.fullmatch(scope["path"]) for p in self.skip)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body: there is no one to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                read_json(body, "the request body")
            except Invalid as exc:
                await _answer(send, 422, refusal_body(exc))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    """Whether FastAPI would read this request's body as JSON (its strict content type)."""
    media_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )

"""The static files as the browser gets them: each under a name that carries a hash of its content
(``board.3f2a9c1e07.js``), cached for a year and never asked for again, so that a repeat visit on a slow
link fetches none of them; a change to a file is a new name, so no browser keeps an old copy.

Pages name the files through :meth:`StaticFolder.url` (the ``static_url`` of every template), the one
place the hashed names are made. The plain names (``/static/board.js``) keep working for anything that
still asks for them, with ``no-cache`` (the browser asks again each time; the ETag makes it a 304).

A bundle is several files served as one under a name of its own (server/pages/templating.py lists
them): a page's styles and scripts in one request each, not fourteen, without their comments.

The files ship with the package and never change under a running server: they are read, hashed and
gzipped once, when the folder is read, and answered from memory. A browser that accepts brotli gets
them brotli-compressed at its highest quality (a tenth smaller than gzip's best: on a slow link, the
first visit's bytes are its time, issue 28); that takes a second or two of CPU for all of them, so it
is done once per process, in a thread started by the folder's first request (not at start: every
``piboard`` command reads the folder), and a file asked for before its turn is compressed then."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio.to_thread
import brotli
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

# Long enough to be forever; ``immutable`` tells the browser not to ask again even on a reload.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_CHARS = 10
# What gzip shrinks (text); images and the like are served as they are.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
# Once per file and process: the highest.
BROTLI_QUALITY = 11
# Not served: the package's own Python files.
SKIPPED_SUFFIXES = (".py", ".pyc")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None  # None when gzip does not make it smaller, or it is not text
    media_type: str
    etag: str

    @property
    def compressible(self) -> bool:
        return self.gzipped is not None


def hashed_name(name: str, body: bytes) -> str:
    """``vendor/htmx-2.0.11.min.js`` → ``vendor/htmx-2.0.11.min.<hash>.js``: the hash goes before the
    last suffix, so the name still ends as its type does."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(body).hexdigest()[:HASH_CHARS]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _media_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
        return f"{guessed}; charset=utf-8"
    return guessed


_CSS_COMMENT = re.compile(rb"/\*.*?\*/", re.S)


def stripped(name: str, body: bytes) -> bytes:
    """A script or style sheet without its comments, indentation and blank lines: what the browser
    needs of it (a quarter fewer bytes gzipped for the bundles; on a slow link, bytes are time).
    Cautious, not a minifier: in a script only whole lines that are comments go (a comment after code
    stays), and every line break stays, so no statement ends elsewhere than it did. A file with
    anything the line-by-line reading could misjudge (a block comment opened after code, a template
    literal, a line continued by a backslash, ``/*`` in a style's string) is left as it is."""
    lines = body.split(b"\n")
    if name.endswith(".css"):
        if re.search(rb"[\"'][^\"'\n]*/\*", body):
            return body
        lines = _CSS_COMMENT.sub(b"", body).split(b"\n")
        return b"\n".join(line.strip() for line in lines if line.strip())
    if not name.endswith(".js"):
        return body
    kept: list[bytes] = []
    in_comment = False
    for raw in lines:
        line = raw.strip()
        if in_comment:
            if b"*/" in line:
                in_comment = False
                line = line.split(b"*/", 1)[1].strip()
            else:
                continue
        elif line.startswith(b"/*"):
            if b"*/" not in line:
                in_comment = True
                continue
            line = line.split(b"*/", 1)[1].strip()
        if line.startswith(b"//") or not line:
            continue
        if b"`" in line or line.endswith(b"\\") or (b"*/" not in line.split(b"/*")[-1] and b"/*" in line):
            return body  # a comment or string this reading does not follow
        kept.append(line)
    return body if in_comment else b"\n".join(kept)


def _bundled(name: str, parts: Sequence[tuple[str, bytes]]) -> bytes:
    """Files served as one (fewer requests: on a 300 ms link each wave of six costs a round trip).
    Scripts: the whole in strict mode (each file is strict already), each file in a ``try`` of its
    own so that one that throws while loading stops only itself, as it did as a file of its own (the
    error still reaches the console and the page's error handlers)."""
    parts = [(part, stripped(part, body)) for part, body in parts]
    if name.endswith(".js"):
        chunks = [b'"use strict";\n']
        for part, body in parts:
            chunks.append(
                b"/* %s */\ntry {\n%s\n} catch (error) { setTimeout(() => { throw error; }); }\n"
                % (part.encode(), body)
            )
        return b"".join(chunks)
    return b"".join(b"/* %s */\n%s\n" % (part.encode(), body) for part, body in parts)


def _read(body: bytes, name: str) -> StaticFile:
    media_type = _media_type(name)
    gzipped = None
    if media_type.startswith(COMPRESSIBLE):
        # Once per file and process, so at the highest level.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    return StaticFile(body, gzipped, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


class StaticFolder:
    """An ASGI app serving a folder's files (mounted at ``prefix``), and the URL of each by its hashed
    name."""

    def __init__(
        self, folder: Path, prefix: str = "/static", bundles: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.prefix = prefix
        self.urls: dict[str, str] = {}  # the file's own name → its URL (hashed)
        self.files: dict[str, tuple[StaticFile, str]] = {}  # a name served → the file, its Cache-Control
        bodies: dict[str, bytes] = {}
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix in SKIPPED_SUFFIXES or "__pycache__" in path.parts:
                continue
            bodies[path.relative_to(folder).as_posix()] = path.read_bytes()
        for bundle, parts in (bundles or {}).items():
            if bundle in bodies:
                raise ValueError(f"the bundle {bundle!r} has the name of a file")
            bodies[bundle] = _bundled(bundle, [(part, bodies[part]) for part in parts])
        for name, body in bodies.items():
            file = _read(body, name)
            hashed = hashed_name(name, body)
            self.urls[name] = f"{prefix}/{hashed}"
            self.files[hashed] = (file, IMMUTABLE)
            self.files[name] = (file, REVALIDATE)
        # A file's body brotli-compressed, by its ETag (None: brotli does not make it smaller).
        self.brotli: dict[str, bytes | None] = {}
        self._starting = threading.Lock()
        self._warming = False

    def brotli_of(self, file: StaticFile) -> bytes | None:
        """The file brotli-compressed, compressed now if it is not yet (in a thread: seconds of CPU)."""
        if file.etag not in self.brotli:
            packed = brotli.compress(file.body, quality=BROTLI_QUALITY)
            self.brotli[file.etag] = packed if len(packed) < len(file.body) else None
        return self.brotli[file.etag]

    def _warm(self) -> None:
        for file, _ in list(self.files.values()):
            if file.compressible:
                self.brotli_of(file)

    def url(self, name: str) -> str:
        """The URL a page names ``name`` by (``static_url('board.js')`` in a template). An unknown name
        is an error at render time, not a page that silently misses a file."""
        try:
            return self.urls[name]
        except KeyError:
            raise LookupError(f"no static file {name!r}") from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._warming:
            with self._starting:
                if not self._warming:
                    self._warming = True
                    threading.Thread(target=self._warm, name="static-brotli", daemon=True).start()
        found = self._find(scope)
        if (
            found is not None
            and found[0].compressible
            and found[0].etag not in self.brotli
            and content_coding(Headers(scope=scope).get("accept-encoding", "")) == "br"
        ):
            await anyio.to_thread.run_sync(self.brotli_of, found[0])
        await self.response(scope)(scope, receive, send)

    def _find(self, scope: Scope) -> tuple[StaticFile, str] | None:
        # Mounted: the path within the mount, as Starlette's own StaticFiles reads it.
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        name = path[len(root) :] if root and path.startswith(root) else path
        return self.files.get(name.lstrip("/"))

    def response(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        found = self._find(scope)
        if found is None:
            return PlainTextResponse("Not Found", 404)
        file, cache_control = found
        request = Headers(scope=scope)
        headers = {"Cache-Control": cache_control, "ETag": file.etag}
        if file.compressible:
            headers["Vary"] = "Accept-Encoding"
        if file.etag in (tag.strip() for tag in request.get("if-none-match", "").split(",")):
            return Response(status_code=304, headers=headers)
        body = file.body
        packed = {"br": self.brotli.get(file.etag), "gzip": file.gzipped}
        offered = tuple(coding for coding, packed_body in packed.items() if packed_body is not None)
        coding = content_coding(request.get("accept-encoding", ""), offered)
        if coding is not None:
            body = packed[coding] or body
            headers["Content-Encoding"] = coding
        return Response(body, media_type=file.media_type, headers=headers)


def accepts(accept_encoding: str, coding: str) -> bool:
    """Whether ``Accept-Encoding`` allows ``coding`` (``gzip;q=0`` refuses it; ``*`` stands for any coding
    not named). The one reading of the header: the static files and the compression of every other
    answer (server.doors.middleware) ask it."""
    star = False
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        refused = params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        if name.strip() == coding:
            return not refused
        if name.strip() == "*":
            star = not refused
    return star


def content_coding(accept_encoding: str, offered: Sequence[str] = ("br", "gzip")) -> str | None:
    """The coding a text answer goes in, of those ``offered``: brotli where the browser accepts it
    (smaller; browsers send it over HTTPS and to localhost), else gzip, else none."""
    return next((coding for coding in offered if accepts(accept_encoding, coding)), None)

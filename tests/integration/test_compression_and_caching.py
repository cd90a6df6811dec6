"""What a browser on a slow link is sent (issue 28), over real HTTP: text answers gzipped when it accepts
gzip and only then, the static files under hashed names it keeps for a year, and pages it keeps not at
all."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

import brotli
import httpx
import pytest

from tests.conftest import BoardHandle, LiveServer, create_board

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> BoardHandle:
    return create_board(live_server, "Demo ART", demo=True)


@pytest.fixture
def rte(demo: BoardHandle) -> Iterator[httpx.Client]:
    with demo.server.client() as c:
        c.cookies.set(f"pb_{demo.id}", demo.rte_session)
        yield c


def raw(c: httpx.Client, path: str, headers: dict[str, str]) -> httpx.Response:
    """The answer as sent, its body not decoded (httpx would unzip it)."""
    with c.stream("GET", path, headers=headers) as r:
        r.raw_body = b"".join(r.iter_raw())  # type: ignore[attr-defined]
    return r


def static_urls(page: str) -> list[str]:
    """Every static file a page names: fetched as it is read (src, href) or later (data-later)."""
    return sorted(set(re.findall(r'(?:src|href|data-later)="(/static/[^"]+)"', page)))


def static_body(c: httpx.Client, url: str) -> str:
    r = c.get(url)
    assert r.status_code == 200, url
    return r.text


def test_html_json_css_js_and_svg_are_gzipped_when_the_browser_accepts_it(
    rte: httpx.Client, demo: BoardHandle
) -> None:
    page = rte.get(f"/b/{demo.id}/program").text
    css = next(u for u in static_urls(page) if u.endswith(".css"))
    js = next(u for u in static_urls(page) if u.endswith(".js"))
    paths = [f"/b/{demo.id}/program", f"/api/boards/{demo.id}", css, js, f"/api/boards/{demo.id}/board.svg"]
    for path in paths:
        plain = raw(rte, path, IDENTITY)
        packed = raw(rte, path, GZIP)
        assert plain.status_code == packed.status_code == 200, path
        assert "content-encoding" not in plain.headers, path
        assert packed.headers["content-encoding"] == "gzip", path
        assert "accept-encoding" in packed.headers["vary"].lower(), path
        body = gzip.decompress(packed.raw_body)  # type: ignore[attr-defined]
        assert len(packed.raw_body) < len(body) / 2, path  # type: ignore[attr-defined]
        if path != f"/b/{demo.id}/program":  # a page carries the time it was rendered
            assert body == plain.raw_body, path  # type: ignore[attr-defined]


def test_brotli_where_the_browser_accepts_it_smaller_than_gzip_and_gzip_for_the_others(
    rte: httpx.Client, demo: BoardHandle
) -> None:
    """Brotli takes a tenth or more off gzip's bytes (issue 28); a browser that does not say ``br`` gets
    gzip as before."""
    page = rte.get(f"/b/{demo.id}/program").text
    css = next(u for u in static_urls(page) if u.endswith(".css"))
    js = next(u for u in static_urls(page) if u.endswith(".js"))
    paths = [f"/b/{demo.id}/program", f"/api/boards/{demo.id}", css, js, f"/api/boards/{demo.id}/board.svg"]
    for path in paths:
        plain = raw(rte, path, IDENTITY)
        packed = raw(rte, path, {"Accept-Encoding": "gzip, deflate, br, zstd"})
        gzipped = raw(rte, path, GZIP)
        assert packed.status_code == gzipped.status_code == 200, path
        assert packed.headers["content-encoding"] == "br", path
        assert gzipped.headers["content-encoding"] == "gzip", path
        assert "accept-encoding" in packed.headers["vary"].lower(), path
        body = brotli.decompress(packed.raw_body)  # type: ignore[attr-defined]
        assert len(packed.raw_body) < len(gzipped.raw_body), path  # type: ignore[attr-defined]
        if path != f"/b/{demo.id}/program":  # a page carries the time it was rendered
            assert body == plain.raw_body, path  # type: ignore[attr-defined]
        else:
            assert body.startswith(b"<!doctype html>"), path
    refused = raw(rte, js, {"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["content-encoding"] == "gzip"


def test_gzip_refused_with_q_zero_is_not_sent(rte: httpx.Client, demo: BoardHandle) -> None:
    page = rte.get(f"/b/{demo.id}/program").text
    js = next(u for u in static_urls(page) if u.endswith(".js"))
    assert "content-encoding" not in raw(rte, js, {"Accept-Encoding": "gzip;q=0, identity"}).headers


def test_a_png_is_sent_as_it_is(rte: httpx.Client, demo: BoardHandle) -> None:
    png = raw(rte, f"/api/boards/{demo.id}/board.png", GZIP)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert "content-encoding" not in png.headers


def test_every_static_file_a_page_names_is_hashed_and_kept_for_a_year(
    rte: httpx.Client, demo: BoardHandle
) -> None:
    pages = [f"/b/{demo.id}/program", f"/b/{demo.id}/screen", "/"]
    named = {u for path in pages for u in static_urls(rte.get(path).text)}
    # The vendored htmx too, which the page preloads as its loader's fallback.
    assert any(re.fullmatch(r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{10}\.js", u) for u in named)
    for url in named:
        assert re.fullmatch(r"/static/[\w/.-]+\.[0-9a-f]{10}\.\w+", url), url
        r = rte.get(url)
        assert r.status_code == 200, url
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", url


def test_plain_static_names_still_answer_and_are_asked_for_again(rte: httpx.Client) -> None:
    r = rte.get("/static/board.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    again = rte.get("/static/board.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert rte.get("/static/board.0000000000.js").status_code == 404
    assert rte.get("/static/__init__.py").status_code == 404
    assert rte.post("/static/board.js").status_code == 405


def test_pages_and_api_answers_are_kept_by_no_one(rte: httpx.Client, demo: BoardHandle) -> None:
    link = rte.post(f"/api/boards/{demo.id}/links", json={"role": "observer"}, headers={}).json()
    for path in [
        "/",
        f"/b/{demo.id}/program",
        f"/b/{demo.id}/screen",
        f"/api/boards/{demo.id}",
        str(link["join_url"]).removeprefix(demo.server.url),
    ]:
        r = rte.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-store", path


@pytest.mark.parametrize("view", ["program", "team", "screen"])
def test_a_board_page_waits_only_for_the_scripts_it_needs_to_be_live(
    rte: httpx.Client, demo: BoardHandle, view: str
) -> None:
    """On a slow link every byte before the page is live is time (issue 28): a board page's head names
    htmx, its ws extension and the live socket's script, fetched at high priority, and nothing else; the
    editors, drag and drop, the strings, the menus and the timer come in one bundle asked for once the
    page is read (static/live-early.js), and that bundle has them all."""
    if view == "team":
        team = next(iter(demo.read()["items"]["team"]))
        view = f"team/{team}"
    page = rte.get(f"/b/{demo.id}/{view}").text
    head = page.split("</head>")[0]
    scripts = re.findall(r'<script src="(/static/[^"]+)"([^>]*)>', page)
    live = [(url, attrs) for url, attrs in scripts if re.fullmatch(r"/static/board-live\.\w+\.js", url)]
    assert len(live) == 1 and 'fetchpriority="high"' in live[0][1] and "defer" in live[0][1], scripts
    assert live[0][0] in head
    live_js = static_body(rte, live[0][0])
    assert "takeEarlySocket" in live_js  # static/live.js
    others = [url for url, _ in scripts if url != live[0][0]]
    # The live page needs htmx (the vendored copies here, or the CDN loader) and its ws extension; the
    # big screen also fits its cells (screen.js) as it lays them out.
    allowed = r"/static/(htmx-loader|vendor/htmx-[\w.-]+|screen)\.[0-9a-f]{10}\.js"
    assert all(re.fullmatch(allowed, url) for url in others), others
    later = re.findall(r'data-later="(/static/board-ops\.\w+\.js)"', head)
    assert len(later) == 1, "the page asks for its other scripts once it is read"
    ops = static_body(rte, later[0])
    for part in ("meeting.js", "confirm.js", "board.js", "typing.js", "room.js", "menu.js", "timer.js"):
        assert f"/* {part} */" in ops, part
        assert f"/* {part} */" not in live_js, part
    assert "takeEarlySocket" not in ops

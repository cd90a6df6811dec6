"""What a browser on a slow link is sent (issue 28), over real HTTP: text answers gzipped when it accepts
gzip and only then, the static files under hashed names it keeps for a year, and pages it keeps not at
all."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

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
    return sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page)))


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

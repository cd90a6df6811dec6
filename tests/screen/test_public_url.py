"""Join links that open on the room's phones: every printed join link and the big screen's QR code use
``PIBOARD_PUBLIC_URL``; without it, a page opened over loopback says that phones cannot reach it (the
RTE's join-link panel and the screen's join scene). Real servers over HTTP; the QR code is decoded from
its picture, as a phone reads it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import cairosvg
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import BoardHandle, LiveServer, create_board, start_server

PUBLIC = "http://piboard.lan:8123"
WARNING = "Phones cannot reach 127.0.0.1"


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db: Path = tmp_path_factory.mktemp("public") / "piboard.db"
    server = start_server(f"sqlite:///{db}", public_url=PUBLIC)
    yield server
    server.stop()


def on_screen(board: BoardHandle) -> str:
    """Make an observer link, put it on the big screen's join scene; answer its printed address."""
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": "observer", "team_id": None})
        made.raise_for_status()
        shown = c.post(
            f"/api/boards/{board.id}/ops",
            json={"type": "screen.show", "args": {"scene": "join", "link": made.json()["id"]}},
        )
        assert shown.status_code == 200, shown.text
        return str(made.json()["join_url"])


def scanned(board: BoardHandle) -> str:
    with board.rte() as c:
        svg = c.get(f"/b/{board.id}/screen/qr.svg")
    assert svg.status_code == 200, svg.text
    png = cairosvg.svg2png(bytestring=svg.content, output_width=600)
    drawn = Image.open(io.BytesIO(png)).convert("RGBA")
    paper = Image.new("RGBA", drawn.size, "white")  # the SVG has no background: on white, as on screen
    codes = zxingcpp.read_barcodes(Image.alpha_composite(paper, drawn).convert("L"))
    assert len(codes) == 1
    return str(codes[0].text)


def pages(board: BoardHandle) -> dict[str, str]:
    with board.rte() as c:
        return {view: c.get(f"/b/{board.id}/{view}").text for view in ("admin", "screen")}


def test_every_join_link_and_the_qr_code_use_the_public_url(public_server: LiveServer) -> None:
    with public_server.client() as c:
        made = c.post("/api/boards", json={"name": "Public ART"})
    assert made.json()["rte_join_url"].startswith(f"{PUBLIC}/join/")
    board = create_board(public_server, name="Public ART")
    url = on_screen(board)
    assert re.fullmatch(rf"{re.escape(PUBLIC)}/join/[\w-]+", url)
    assert scanned(board) == url
    seen = pages(board)
    # The RTE's panel prints and draws the public address, never the one the page was opened with.
    assert f'value="{url}"' in seen["admin"]
    assert f'value="{public_server.url}/join/' not in seen["admin"]
    with board.rte() as c:
        link_id = c.get(f"/api/boards/{board.id}/links").json()[-1]["id"]
        large = c.get(f"/b/{board.id}/admin/links/{link_id}/qr").text
    assert url in large
    # The public address is set: nothing to warn about.
    assert all("data-unreachable" not in html for html in seen.values())


def test_without_a_public_url_pages_opened_over_loopback_say_phones_cannot_reach_it(
    e2e_server: LiveServer,
) -> None:
    board = create_board(e2e_server, name="Loopback ART")
    url = on_screen(board)
    assert url.startswith(f"{e2e_server.url}/join/")
    assert scanned(board) == url
    seen = pages(board)
    for view in ("admin", "screen"):
        assert "data-unreachable" in seen[view] and WARNING in seen[view], view
        assert "PIBOARD_PUBLIC_URL" in seen[view]
    # Opened by the address people use on the room's network, the links are fine as they are.
    with board.rte() as c:
        lan = c.get(f"/b/{board.id}/admin", headers={"Host": "192.168.1.20:8000"}).text
    assert "data-unreachable" not in lan
    assert 'value="http://192.168.1.20:8000/join/' in lan

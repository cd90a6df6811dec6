"""Every page at 1920×1080 and 1366×768, on an empty board and on the demo, as the RTE sees it (every
control) and a team member: screenshots in test-artifacts/screenshots for people to look at, and no
page wider than the screen (nothing to scroll sideways for but the program board's own grid)."""

from __future__ import annotations

import pytest

from tests.browser import FULL_HD, LAPTOP, PageAs, screenshot
from tests.conftest import LiveServer, create_board

PAGES = ("program", "objectives", "risks", "vote", "agenda", "admin", "screen")


@pytest.mark.parametrize("viewport", [FULL_HD, LAPTOP], ids=["1920x1080", "1366x768"])
@pytest.mark.parametrize("demo", [False, True], ids=["empty", "demo"])
def test_every_page_fits_the_screen(
    e2e_server: LiveServer, page_as: PageAs, demo: bool, viewport: dict[str, int]
) -> None:
    board = create_board(e2e_server, name="Demo ART" if demo else "Empty ART", demo=demo)
    rte = page_as(board, "rte", "Rita", viewport=viewport, block_cdn=True)
    teams = sorted(board.read()["items"]["team"])
    pages = PAGES + tuple(f"team/{t}" for t in teams[:1])
    too_wide = {}
    for name in pages:
        rte.goto(f"{e2e_server.url}/b/{board.id}/{name}")
        rte.wait_for_selector("#conn-status[data-state=live]")
        screenshot(rte, f"pages-{'demo' if demo else 'empty'}-{name.split('/')[0]}")
        width = rte.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide[name] = width
    assert too_wide == {}

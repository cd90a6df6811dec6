"""The big screen's join scene: its QR code opens the join link the RTE chose for it, so a person in the
room scans it, gives their name and is in with that link's role. The code is decoded as a phone would
(zxing-cpp reading the screen's pixels), never taken from our own generator."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.ui_setup import UiBoard
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


def scanned(screen: Page) -> str:
    """What a phone reads from the QR code on the big screen."""
    picture = Image.open(io.BytesIO(screen.locator(".stage-join img").screenshot()))
    codes = zxingcpp.read_barcodes(picture)
    assert len(codes) == 1, f"{len(codes)} QR codes read off the screen"
    return str(codes[0].text)


def post_from(page: Page, url: str, fields: dict[str, str]) -> int:
    """What a tampered page would send (the control is not offered)."""
    status: int = page.evaluate(
        """async ([url, fields]) =>
            (await fetch(url, {method: "POST", body: new URLSearchParams(fields)})).status""",
        [url, fields],
    )
    return status


def test_the_screens_qr_code_joins_with_the_link_the_rte_chose(browser: Browser, ui_board: UiBoard) -> None:
    screen = ui_board.join(browser, "observer", "Room screen")
    rte = ui_board.rte
    wait_live(screen)
    screen.evaluate("window.__stillThisPage = true")

    # Nothing chosen yet: the join scene says where the RTE picks the link.
    rte.goto(ui_board.url("admin"))
    wait_live(rte)
    rte.locator("#room-menu summary").click()
    rte.locator("#room-menu [data-scene=join]").click()
    expect(screen.locator(".stage-join")).to_contain_text("Admin → Join links")
    expect(screen.locator(".stage-join img")).to_have_count(0)

    # The RTE makes a link for the Business Owners and puts it on the big screen, from their laptop.
    bo_url = ui_board.make_link("business_owner")
    bo_row = rte.locator("tr", has=rte.locator("[data-fresh-url]"))
    bo_row.locator("[data-action=show-on-screen]").click()
    expect(screen.locator(".stage-join img")).to_be_visible()
    expect(screen.locator(".stage-join img")).to_have_js_property("complete", True)
    assert screen.evaluate("window.__stillThisPage === true"), "the screen reloaded"

    # The RTE's own link is never offered for the screen.
    rte_row = rte.locator("#join-links tr", has_text="Release Train Engineer")
    expect(rte_row).to_have_count(1)
    expect(rte_row.locator("[data-action=show-on-screen]")).to_have_count(0)

    payload = scanned(screen)
    assert payload == bo_url
    assert re.fullmatch(rf"{re.escape(ui_board.server.url)}/join/[\w-]+", payload)
    rte_cookie = next(c["value"] for c in rte.context.cookies() if c["name"] == f"pb_{ui_board.id}")
    assert rte_cookie not in payload

    # A phone in the room: a fresh browser, nothing but the scanned address.
    phone = ui_board.open_link(browser, payload, "Bea Owner")
    assert phone.url.endswith(f"/b/{ui_board.id}/program")
    expect(phone.locator("body")).to_have_attribute("data-role", "business_owner")

    # Revoked, the link leaves the screen's QR code with nothing to open.
    rte.once("dialog", lambda dialog: dialog.accept())
    rte.locator("#join-links tr", has_text="Business Owner").locator("[data-action=revoke]").click()
    expect(rte.locator("#join-links tr", has_text="Business Owner")).to_have_class(re.compile("revoked"))
    qr = f"/b/{ui_board.id}/screen/qr.svg"
    assert screen.evaluate("async url => (await fetch(url)).status", qr) == 404

    # Even a tampered page that puts the RTE's link on the screen gets no QR code of it.
    rte_link = str(rte_row.get_attribute("data-link"))
    fields = {"type": "screen.show", "args.scene": "join", "args.link": rte_link}
    assert post_from(rte, f"/b/{ui_board.id}/ops", fields) == 204
    expect(screen.locator(".stage-join img")).to_have_attribute("src", re.compile(re.escape(rte_link)))
    assert screen.evaluate("async url => (await fetch(url)).status", qr) == 403

"""Cross-train dependencies in a real browser (issue 29): a team of train A asks a team of train B from
its team page (the provider list's "Other trains"); B's team page shows the request without a reload,
B accepts it with work planned too late: the conflict shows on A's open program board without a
reload, its string going to a marker at the board's edge that names train B's team."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import PageAs
from tests.conftest import LiveServer
from tests.integration.test_cross_train import feature, two_trains

pytestmark = pytest.mark.e2e


def live(page: Page, path: str) -> Page:
    page.goto(path)
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    return page


def test_a_team_asks_another_train_in_the_browser_and_sees_its_answer_and_the_conflict(
    live_server: LiveServer, page_as: PageAs
) -> None:
    s = two_trains(live_server)
    feature(s.a, 2)  # Alpha's feature, in A's iteration 2
    ann = page_as(s.a.board, "team", "Ann", s.a.team)
    cleo = live(
        page_as(s.b.board, "team", "Cleo", s.b.team), f"{live_server.url}/b/{s.b.board.id}/team/{s.b.team}"
    )
    live(ann, f"{live_server.url}/b/{s.a.board.id}/team/{s.a.team}")

    ann.locator("#deps-out summary", has_text="We need").click()
    ask = ann.locator("#deps-out form.add-dep")
    ask.get_by_label("What we need").fill("Card tokens <v2>")
    ask.get_by_label("From team").select_option(label="Train B · Checkout")
    ask.get_by_label("For our feature").select_option(index=1)
    ask.get_by_role("button", name="Ask for it").click()
    expect(ann.locator("#deps-out li.dep")).to_contain_text("“Card tokens <v2>” from Train B · Checkout")

    asked = cleo.locator("#deps-in li.dep")
    expect(asked).to_contain_text("Train A · Alpha needs “Card tokens <v2>”")

    # B accepts with its work in iteration 3: after A's need, a conflict on A's open program board.
    live(ann, f"{live_server.url}/b/{s.a.board.id}/program")
    string = ann.locator("#strings li.string")
    expect(string).to_have_attribute("data-state", "requested")
    mirror = next(d for d in s.b.board.read()["items"]["dependency"].values() if d["requester_train"])
    api = feature(s.b, 3)
    accepted = s.b.board.op(
        s.b.member, "dependency.accept", target=mirror["id"], base_version=mirror["version"],
        args={"provider_feature_id": api},
    )  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    expect(string).to_have_attribute("data-state", "conflict")
    expect(ann.locator("#strings-layer .edge-marker text")).to_have_text("Train B · Checkout")

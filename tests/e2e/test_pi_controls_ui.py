"""The controls of issue 22 in the browser: the baseline on Admin and ART sync, features on the program
board, the vote's privacy, and History's compare listing every kind of change."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import PageAs
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.e2e.ui_setup import accept_dialogs

WHO_ADDS = "Features are added by Product Management, the RTE or the Architect."


def test_the_rte_takes_the_baseline_on_admin_told_first_what_it_freezes_then_starts_execution(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    asked: list[str] = []
    accept_dialogs(rte, asked)
    rte.goto(f"{board.server.url}/b/{board.id}/admin")
    part = rte.locator("#admin-lock")
    # Said first: the plan as it is now, counted (6 features, 5 in an iteration; 5 stories, 51 points).
    freezes = part.locator(".baseline-freezes")
    expect(freezes).to_contain_text("freezes the plan as it is now: 6 features (5 in an")
    expect(freezes).to_contain_text("5 stories (5 in an iteration, 51 points)")
    expect(freezes).to_contain_text("1 dependency")
    expect(freezes).to_contain_text("2 objectives (0 with business value)")
    part.get_by_role("button", name="Take the baseline").click()
    taken = re.compile(r"Baseline taken \w{3} \d\d \w{3} \d\d:\d\d UTC by Rita")
    expect(part.locator(".baseline-taken")).to_contain_text(taken)
    assert asked and asked[0].startswith("Take the baseline? It freezes the plan as it is now: 6 features")
    # On ART sync: when and by whom, and now the execution can start.
    rte.get_by_role("link", name="Start the PI's execution on ART sync").click()
    expect(rte.locator("#execution-state .baseline-taken")).to_contain_text("by Rita")
    rte.get_by_role("button", name="Start the PI's execution").click()
    expect(rte.locator("#execution-state")).to_contain_text("The PI is running")


def test_the_rte_takes_the_baseline_on_art_sync(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    accept_dialogs(rte, [])
    rte.goto(f"{board.server.url}/b/{board.id}/sync")
    banner = rte.locator("#execution-state")
    expect(banner.get_by_role("button", name="Start the PI's execution")).to_have_count(0)
    expect(banner.locator(".baseline-freezes")).to_contain_text("freezes the plan as it is now")
    banner.get_by_role("button", name="Take the baseline").click()
    # The sync page has no live renderer: its browser fetches it again after the change.
    expect(banner.get_by_role("button", name="Start the PI's execution")).to_be_visible()
    expect(banner.locator(".baseline-taken")).to_contain_text("by Rita")
    assert board.read()["items"]["meta"]["meta"]["baseline_seq"] is not None


def test_only_the_rte_is_offered_the_baseline(planned_board: tuple[BoardHandle, Plan]) -> None:
    board, _ = planned_board
    pm = board.join("pm", "Pam")
    with board.server.client(pm) as c:
        sync = c.get(f"/b/{board.id}/sync").text
    assert 'value="baseline.take"' not in sync
    with board.rte() as c:
        assert 'value="baseline.take"' in c.get(f"/b/{board.id}/sync").text


def test_product_management_adds_features_on_the_program_board_to_a_cell_or_unplanned(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    pam = page_as(board, "pm", "Pam", block_cdn=True)
    pam.goto(f"{board.server.url}/b/{board.id}/program")
    pam.locator("#add-feature summary").click()
    form = pam.locator("#add-feature form")
    form.get_by_label("Feature title").fill("One-click checkout")
    form.get_by_label("Feature team").select_option(label="Comet")
    form.get_by_label("Feature iteration").select_option(label="I1")
    form.get_by_role("button", name="Add feature").click()
    cell = pam.locator('.cell[data-team="comet"][data-iteration="it1"]')
    expect(cell.locator(".card", has_text="One-click checkout")).to_be_visible()
    form.get_by_label("Feature title").fill("Gift cards")
    form.get_by_label("Feature team").select_option(label="no team yet")
    form.get_by_label("Feature iteration").select_option(label="not planned")
    form.get_by_role("button", name="Add feature").click()
    expect(pam.locator("#backlog .card", has_text="Gift cards")).to_be_visible()


def test_the_architect_adds_enablers_only_and_a_team_member_is_told_who_adds_features_and_asks(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    arch = board.join("architect", "Archie")
    with board.server.client(arch) as c:
        program = c.get(f"/b/{board.id}/program").text
    kinds = re.search(r'<select name="args.feature_kind".*?</select>', program, re.S)
    assert kinds is not None and re.findall(r'value="(\w+)"', kinds.group(0)) == ["enabler"]
    tess = page_as(board, "team", "Tess", "atlas", block_cdn=True)
    for page in ("program", "team/atlas"):
        tess.goto(f"{board.server.url}/b/{board.id}/{page}")
        expect(tess.get_by_text(WHO_ADDS)).to_be_visible()
        expect(tess.locator('form [name="type"][value="feature.create"]')).to_have_count(0)
    ask = tess.locator("#team-who-adds form")
    ask.get_by_label("The feature we need").fill("Refunds for partner shops")
    ask.get_by_role("button", name="Ask Product Management for it").click()
    # It is in the help queue, for Product Management, in every top bar.
    expect(tess.locator("#help-count")).to_have_text("1")
    asked = "needs the Product Management: Refunds for partner shops"
    expect(tess.locator("#help-panel .help-row")).to_contain_text(asked)


def test_the_rte_chooses_a_named_vote_before_the_round_opens_and_it_is_shown_not_editable_while_open(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    rte.goto(f"{board.server.url}/b/{board.id}/vote")
    choice = rte.locator("#vote-head form.vote-privacy-choice")
    expect(choice.get_by_label("anonymous")).to_be_checked()  # the default
    expect(choice).to_contain_text("Anonymous: only how many gave each value is ever shown")
    choice.get_by_label("named").check()
    choice.get_by_role("button", name="Save").click()
    expect(rte.locator("#vote-privacy")).to_have_attribute("data-privacy", "named")
    rte.locator("#vote-head").get_by_role("button", name="Open round").click()
    head = rte.locator("#vote-head")
    # Open: the choice is shown, not editable, and why.
    expect(head.locator("#vote-privacy")).to_contain_text("Named: once the round is revealed")
    expect(head.locator("#vote-privacy")).to_contain_text("close the open round first to change it")
    expect(head.locator('input[name="args.vote_privacy"]')).to_have_count(0)
    tess = page_as(board, "team", "Tess", "atlas", block_cdn=True)
    tess.goto(f"{board.server.url}/b/{board.id}/vote")
    tess.locator("[data-fist-button='4']").click()
    mine = "Your vote: 4 (shown only on this screen until the reveal)"
    expect(tess.locator("[data-my-vote]")).to_have_text(mine)
    round_ = rte.locator(".vote-round").first
    expect(round_.locator("[data-vote-count]")).to_have_text("1")
    round_.get_by_role("button", name="Close voting").click()
    rte.locator(".vote-round").first.get_by_role("button", name="Reveal").click()
    expect(tess.locator(".vote-round .named-votes")).to_have_text("Tess: 4")
    screen = page_as(board, "observer", "Screen", block_cdn=True)
    screen.goto(f"{board.server.url}/b/{board.id}/screen")
    rte.goto(f"{board.server.url}/b/{board.id}/vote")
    assert board.op(board.rte_session, "screen.show", args={"scene": "vote"}).status_code == 200
    named = "Named vote: who voted what is shown after the reveal."
    expect(screen.locator("#screen-vote .vote-privacy")).to_have_text(named)


def test_an_anonymous_round_shows_only_the_distribution_after_the_reveal(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = board.rte_session
    assert board.op(rte, "vote.open", args={}).status_code == 200
    tess = page_as(board, "team", "Tess", "atlas", block_cdn=True)
    tess.goto(f"{board.server.url}/b/{board.id}/vote")
    expect(tess.locator(".vote-round .vote-privacy")).to_contain_text("Anonymous: only how many gave each")
    tess.locator("[data-fist-button='4']").click()
    expect(tess.locator("[data-my-vote]")).to_have_text(
        "Your vote: 4 (shown only on this screen: the vote stays anonymous)"
    )
    expect(tess.locator(".vote-round [data-vote-count]")).to_have_text("1")
    round_id = next(iter(board.read()["items"]["vote"]))
    assert board.op(rte, "vote.close", target=round_id).status_code == 200
    assert board.op(rte, "vote.reveal", target=round_id).status_code == 200
    expect(tess.locator(".vote-round [data-fist='4']")).to_have_attribute("data-votes", "1")
    expect(tess.locator(".named-votes")).to_have_count(0)
    assert "Tess" not in (tess.locator(".vote-round").text_content() or "")


def test_the_sync_settings_form_saves_the_velocity_threshold(planned_board: tuple[BoardHandle, Plan]) -> None:
    board, _ = planned_board
    with board.rte() as c:
        page = c.get(f"/b/{board.id}/sync").text
        update = r'<form[^>]*>\s*<input type="hidden" name="type" value="board.update">.*?</form>'
        form = re.search(update, page, re.S)
        assert form is not None
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
        r = c.post(f"/b/{board.id}/ops", data={**fields, "args.velocity_threshold": "0.6"})
    assert r.status_code == 204, r.text
    assert board.read()["items"]["meta"]["meta"]["velocity_threshold"] == 0.6


def test_the_architect_notes_a_dependency_on_the_program_board_and_the_teams_read_it(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    archie = page_as(board, "architect", "Archie", block_cdn=True)
    archie.goto(f"{board.server.url}/b/{board.id}/program")
    archie.locator(".deps-panel > summary").click()
    note = archie.get_by_label("Comet needs “Payments API” from Atlas: note")
    note.fill("Use the v2 token API")
    archie.locator('#dep-notes li[data-dep="dep1"]').get_by_role("button", name="Save note").click()
    expect(archie.locator('#dep-notes li[data-dep="dep1"] input[name="base_version"]')).not_to_have_value("1")
    # Saved twice: the live update brought the new version, so the second is not refused as stale.
    archie.get_by_label("Comet needs “Payments API” from Atlas: note").fill("Use the v2 token API, not v1")
    archie.locator('#dep-notes li[data-dep="dep1"]').get_by_role("button", name="Save note").click()
    tess = page_as(board, "team", "Tess", "atlas", block_cdn=True)
    tess.goto(f"{board.server.url}/b/{board.id}/team/atlas")
    expect(tess.locator("#deps-in .dep-comment")).to_have_text("Note: Use the v2 token API, not v1")

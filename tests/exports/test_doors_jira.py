"""Jira import over REST on a real server: mapping and preview, apply, re-import, refusals with
line numbers, roles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from exports_boards import HOSTILE_SCRIPT
from test_jira import FIXTURES

from tests.conftest import BoardHandle, LiveServer, create_board

CSV_TYPE = {"content-type": "text/csv"}


def jira_target(server: LiveServer) -> BoardHandle:
    """Iterations 1–4 and the IP, teams Apollo and Borealis: what a Jira export maps onto."""
    board = create_board(server, "Jira target")
    for n in range(1, 6):
        args = {"number": n, "name": "IP" if n == 5 else f"Iteration {n}", "is_ip": n == 5}
        assert board.op(board.rte_session, "iteration.create", args=args).status_code == 200
    for name in ("Apollo", "Borealis"):
        assert board.op(board.rte_session, "team.create", args={"name": name}).status_code == 200
    return board


@pytest.fixture
def target(live_server: LiveServer) -> BoardHandle:
    return jira_target(live_server)


def post(board: BoardHandle, session: str, data: bytes, **params: Any) -> httpx.Response:
    query: dict[str, Any] = {k: v if k == "map" else str(v).lower() for k, v in params.items()}
    with board.server.client(session) as c:
        return c.post(f"/api/boards/{board.id}/import/jira", content=data, params=query, headers=CSV_TYPE)


def by_key(read: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = [*read["items"]["feature"].values(), *read["items"]["story"].values()]
    return {x["external_key"]: x for x in items if x.get("external_key")}


DC = (FIXTURES / "dc_company_managed.csv").read_bytes()


def test_preview_then_apply_then_an_identical_import_changes_nothing(target: BoardHandle) -> None:
    seq = target.read()["seq"]
    preview = post(target, target.rte_session, DC, preview=True, map=["sprint:Payments Sprint 12=2"])
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["preview"] is True and body["seq"] == seq
    fates = {r["key"]: r for r in body["rows"]}
    assert fates["PAY-123"]["fate"] == "skip" and fates["PAY-123"]["line"] == 14
    assert fates["PAY-110"]["values"]["iteration"] == 2
    assert body["counts"]["dependencies"] == 3 and body["points"]["file"] == body["points"]["board"] == 31
    assert target.read()["seq"] == seq, "a preview changes nothing"

    applied = post(target, target.rte_session, DC, preview=False, map=["sprint:Payments Sprint 12=2"])
    assert applied.status_code == 200, applied.text
    read = target.read()
    got = by_key(read)
    numbers = {i["id"]: i["number"] for i in read["items"]["iteration"].values()}
    assert numbers[got["PAY-110"]["iteration_id"]] == 2 and got["PAY-110"]["points"] == 5, got["PAY-110"]
    assert len(read["items"]["dependency"]) == 3
    assert read["items"]["meta"]["meta"]["import_mapping"]["sprint:Payments Sprint 12"] == "2"

    again = post(target, target.rte_session, DC, preview=False).json()
    assert again["counts"]["create"] == again["counts"]["update"] == 0
    assert target.read()["seq"] == read["seq"], "the remembered mapping: the same import changes nothing"


def test_a_broken_file_is_refused_with_its_line_and_nothing_changes(target: BoardHandle) -> None:
    broken = DC.replace(b'"Replace PAN storage', b'Replace "PAN storage', 1)
    seq = target.read()["seq"]
    for preview in (True, False):
        r = post(target, target.rte_session, broken, preview=preview)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "file_refused"
        assert body["problems"] and all(isinstance(p["line"], int) for p in body["problems"])
    r = post(target, target.rte_session, b"Title,Points\r\nSomething,3\r\n", preview=False)
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 1
    latin1 = "Summary,Issue key,Issue Type\r\nCaf\u00e9,PAY-1,Story\r\n".encode("latin-1")
    r = post(target, target.rte_session, latin1, preview=False)
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 2
    r = post(target, target.rte_session, DC, preview=True, map=["type:Story=epic"])
    assert r.status_code == 422 and "choose one of" in r.text
    assert target.read()["seq"] == seq, "nothing was applied"


def test_only_the_rte_and_product_management_import(target: BoardHandle) -> None:
    team_id = next(iter(target.read()["items"]["team"]))
    seq = target.read()["seq"]
    for role, team in (("team", team_id), ("observer", None), ("business_owner", None), ("architect", None)):
        session = target.join(role, f"A {role}", team)
        for preview in (True, False):
            r = post(target, session, DC, preview=preview)
            assert r.status_code == 403, (role, r.text)
    assert target.read()["seq"] == seq

    pm = target.join("pm", "Paula PM")
    shown = post(target, pm, DC, preview=True).json()
    assert shown["warnings"][0]["message"].startswith("only the RTE creates teams and iterations")
    assert post(target, pm, DC, preview=False).status_code == 403, "new teams and iterations: the RTE's"
    choices = [
        "team=none",
        "default-team=Apollo",
        *(f"sprint:Payments Sprint {n}=backlog" for n in range(11, 15)),
    ]
    preview = post(target, pm, DC, preview=True, map=choices).json()
    fates = {r["key"]: r for r in preview["rows"]}
    assert fates["PAY-101"]["fate"] == "create" and fates["PAY-110"]["fate"] == "skip"
    assert "not by your role" in fates["PAY-110"]["reason"]
    applied = post(target, pm, DC, preview=False, map=choices)
    assert applied.status_code == 200, applied.text
    read = target.read()
    assert set(by_key(read)) == {"PAY-101", "PAY-102"}


def test_the_page_form_gets_html_fragments(target: BoardHandle) -> None:
    hostile = DC.replace(b"Token vault client", HOSTILE_SCRIPT.replace(",", " ").encode(), 1)
    with target.rte() as c:
        headers = {"HX-Request": "true"}
        files = {"file": ("jira.csv", hostile, "text/csv")}
        url = f"/api/boards/{target.id}/import/jira"
        r = c.post(url, params={"preview": "true"}, files=files, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert 'name="map"' in r.text and 'value="type:Test=skip" selected' in r.text
        assert "&lt;script&gt;" in r.text and "<script>" not in r.text.replace("<script", "", 0), "escaped"
        assert "issue type &#39;Test&#39; is mapped to skip" in r.text, "every row's fate, with its reason"

        broken = {"file": ("jira.csv", b'Summary,Issue key\r\n"open,PAY-1\r\n', "text/csv")}
        r = c.post(url, params={"preview": "true"}, files=broken, headers=headers)
        assert r.status_code == 422 and 'role="alert"' in r.text and "line 2" in r.text

        r = c.post(
            url, params={"preview": "false"}, files=files, data={"map": "type:Bug=skip"}, headers=headers
        )
        assert r.status_code == 200 and "Imported: 8 created" in r.text, r.text
    observer = target.join("observer", "Olga")
    with target.server.client(observer) as c:
        r = c.post(url, params={"preview": "true"}, files=files, headers=headers)
        assert r.status_code == 403 and 'role="alert"' in r.text and "Product Management" in r.text


def test_a_teams_story_order_shows_on_its_team_board(target: BoardHandle) -> None:
    data = (FIXTURES / "cloud_team_managed.csv").read_bytes()
    # OM-6 comes after OM-4; planning OM-6 in Sprint 1 and OM-4 in Sprint 2 puts it too early.
    data = data.replace(b'OM Sprint 1,,"19/Apr', b'OM Sprint 2,,"19/Apr', 1)
    data = data.replace(
        b"OM Sprint 2,,,10000,Onboarding flow,To Do,02/Apr",
        b"OM Sprint 1,,,10000,Onboarding flow,To Do,02/Apr",
    )
    sprints = ["sprint:OM Sprint 0 — Setup=1", "sprint:OM Sprint 1=2", "sprint:OM Sprint 2=3"]
    choices = ["team=none", "default-team=Apollo", *sprints]
    applied = post(target, target.rte_session, data, preview=False, map=choices)
    assert applied.status_code == 200, applied.text
    order = {link["requester"]: link for link in applied.json()["links"] if link["fate"] == "order"}
    assert set(order) == {"OM-4", "OM-5", "OM-6"}
    read = target.read()
    apollo = next(t["id"] for t in read["items"]["team"].values() if t["name"] == "Apollo")
    with target.rte() as c:
        page = c.get(f"/b/{target.id}/team/{apollo}").text
    assert page.count('class="story-after"') == 2 and "after OM-3" in page
    assert (
        '<span class="story-after out-of-order" title="Planned before what it comes after: OM-4">after OM-4'
        in page
    )


def test_too_many_mapping_choices_are_refused(target: BoardHandle) -> None:
    r = post(target, target.rte_session, DC, preview=True, map=[f"type:T{n}=story" for n in range(401)])
    assert r.status_code == 422 and "at most 400 mapping choices" in r.text

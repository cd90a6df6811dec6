"""Jira import over REST on a real server: preview, apply, refusals with line numbers, roles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from exports_boards import HOSTILE_SCRIPT
from test_jira import ROWS, issue, jira_csv

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
    query = {k: str(v).lower() for k, v in params.items()}
    with board.server.client(session) as c:
        return c.post(f"/api/boards/{board.id}/import/jira", content=data, params=query, headers=CSV_TYPE)


def by_key(read: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = [*read["items"]["feature"].values(), *read["items"]["story"].values()]
    return {x["external_key"]: x for x in items if x.get("external_key")}


def test_preview_then_apply(target: BoardHandle) -> None:
    data, lines = jira_csv(ROWS)
    seq = target.read()["seq"]

    preview = post(target, target.rte_session, data, preview=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["preview"] is True and body["seq"] == seq
    assert {f["key"] for f in body["features"]} == {"PAY-1", "PAY-4"}
    assert {s["key"] for s in body["stories"]} == {"PAY-2", "PAY-3", "PAY-5", "PAY-9", "PAY-10", "PAY-11"}
    assert len(body["dependencies"]) == 2
    skipped = {p["key"]: p for p in body["skipped"]}
    assert skipped["PAY-6"]["line"] == lines["PAY-6"] and "Ghost Team" in skipped["PAY-6"]["message"]
    assert skipped["PAY-7"]["line"] == lines["PAY-7"]
    assert target.read()["seq"] == seq, "a preview changes nothing"

    applied = post(target, target.rte_session, data, preview=False)
    assert applied.status_code == 200, applied.text
    read = target.read()
    assert applied.json()["seq"] == read["seq"] == seq + 2 + 6 + 2, "one event per created item"
    got = by_key(read)
    teams = {t["id"]: t["name"] for t in read["items"]["team"].values()}
    numbers = {i["id"]: i["number"] for i in read["items"]["iteration"].values()}
    cart = got["PAY-2"]
    assert (teams[cart["team_id"]], numbers[cart["iteration_id"]], cart["points"]) == ("Borealis", 2, 5)
    assert cart["feature_id"] == got["PAY-1"]["id"]
    deps = list(read["items"]["dependency"].values())
    assert {teams[d["provider_team_id"]] for d in deps} == {"Borealis"}
    assert {teams[d["requesting_team_id"]] for d in deps} == {"Apollo"}

    again = post(target, target.rte_session, data, preview=False).json()
    assert again["features"] == again["stories"] == [] and target.read()["seq"] == read["seq"]


def test_a_broken_file_is_refused_with_its_line_and_nothing_changes(target: BoardHandle) -> None:
    data, lines = jira_csv(ROWS)
    broken = data.replace(b'"Line one, with a comma', b'Line one, "with a comma', 1)
    seq = target.read()["seq"]
    for preview in (True, False):
        r = post(target, target.rte_session, broken, preview=preview)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "file_refused"
        assert body["problems"] and all(isinstance(p["line"], int) for p in body["problems"])
        assert body["problems"][0]["line"] == lines["PAY-2"]
    wrong_columns = b"Title,Points\r\nSomething,3\r\n"
    r = post(target, target.rte_session, wrong_columns, preview=False)
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 1
    latin1 = "Summary,Issue key,Issue Type\r\nCaf\u00e9,PAY-1,Story\r\n".encode("latin-1")
    r = post(target, target.rte_session, latin1, preview=False)
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 2
    assert target.read()["seq"] == seq, "nothing was applied"


def test_only_the_rte_and_product_management_import(target: BoardHandle) -> None:
    data, _ = jira_csv(ROWS)
    team_id = next(iter(target.read()["items"]["team"]))
    seq = target.read()["seq"]
    for role, team in (("team", team_id), ("observer", None), ("business_owner", None), ("architect", None)):
        session = target.join(role, f"A {role}", team)
        for preview in (True, False):
            r = post(target, session, data, preview=preview)
            assert r.status_code == 403, (role, r.text)
    assert target.read()["seq"] == seq

    pm = target.join("pm", "Paula PM")
    assert post(target, pm, data, preview=True, create_teams=True).status_code == 403, "teams: the RTE's"
    preview = post(target, pm, data, preview=True).json()
    assert {f["key"] for f in preview["features"]} == {"PAY-1", "PAY-4"}
    assert preview["stories"] == [] and preview["dependencies"] == []
    reasons = {p["key"]: p["message"] for p in preview["skipped"]}
    assert "team or the RTE" in reasons["PAY-2"]
    applied = post(target, pm, data, preview=False)
    assert applied.status_code == 200, applied.text
    read = target.read()
    assert set(by_key(read)) == {"PAY-1", "PAY-4"} and read["seq"] == seq + 2


def test_the_page_form_gets_html_fragments(target: BoardHandle) -> None:
    rows = [*ROWS, issue(HOSTILE_SCRIPT, "PAY-12", 10012, team="Apollo", points="1")]
    data, _ = jira_csv(rows)
    with target.rte() as c:
        headers = {"HX-Request": "true"}
        files = {"file": ("jira.csv", data, "text/csv")}
        url = f"/api/boards/{target.id}/import/jira"
        r = c.post(url, params={"preview": "true"}, files=files, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "Import these 11 items" in r.text and 'hx-post="' in r.text
        assert "&lt;script&gt;" in r.text and HOSTILE_SCRIPT not in r.text, "user text is escaped"
        assert "Ghost Team" in r.text, "what cannot be mapped, and why"

        broken = {"file": ("jira.csv", b'Summary,Issue key\r\n"open,PAY-1\r\n', "text/csv")}
        r = c.post(url, params={"preview": "true"}, files=broken, headers=headers)
        assert r.status_code == 422 and 'role="alert"' in r.text and "line 2" in r.text

        r = c.post(
            url, params={"preview": "false"}, files=files, data={"create_teams": "true"}, headers=headers
        )
        assert r.status_code == 200 and "Imported 2 features, 8 stories, 2 dependencies and 1 team" in r.text
    assert "Ghost Team" in {t["name"] for t in target.read()["items"]["team"].values()}
    observer = target.join("observer", "Olga")
    with target.server.client(observer) as c:
        r = c.post(url, params={"preview": "true"}, files=files, headers=headers)
        assert r.status_code == 403 and 'role="alert"' in r.text and "Product Management" in r.text

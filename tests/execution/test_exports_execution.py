"""Exports carry the PI's execution: the JSON's execution section and story statuses, the stories
CSV, and a JSON round trip that keeps the board running."""

from __future__ import annotations

import csv
import datetime
import io
import json

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import SVG_NS, charts, rocket, rte_op


def executing_with_a_blocked_story(server: LiveServer) -> BoardHandle:
    board = rocket(server, comet_objective=False, running=False)
    rte_op(board, "board.update", "meta", velocity_threshold=0.6)
    rte_op(board, "plan.lock")
    rte_op(board, "baseline.take")
    rte_op(board, "execution.start")
    rte_op(board, "story.update", "ls0", status="done")
    rte_op(board, "story.update", "co1", status="blocked", blocked_reason="=waiting for the Payments API")
    return board


def test_json_export_says_how_the_pi_stands_and_round_trips(watched_server: LiveServer, clock: Clock) -> None:
    board = executing_with_a_blocked_story(watched_server)
    clock.travel_to(datetime.date(2026, 4, 15))
    with board.rte() as c:
        exported = c.get(f"/api/boards/{board.id}/export.json")
    assert exported.status_code == 200
    doc = exported.json()
    assert doc["meta"]["execution_started"] is True and doc["meta"]["velocity_threshold"] == 0.6
    execution = doc["execution"]
    assert execution["today"] == "2026-04-15" and execution["current_iteration_id"] is None
    assert execution["dependency_states"] == {"dep1": "late"}
    assert set(execution["slipped_stories"]) == {"ls1", "ls2", "pay1", "co1"}
    assert execution["objectives_at_risk"] == []
    atlas_i1 = next(v for v in execution["velocity"] if (v["team_id"], v["iteration_id"]) == ("atlas", "it1"))
    assert (atlas_i1["done"], atlas_i1["planned_at_baseline"], atlas_i1["drop"]) == (13, 30, True)
    assert {"kind": "blocked", "item_kind": "story", "item_id": "co1"}.items() <= next(
        a for a in execution["alerts"] if a["kind"] == "blocked"
    ).items()
    co1 = next(s for s in doc["stories"] if s["id"] == "co1")
    assert (co1["status"], co1["blocked_reason"]) == ("blocked", "=waiting for the Payments API")

    with watched_server.client() as c:
        imported = c.post(
            "/api/boards/import", content=json.dumps(doc), headers={"Content-Type": "application/json"}
        )
    assert imported.status_code == 201, imported.text
    copy = BoardHandle(watched_server, imported.json()["board"]["id"], imported.json()["rte_session"]).read()
    meta = next(iter(copy["items"]["meta"].values()))
    assert meta["execution_started"] and not meta["locked"] and meta["velocity_threshold"] == 0.6
    stories = {s["title"]: s for s in copy["items"]["story"].values()}
    assert (stories["Checkout UI"]["status"], stories["Checkout UI"]["blocked_reason"]) == (
        "blocked",
        "=waiting for the Payments API",
    )
    assert stories["Ledger schema"]["status"] == "done"
    assert sorted(copy["derived"]["dependency_states"].values()) == ["late"]


def test_stories_csv_has_the_status_and_why_blocked_with_formulas_made_inert(
    watched_server: LiveServer, clock: Clock
) -> None:
    board = executing_with_a_blocked_story(watched_server)
    with board.rte() as c:
        text = c.get(f"/api/boards/{board.id}/export/stories.csv").content.decode("utf-8-sig")
    rows = {r["Title"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["Checkout UI"]["Status"] == "blocked"
    assert rows["Checkout UI"]["Blocked because"] == "'=waiting for the Payments API"
    assert rows["Ledger schema"]["Status"] == "done"


def test_the_report_tells_how_the_pi_is_going(watched_server: LiveServer, clock: Clock) -> None:
    board = executing_with_a_blocked_story(watched_server)
    clock.travel_to(datetime.date(2026, 4, 15))
    with board.rte() as c:
        html = c.get(f"/api/boards/{board.id}/report.html").text
    section = html[html.index('id="execution"') :]
    assert "How the PI is going (2026-04-15)" in section
    assert "13 of 51 story points done (25 %)" in section
    burn = charts(section)["burn-up"]
    done = {
        c.get("data-iteration"): c.get("data-value")
        for c in burn.iter(f"{SVG_NS}circle")
        if c.get("data-series") == "done"
    }
    assert done == {"it1": "13", "it2": "13", "it3": "13"}
    assert "late</strong>: “Payments API” from Atlas is late" in section
    assert "blocked</strong>: “Checkout UI” is blocked: =waiting for the Payments API" in section


def test_the_report_before_execution_has_no_execution_section(watched_server: LiveServer) -> None:
    board = rocket(watched_server, comet_objective=False, running=False)
    with board.rte() as c:
        html = c.get(f"/api/boards/{board.id}/report.html").text
    assert 'id="execution"' not in html

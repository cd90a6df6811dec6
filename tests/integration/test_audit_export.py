"""The audit trail over REST: the whole event log as JSON Lines and CSV, read back with real parsers,
with a secret ballot redacted as on every other door."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.conftest import BoardHandle


def download(board: BoardHandle, session: str, name: str) -> Any:
    with board.server.client(session) as c:
        return c.get(f"/api/boards/{board.id}/export/{name}")


def voted_board(board: BoardHandle) -> dict[str, str]:
    """A team, a formula-looking risk title, an open vote with one secret ballot of 2."""
    r = board.op(board.rte_session, "team.create", args={"name": "Atlas"})
    team = r.json()["changes"][0]["id"]
    board.op(board.rte_session, "risk.create", args={"title": "=HYPERLINK(1)"})
    opened = board.op(board.rte_session, "vote.open")
    round_id = opened.json()["changes"][0]["id"]
    ana = board.join("team", "Ana", team)
    cast = board.op(ana, "vote.cast", target=round_id, args={"value": 2, "reason": "too much scope"})
    assert cast.status_code == 200, cast.text
    return {"team": team, "round": round_id}


def test_the_audit_trail_as_json_lines_holds_every_event_with_the_ballot_redacted(board: BoardHandle) -> None:
    voted_board(board)
    r = download(board, board.rte_session, "audit.jsonl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert r.headers["content-disposition"].endswith('-audit.jsonl"')
    events = [json.loads(line) for line in r.text.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, board.read()["seq"] + 1))
    cast = events[-1]
    assert cast["op"]["type"] == "vote.cast" and cast["actor"]["name"] == "Ana"
    assert cast["op"]["args"] == {"value": None, "reason": None}
    assert cast["changes"][0]["after"]["value"] is None
    assert "too much scope" not in r.text


def test_the_audit_trail_as_csv_says_what_changed_in_words(board: BoardHandle) -> None:
    voted_board(board)
    r = download(board, board.rte_session, "audit.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8").removeprefix("\ufeff"))))
    team_row = next(row for row in rows if row["Op"] == "team.create")
    assert (
        team_row["Who"] == "RTE"
        and team_row["Item"] == 'team "Atlas"'
        and team_row["What changed"] == "created it"
    )
    risk_row = next(row for row in rows if row["Op"] == "risk.create")
    assert risk_row["Item"].startswith('risk "=HYPERLINK') and "'=HYPERLINK" not in risk_row["Item"]
    ballot_row = rows[-1]
    assert ballot_row["Op"] == "vote.cast" and ballot_row["Kind"] == "ballot"
    assert "too much scope" not in r.text and ",2," not in r.text.split("\r\n")[-2]


def test_a_formula_at_the_start_of_a_cell_is_made_inert(board: BoardHandle) -> None:
    board.op(board.rte_session, "risk.create", args={"title": "x"})
    board.op(board.rte_session, "team.create", args={"name": "=cmd"})
    r = download(board, board.rte_session, "audit.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8").removeprefix("\ufeff"))))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

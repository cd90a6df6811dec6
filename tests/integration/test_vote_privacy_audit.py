"""The audit trail any participant may download never says who voted what in an anonymous round,
also after the reveal; a named round's revealed ballots are in it, as before."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import BoardHandle


def revealed_round(board: BoardHandle, privacy: str | None) -> None:
    """Ana (a team member) votes 2 with a reason; the RTE closes and reveals the round."""
    if privacy is not None:
        meta = board.read()["items"]["meta"]["meta"]
        r = board.op(
            board.rte_session,
            "board.update",
            target="meta",
            base_version=meta["version"],
            args={"vote_privacy": privacy},
        )
        assert r.status_code == 200, r.text
    team = board.op(board.rte_session, "team.create", args={"name": "Atlas"}).json()["changes"][0]["id"]
    round_id = board.op(board.rte_session, "vote.open").json()["changes"][0]["id"]
    ana = board.join("team", "Ana", team)
    assert (
        board.op(ana, "vote.cast", target=round_id, args={"value": 2, "reason": "too much scope"}).status_code
        == 200
    )
    board.op(board.rte_session, "vote.close", target=round_id)
    assert board.op(board.rte_session, "vote.reveal", target=round_id).status_code == 200


def audit(board: BoardHandle, session: str) -> tuple[list[dict[str, Any]], str]:
    with board.server.client(session) as c:
        jsonl = c.get(f"/api/boards/{board.id}/export/audit.jsonl").text
        csv_text = c.get(f"/api/boards/{board.id}/export/audit.csv").content.decode("utf-8")
    return [json.loads(line) for line in jsonl.splitlines()], csv_text


def ballots_after(events: list[dict[str, Any]]) -> list[Any]:
    return [c["after"]["value"] for e in events for c in e["changes"] if c["kind"] == "ballot" and c["after"]]


@pytest.mark.parametrize("privacy", [None, "anonymous"])
def test_an_anonymous_revealed_round_has_no_voter_to_value_in_the_audit(
    board: BoardHandle, privacy: str | None
) -> None:
    revealed_round(board, privacy)
    viewer = board.join("observer", "Screen")
    events, csv_text = audit(board, viewer)
    assert ballots_after(events) == [None]
    assert [c["after"]["reason"] for e in events for c in e["changes"] if c["kind"] == "ballot"] == [""]
    # The low vote's reason becomes a risk, raised by nobody in particular.
    risk = next(c["after"] for e in events for c in e["changes"] if c["kind"] == "risk")
    assert (risk["title"], risk["raised_by"]) == ("too much scope", "an anonymous vote")
    rows = list(csv.DictReader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    ballot_rows = [row for row in rows if row["Kind"] == "ballot"]
    assert ballot_rows and all("2" not in row["What changed"] for row in ballot_rows)


def test_a_named_revealed_round_shows_who_voted_what(board: BoardHandle) -> None:
    revealed_round(board, "named")
    events, csv_text = audit(board, board.rte_session)
    assert ballots_after(events) == [2]
    cast = next(e for e in events if e["op"]["type"] == "vote.cast")
    assert cast["actor"]["name"] == "Ana"
    assert any(line.startswith(f"{cast['seq']},") and ",Ana," in line for line in csv_text.splitlines())

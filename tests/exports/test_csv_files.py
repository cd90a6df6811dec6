"""CSV files read back with the csv module and zipfile, checked against the board."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from exports_boards import HOSTILE_FORMULA, HOSTILE_SCRIPT, Builder

from board.model import BoardState
from server.transfer.common import neutralise
from server.transfer.csv_files import PARTS, export_csv, export_csv_zip


def read(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the accents"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 123", "'+44 123"),
        ("-1 if late", "'-1 if late"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_features(board: BoardState) -> None:
    rows = read(export_csv(board, "features"))
    assert [r["Title"] for r in rows] == [
        f.title if f.title != HOSTILE_FORMULA else "'" + f.title for f in board.features
    ]
    sso = next(r for r in rows if r["Title"] == "Single sign-on")
    assert (sso["Team"], sso["Iteration"], sso["Stories"], sso["Story points"]) == (
        "Apollo",
        "Iteration 2",
        "2",
        "13",
    )
    assert sso["Key"] == "ART-1" and sso["At risk"] == "yes"
    evil = next(r for r in rows if r["Title"].startswith("'="))
    assert evil["Title"] == "'" + HOSTILE_FORMULA and evil["Description"] == HOSTILE_SCRIPT
    assert evil["Team"] == HOSTILE_SCRIPT and evil["Kind"] == "enabler"


def test_stories(board: BoardState) -> None:
    rows = read(export_csv(board, "stories"))
    assert len(rows) == len(board.stories)
    assert sum(int(r["Points"]) for r in rows) == sum(s.points for s in board.stories)
    at_sum = next(r for r in rows if "SUM" in r["Title"])
    assert at_sum["Title"] == "'@SUM(1+1)"
    hack = next(r for r in rows if r["Title"] == "Hackathon")
    assert hack["Iteration"] == "" and hack["Feature"] == ""


def test_dependencies_with_derived_state(board: BoardState) -> None:
    rows = read(export_csv(board, "dependencies"))
    by_need = {r["Need"]: r for r in rows}
    assert rows[0]["State"] == "conflict", "conflicts first"
    assert by_need["Audit events"]["State"] == "conflict"
    assert by_need["Audit events"]["Needed by"] == "Iteration 2"
    assert by_need["Audit events"]["Planned delivery"] == "Iteration 4"
    assert by_need["Audit events"]["Comment"] == "'-1 if late"
    assert by_need["Payment API"]["State"] == "committed"
    assert by_need["SSO for the evil team"]["State"] == "done"
    assert by_need["Card network certification"]["State"] == "requested"
    assert by_need["Card network certification"]["Provider"] == "External: VISA"


def test_objectives_and_predictability(board: BoardState) -> None:
    rows = read(export_csv(board, "objectives"))
    sso = next(r for r in rows if r["Statement"].startswith("SSO"))
    assert (sso["Planned BV"], sso["Actual BV"], sso["Committed"]) == ("8", "7", "committed")
    assert sso["Features"] == "Single sign-on"
    audit = next(r for r in rows if r["Statement"].startswith("Audit"))
    assert audit["Committed"] == "uncommitted"
    evil = next(r for r in rows if "cmd" in r["Statement"])
    assert evil["Statement"] == "'" + HOSTILE_FORMULA and evil["Actual BV"] == ""
    pred = {r["Team"]: r for r in read(export_csv(board, "predictability"))}
    # Borealis: committed planned 10, actual 6 + 4 = 10 → 100 %
    assert (pred["Borealis"]["Planned BV (committed)"], pred["Borealis"]["Actual BV"]) == ("10", "10")
    assert pred["Borealis"]["Predictability"] == "100%"
    # ART: the rated teams only (the team of the unrated 5 BV is left out, it counted as 0):
    # planned 8 + 10 = 18, actual 7 + 6 + 4 = 17 → 94 %
    assert pred["ART"]["Predictability"] == "94%" and pred["ART"]["In 80–100% band"] == "yes"
    teams = len(board.teams)
    assert pred["ART"]["Rated"] == f"2 of {teams} teams rated"
    unrated = [r for name, r in pred.items() if name != "ART" and r["Rated"] == "no"]
    assert unrated and all(r["Predictability"] == "" and r["Actual BV"] == "" for r in unrated)


def test_risks(board: BoardState) -> None:
    rows = read(export_csv(board, "risks"))
    assert [r["ROAM"] for r in rows] == ["unroamed", "owned", "accepted", "mitigated"]
    assert rows[0]["Title"] == "'" + HOSTILE_FORMULA and rows[0]["Owner"] == "'+44 123"
    assert rows[0]["Team"] == "ART" and rows[0]["Raised by"] == "Rita RTE"
    assert rows[1]["Owner"] == "Dia" and rows[1]["Team"] == "Borealis"


def test_risks_and_dependencies_sort_as_numbers_read() -> None:
    """Risk 2 before Risk 10 (they sorted as text: Risk 0, 1, 10, 11, 2…), in every export."""
    b = Builder()
    b.op("board.create", name="ART")
    teams = [b.op("team.create", name=f"Team {n}") for n in (10, 2)]
    for n in (10, 2, 11, 1, 0):
        b.op("risk.create", title=f"Risk {n}")
        b.op("dependency.create", need=f"API {n}", requesting_team_id=teams[0], provider_team_id=teams[1])
    b.op("dependency.create", need="API 3", requesting_team_id=teams[1], provider_team_id=teams[0])
    risks = [r["Title"] for r in read(export_csv(b.state, "risks"))]
    assert risks == [f"Risk {n}" for n in (0, 1, 2, 10, 11)]
    deps = [(r["Requesting team"], r["Need"]) for r in read(export_csv(b.state, "dependencies"))]
    assert deps == [("Team 2", "API 3")] + [("Team 10", f"API {n}") for n in (0, 1, 2, 10, 11)]


def test_votes_only_revealed(board: BoardState) -> None:
    rows = read(export_csv(board, "votes"))
    assert len(rows) == 1
    assert rows[0]["Scope"] == "ART" and rows[0]["Votes"] == "3" and rows[0]["Average"] == "4"
    assert [rows[0][str(v)] for v in range(1, 6)] == ["0", "0", "1", "1", "1"]
    assert rows[0]["Needs rework"] == "no"


def test_load(board: BoardState) -> None:
    rows = read(export_csv(board, "load"))
    borealis_1 = next(r for r in rows if r["Team"] == "Borealis" and r["Iteration"] == "Iteration 1")
    assert (borealis_1["Capacity"], borealis_1["Load"], borealis_1["Level"]) == ("16", "40", "overloaded")
    apollo_1 = next(r for r in rows if r["Team"] == "Apollo" and r["Iteration"] == "Iteration 1")
    assert apollo_1["Capacity"] == "22", "3 × 8 minus Ann's 2 days off"


def test_zip_holds_every_part(board: BoardState, baseline_pair: tuple[BoardState, BoardState]) -> None:
    baseline, current = baseline_pair
    with zipfile.ZipFile(io.BytesIO(export_csv_zip(current, baseline=baseline))) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert names == {f"{p}.csv" for p in PARTS} | {"baseline.csv"}
        for name in names:
            read(zf.read(name))
        changes = read(zf.read("baseline.csv"))
        features = read(zf.read("features.csv"))
    assert {(c["Title"], c["Change"]) for c in changes} == {
        ("Payment gateway", "moved"),
        ("Gateway adapter", "moved"),
        ("Overload story", "moved"),
        ("Late-breaking feature", "added"),
        ("Hackathon", "dropped"),
    }
    pay = next(r for r in features if r["Title"] == "Payment gateway")
    assert pay["Since baseline"] == "moved" and pay["Baseline placement"] == "Borealis / Iteration 3"
    sso = next(r for r in features if r["Title"] == "Single sign-on")
    assert sso["Since baseline"] == "unchanged"


def test_no_cell_anywhere_starts_a_formula(board: BoardState) -> None:
    with zipfile.ZipFile(io.BytesIO(export_csv_zip(board))) as zf:
        for name in zf.namelist():
            for row in csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"), newline="")):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


def test_unknown_part() -> None:
    with pytest.raises(ValueError, match="no CSV part"):
        export_csv(BoardState("x"), "nope")

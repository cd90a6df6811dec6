"""Every file draws and lists a dependency's state from the one state machine (board.dependencies):
a request pointing at the provider's feature is *requested* (dotted) until the provider answers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from exports_boards import Builder

from board.model import BoardState, DependencyState, Role
from board.roles import Actor
from server.store.op_path import OpPath
from server.transfer.board_json import export_board, export_board_json
from server.transfer.csv_files import dependencies_rows
from server.transfer.files import import_board_file
from server.transfer.picture import STRING_STYLE, program_board_svg
from server.transfer.report import report_context

SVG_G = "{http://www.w3.org/2000/svg}g"
SVG_PATH = "{http://www.w3.org/2000/svg}path"
EXPECTED = {"asked": "requested", "offered": "proposed", "refused": "declined", "agreed": "committed"}


@pytest.fixture(scope="module")
def answered() -> BoardState:
    b = Builder()
    b.op("board.create", name="ART Falcon", pi_name="PI 1", start="2026-07-06", end="2026-09-25")
    its = [b.op("iteration.create", number=n, start=f"2026-07-{n:02d}", weeks=2) for n in range(1, 5)]
    boreas = b.op("team.create", name="Boreas", color="#336699")
    ares = b.op("team.create", name="Ares", color="#993366")
    checkout = b.op("feature.create", title="Checkout v2", team_id=boreas, iteration_id=its[2])
    payments = b.op("feature.create", title="Payments API", team_id=ares, iteration_id=its[1])
    asker = Actor("boreas-1", "Bo", Role.TEAM, boreas)
    ids = {}
    for key in EXPECTED:
        ids[key] = b.op(
            "dependency.create",
            actor=asker,
            need=key,
            requesting_team_id=boreas,
            requesting_feature_id=checkout,
            provider_team_id=ares,
            provider_feature_id=payments,
        )
    b.op("dependency.propose", ids["offered"], promised_iteration_id=its[3], answer="I3 is full")
    b.op("dependency.decline", ids["refused"], answer="Not our component")
    b.op("dependency.accept", ids["agreed"], provider_feature_id=payments)
    return b.state


def test_the_picture_draws_each_state_as_its_own_string(answered: BoardState) -> None:
    root = ET.fromstring(program_board_svg(answered).encode())
    drawn = {}
    for g in root.iter(SVG_G):
        classes = (g.get("class") or "").split()
        if "dependency" in classes:
            dep = answered.items["dependency"][g.get("data-dependency") or ""]
            drawn[dep.need] = next(c for c in classes if c != "dependency")
            path = g.find(SVG_PATH)  # none for a decline: nothing planned, a marker says so
            if path is not None:
                colour, _, dash = STRING_STYLE[DependencyState(drawn[dep.need])]
                assert (path.get("stroke"), path.get("stroke-dasharray", "")) == (colour, dash)
    assert drawn == EXPECTED
    assert STRING_STYLE[DependencyState.REQUESTED][2], "a request is dotted"
    assert not STRING_STYLE[DependencyState.COMMITTED][2], "a commitment is solid"


def test_csv_json_and_report_say_the_same_state(answered: BoardState) -> None:
    header, rows = dependencies_rows(answered)
    column = header.index("State")
    assert {row[1]: row[column] for row in rows} == EXPECTED
    doc = export_board(answered)
    assert {row["need"]: row["state"] for row in doc["dependencies"]} == EXPECTED
    report = report_context(answered)
    assert {d["need"]: d["state"] for d in report["dependencies"]} == EXPECTED
    assert report["conflicts"] == 1  # the decline, counted among the conflicts
    assert report["dependencies"][0]["need"] == "refused"


def test_an_imported_board_keeps_every_answer(op_path: OpPath, answered: BoardState) -> None:
    board_id, _ = import_board_file(op_path, export_board_json(answered))
    again = export_board(op_path.state(board_id))
    assert {row["need"]: row["state"] for row in again["dependencies"]} == EXPECTED
    offered = next(row for row in again["dependencies"] if row["need"] == "offered")
    assert offered["answer"] == "I3 is full"
    assert json.loads(export_board_json(answered))["dependencies"]

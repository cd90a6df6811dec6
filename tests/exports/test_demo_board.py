"""Every export on the demo ART (8 teams, ~250 stories): round trip, and the files open."""

from __future__ import annotations

import csv
import io
import struct
import xml.etree.ElementTree as ET
import zipfile

import pytest
from exports_boards import RTE, Builder
from test_board_json import canonical, rebuild

from board.model import BoardState
from board.ops import apply_op
from server.store.op_path import OpPath
from server.transfer.board_json import export_board_json
from server.transfer.csv_files import export_csv_zip
from server.transfer.jira import preview_jira
from server.transfer.jira_export import export_jira_csv
from server.transfer.jira_ops import import_ops
from server.transfer.picture import program_board_png, program_board_svg

demo = pytest.importorskip("board.demo")


@pytest.fixture(scope="module")
def demo_board() -> BoardState:
    b = Builder("demo")
    for n, op in enumerate(demo.demo_ops()):
        apply_op(b.state, op, RTE, b.context(n))
    return b.state


def test_demo_round_trips_through_json(op_path: OpPath, demo_board: BoardState) -> None:
    result = rebuild(op_path, export_board_json(demo_board))
    assert canonical(result.state) == canonical(demo_board, result.id_map)


def test_demo_csv_zip_and_picture(demo_board: BoardState) -> None:
    with zipfile.ZipFile(io.BytesIO(export_csv_zip(demo_board))) as zf:
        stories = list(csv.DictReader(io.StringIO(zf.read("stories.csv").decode("utf-8-sig"))))
        deps = list(csv.DictReader(io.StringIO(zf.read("dependencies.csv").decode("utf-8-sig"))))
    assert len(stories) == len(demo_board.stories)
    assert {d["State"] for d in deps} >= {"conflict", "committed"}
    root = ET.fromstring(program_board_svg(demo_board).encode())
    width = int(root.get("width", 0))
    assert struct.unpack(">I", program_board_png(demo_board)[16:20])[0] == width


def test_demo_jira_round_trip(demo_board: BoardState) -> None:
    b = Builder("jira")
    b.op("board.create", name="Next")
    preview = preview_jira(export_jira_csv(demo_board), b.state)
    assert preview.counts()["create"] == len(demo_board.stories) + len(demo_board.features)
    # Every dependency with a providing story or feature, or an external party, is a Blocks link.
    linked = [
        d for d in demo_board.dependencies if d.provider_story_id or d.provider_feature_id or d.external_party
    ]
    assert preview.counts()["dependencies"] == len(linked) > 20
    for op in import_ops(preview, b.state):
        b.op(op.type, op.target, **op.args)
    assert sum(s.points for s in b.state.stories) == sum(s.points for s in demo_board.stories)
    assert sorted(t.name for t in b.state.teams) == sorted(t.name for t in demo_board.teams)

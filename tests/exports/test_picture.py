"""The program board picture: SVG parsed back with xml.etree, PNG checked by its header."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

from exports_boards import HOSTILE_FORMULA, HOSTILE_SCRIPT, Builder

from board.dependencies import dependency_state
from board.model import BoardState
from server.transfer.picture import program_board_png, program_board_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if cls in (g.get("class") or "").split()]


def test_svg_shows_the_board(board: BoardState) -> None:
    root = parse(program_board_svg(board))
    all_text = texts(root)
    for it in board.iterations:
        assert it.name in all_text
    assert "Innovation & Planning" in all_text
    assert (
        len([r for r in root.iter("{http://www.w3.org/2000/svg}rect") if "ip" in (r.get("class") or "")]) == 1
    )
    for team in ("Apollo", "Borealis"):
        assert team in all_text
    assert "Release 3.0 · 2026-08-14" in all_text and "Trade show <b> · " not in all_text
    assert any(t.startswith("Trade show <b>") for t in all_text), "escaped, and shown as typed"
    placed = {f.id for f in board.features if f.team_id and f.iteration_id}
    assert {g.get("data-feature") for g in groups(root, "card")} == placed
    assert "Backlog idea" not in all_text
    assert "load 40 / 16  OVERLOADED" in all_text


def test_strings_and_conflicts_are_unmistakable(board: BoardState) -> None:
    root = parse(program_board_svg(board))
    drawn = {g.get("data-dependency"): g for g in groups(root, "dependency")}
    assert set(drawn) == {d.id for d in board.dependencies}
    for d in board.dependencies:
        assert dependency_state(board, d).value in drawn[d.id].get("class", "").split()
    conflict = next(g for g in groups(root, "dependency") if "conflict" in g.get("class", "").split())
    path = conflict.find("svg:path", NS)
    assert path is not None
    assert (
        path.get("stroke") == "#e00000"
        and path.get("stroke-dasharray")
        and float(path.get("stroke-width", 0)) >= 3
    )
    assert groups(conflict, "conflict-marker"), "a ! marker on the string"
    committed = next(g for g in groups(root, "dependency") if "committed" in g.get("class", "").split())
    committed_path = committed.find("svg:path", NS)
    assert committed_path is not None and not committed_path.get("stroke-dasharray")
    at_risk = groups(root, "at-risk")
    assert [g.get("data-feature") for g in at_risk] == [
        f.id for f in board.features if f.title == "Single sign-on"
    ]
    legend = "".join(texts(groups(root, "legend")[0]))
    assert "CONFLICT" in legend and "IP iteration" in legend and "committed" in legend


def test_hostile_text_is_inert(board: BoardState) -> None:
    svg = program_board_svg(board)
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.lower().endswith("script")]
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    all_text = texts(root)
    assert any(t.startswith(HOSTILE_SCRIPT[:18]) for t in all_text), "the team name is shown as text"
    assert any(t.startswith(HOSTILE_FORMULA[:12]) for t in all_text)
    assert "href" not in svg, "nothing to fetch"


def test_png_has_the_size_of_the_svg(board: BoardState) -> None:
    root = parse(program_board_svg(board))
    width, height = int(root.get("width", 0)), int(root.get("height", 0))
    png = program_board_png(board)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (width, height)
    big = program_board_png(board, scale=2)
    assert struct.unpack(">II", big[16:24]) == (2 * width, 2 * height)
    assert len(png) > 10_000, "text and cards were drawn"


def test_empty_board_still_draws() -> None:
    b = Builder()
    b.op("board.create", name="Empty")
    root = parse(program_board_svg(b.state))
    assert "Empty" in texts(root)
    assert program_board_png(b.state)[:4] == b"\x89PNG"

"""The picture's geometry on a generated 12-team ART, read from the SVG with an XML parser: every text
inside its card or cell (measured with DejaVu Sans, the font the PNG is drawn with), milestones placed
by date drawn at their date, the external party's end labelled, no string over the iteration heads."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from art_boards import PI_START, twelve_team_art
from PIL import ImageFont

from board.model import BoardState, Milestone
from server.transfer.picture import COL_W, program_board_svg

SVG = "{http://www.w3.org/2000/svg}"
FONTS = "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf"


def drawn_width(text: str, size: float = 12, bold: bool = False) -> float:
    """The text's drawn width, measured with the font itself (at 10× for precision)."""
    font = ImageFont.truetype(FONTS.format("-Bold" if bold else ""), size=round(size * 10))
    return float(font.getlength(text)) / 10


def right_end(el: ET.Element, size: float = 12, bold: bool = False) -> float:
    x, text = float(el.get("x") or 0), el.text or ""
    w = drawn_width(text, size, bold)
    anchor = el.get("text-anchor")
    return x if anchor == "end" else x + w / 2 if anchor == "middle" else x + w


@pytest.fixture(scope="module")
def art() -> BoardState:
    return twelve_team_art()


@pytest.fixture(scope="module")
def root(art: BoardState) -> ET.Element:
    return ET.fromstring(program_board_svg(art).encode())


def classed(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(SVG + tag) if cls in (e.get("class") or "").split()]


def test_every_card_title_stays_inside_its_card(root: ET.Element) -> None:
    cards = classed(root, "g", "card")
    assert len(cards) == 96
    for card in cards:
        rect = card.find(SVG + "rect")
        assert rect is not None
        right = float(rect.get("x") or 0) + float(rect.get("width") or 0)
        # The title lines (class "title"; before, the only texts of a card with no size of their own).
        titles = [
            t for t in card.iter(SVG + "text") if t.get("class") == "title" or t.get("font-size") is None
        ]
        assert titles
        for t in titles:
            size = float(t.get("font-size") or 12)
            assert right_end(t, size) <= right - 4, (t.text, right_end(t, size), right)
        badge = [t for t in card.iter(SVG + "text") if t.get("font-size") == "9"]
        if badge and titles:
            # The first line ends before the badge begins (they share the card's top).
            begins = float(badge[0].get("x") or 0) - drawn_width(badge[0].text or "", 9)
            size = float(titles[0].get("font-size") or 12)
            assert right_end(titles[0], size) <= begins, (titles[0].text, badge[0].text)
    # Cut titles say so.
    assert any((t.text or "").endswith("…") for c in cards for t in c.iter(SVG + "text"))


def test_iteration_heads_fit_their_column(root: ET.Element) -> None:
    columns = classed(root, "rect", "column")
    names = classed(root, "text", "iteration")
    dates = classed(root, "text", "iteration-dates")
    assert len(columns) == len(names) == 5 and len(dates) == 5
    for column, name, sub in zip(columns, names, dates, strict=True):
        right = float(column.get("x") or 0) + float(column.get("width") or 0)
        assert right_end(name, 14, bold=True) <= right - 4, name.text
        assert right_end(sub) <= right - 4, sub.text
    assert (names[-1].text or "").startswith("Iteration 5: Innovation")


def test_milestones_placed_by_date_are_drawn_at_their_date(art: BoardState, root: ET.Element) -> None:
    drawn = {g.get("data-milestone"): g for g in classed(root, "g", "milestone")}
    milestones = list(art.of(Milestone).values())
    assert set(drawn) == {m.id for m in milestones}, "every milestone drawn, those placed by date too"
    columns = classed(root, "rect", "column")
    width = float(root.get("width") or 0)
    for m in milestones:
        polygon = drawn[m.id].find(SVG + "polygon")
        label = drawn[m.id].find(SVG + "text")
        assert polygon is not None and label is not None
        x = float((polygon.get("points") or "").split(",")[0])
        assert right_end(label) <= width, "no label runs off the picture"
        if m.date is None:
            continue
        day = (dt.date.fromisoformat(m.date) - PI_START).days
        column = columns[day // 14]
        left = float(column.get("x") or 0)
        assert left <= x <= left + COL_W, (m.title, "in its date's iteration")
        share = (x - left - 8) / (COL_W - 24)
        assert share == pytest.approx((day % 14) / 14, abs=0.01), (m.title, "at its date within it")
    # Labels of one lane never run into the next milestone.
    lanes: dict[float, list[ET.Element]] = {}
    for g in drawn.values():
        text = g.find(SVG + "text")
        assert text is not None
        lanes.setdefault(float(text.get("y") or 0), []).append(text)
    for texts in lanes.values():
        texts.sort(key=lambda t: float(t.get("x") or 0))
        for a, b in itertools.pairwise(texts):
            assert right_end(a) <= float(b.get("x") or 0) - 22, (a.text, b.text)


def test_the_external_party_end_is_labelled(root: ET.Element) -> None:
    external = [
        g for g in classed(root, "g", "dependency") if "Card network" in (g.findtext(SVG + "title") or "")
    ]
    assert len(external) == 1
    label = external[0].find(SVG + "text")
    assert label is not None and "endpoint" in (label.get("class") or "")
    assert (label.text or "").startswith("VISA Europe")
    half = drawn_width(label.text or "", 11) / 2
    assert half <= COL_W / 2, "the label fits the column it stands in"


def test_no_string_crosses_the_iteration_heads_or_milestones(root: ET.Element) -> None:
    band = next(r for r in root.iter(SVG + "rect") if r.get("fill") == "#fff8e6")  # the milestones row
    rows_top = float(band.get("y") or 0) + float(band.get("height") or 0)
    paths = [p for g in classed(root, "g", "dependency") for p in g.iter(SVG + "path")]
    assert len(paths) == 12
    for path in paths:
        # A cubic Bézier lies within its control points: all below the rows' top, so is the string.
        ys = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d") or "")[1::2]]
        assert min(ys) >= rows_top, path.get("d")

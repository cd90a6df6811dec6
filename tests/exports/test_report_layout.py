"""The printed report's layout, read from the PDF's text positions (poppler's ``pdftotext -bbox-layout``:
every word's box, page by page): card titles on the program board at 7 pt or more on the demo ART and a
generated 12-team ART, a team's objectives on one page with its heading, no heading ending a page,
risks sorted as people read numbers. Each ART is printed once for the module."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from art_boards import PI_START, twelve_team_art
from exports_boards import RTE, Builder

from board.model import BoardState
from board.ops import apply_op
from server.transfer.picture import board_pages
from server.transfer.report import (
    BOARD_HEIGHT_PT,
    BOARD_WIDTH_PT,
    html_to_pdf,
    pi_report_html,
)

demo = pytest.importorskip("board.demo")

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
# DejaVu Sans's ascent + descent: a word's box is this many times its font size high.
BOX_PER_EM = 0.928 + 0.236
H2 = (
    "PI objectives and business value",
    "Predictability",
    "Risks by ROAM state",
    "Dependencies and conflicts",
    "Confidence vote",
    "Load per team and iteration",
    "Changes since the baseline",
)
ROAM_HEADING = re.compile(r"^(Not ROAMed yet|Owned|Accepted|Mitigated|Resolved) \(\d+\)$")


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    y_max: float

    @property
    def size(self) -> float:
        """The font size, in points, that draws a box this high."""
        return (self.y_max - self.y_min) / BOX_PER_EM


@dataclass(frozen=True)
class Line:
    page: int
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.y_max for w in self.words)

    @property
    def top(self) -> float:
        return min(w.y_min for w in self.words)


@dataclass(frozen=True)
class Printed:
    state: BoardState
    pages: list[list[Line]]

    def words(self) -> list[Word]:
        return [w for page in self.pages for line in page for w in line.words]


def printed(state: BoardState, tmp: Path, today: dt.date | None = None) -> Printed:
    pdf = tmp / "report.pdf"
    pdf.write_bytes(html_to_pdf(pi_report_html(state, today=today)))
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = ET.fromstring(out)
    pages = []
    for n, page in enumerate(root.iter(XHTML + "page"), 1):
        lines = []
        for line in page.iter(XHTML + "line"):
            words = [
                Word(n, w.text or "", *(float(w.get(k) or 0) for k in ("xMin", "yMin", "yMax")))
                for w in line.iter(XHTML + "word")
            ]
            if words:
                lines.append(Line(n, words))
        pages.append(lines)
    return Printed(state, pages)


def demo_art() -> BoardState:
    b = Builder("demo")
    for n, op in enumerate(demo.demo_ops()):
        apply_op(b.state, op, RTE, b.context(n))
    return b.state


def running(state: BoardState) -> BoardState:
    """The PI under way: its report adds how it is going, with a chart of every feature."""
    b = Builder(state.board_id, state.copy())
    for op in ("plan.lock", "baseline.take", "execution.start"):
        b.op(op)
    return b.state


@pytest.fixture(scope="module", params=["demo", "twelve teams", "twelve teams, running"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    tmp = tmp_path_factory.mktemp("report")
    if request.param == "demo":
        return printed(demo_art(), tmp)
    if request.param == "twelve teams":
        return printed(twelve_team_art(), tmp)
    return printed(running(twelve_team_art()), tmp, today=PI_START + dt.timedelta(days=20))


def is_heading(text: str, state: BoardState) -> bool:
    teams = tuple(f"{t.name} — predictability" for t in state.teams)
    return text in H2 or text.startswith(("How the PI is going", *teams)) or bool(ROAM_HEADING.match(text))


def test_every_card_title_on_the_program_board_prints_at_7_pt_or_more(report: Printed) -> None:
    # Which words are card titles: those the pictures draw only in card titles (not in heads, names,
    # milestones, loads or the legend).
    title_words: set[str] = set()
    other_words: set[str] = set()
    svgs = board_pages(report.state, width_pt=BOARD_WIDTH_PT, height_pt=BOARD_HEIGHT_PT)
    for _, svg in svgs:
        for text in ET.fromstring(svg.encode()).iter(SVG + "text"):
            words = set((text.text or "").replace("…", " ").split())
            (title_words if text.get("class") == "title" else other_words).update(words)
    only_titles = title_words - other_words
    board = [page for page in report.pages if page and page[0].text.startswith("Program board")]
    assert len(board) == len(svgs)
    on_board = [w for page in board for line in page for w in line.words if w.text.rstrip("…") in only_titles]
    placed = [f for f in report.state.features if f.team_id and f.iteration_id]
    assert len(on_board) >= len(placed), "the titles are printed as text"
    small = sorted({(round(w.size, 2), w.text) for w in on_board if w.size < 7.0})
    assert not small, f"card title words under 7 pt: {small[:10]}"


def test_a_teams_objectives_are_on_one_page_with_its_heading(report: Printed) -> None:
    lines = [line for page in report.pages for line in page]
    for team in report.state.teams:
        heading = [ln for ln in lines if ln.text.startswith(f"{team.name} — predictability")]
        statements = [o.statement for o in report.state.objectives if o.team_id == team.id]
        if not statements:
            continue
        assert len(heading) == 1, team.name
        for statement in statements:
            rows = [ln for ln in lines if ln.text.startswith(" ".join(statement.split())[:20])]
            assert rows, statement
            assert heading[0].page in {ln.page for ln in rows}, (team.name, statement, "on another page")


def test_no_page_is_blank_and_each_board_page_begins_with_its_heading(report: Printed) -> None:
    """A picture taller than a page ran over the next ones as one piece, leaving a blank page and the
    board's heading apart from its picture."""
    assert all(report.pages), [n for n, page in enumerate(report.pages, 1) if not page]
    board = [
        n for n, page in enumerate(report.pages) if any(ln.text.startswith("Program board") for ln in page)
    ]
    assert all(report.pages[n][0].text.startswith("Program board") for n in board)
    assert board == list(range(board[0], len(report.pages))), "the board's pages close the report"


def test_no_heading_ends_a_page(report: Printed) -> None:
    for n, page in enumerate(report.pages, 1):
        if not page:
            continue
        last = max(page, key=lambda ln: ln.bottom)
        assert not is_heading(last.text, report.state), f"page {n} ends with the heading {last.text!r}"


def test_a_heading_keeps_its_first_rows(report: Printed) -> None:
    """A heading whose section goes on to the next page has its table's head and two rows (or more
    lines) under it on its own page: never alone or with one row at the foot of a page."""
    headings = [ln for page in report.pages for ln in page if is_heading(ln.text, report.state)]
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        if following is not None and following.page == heading.page:
            continue  # the whole section is on the page
        below = {round(ln.top) for ln in report.pages[heading.page - 1] if ln.top > heading.bottom}
        # The section ends on the heading's page when the next page begins with the next heading.
        next_page = report.pages[heading.page] if heading.page < len(report.pages) else []
        ends_here = not next_page or next_page[0] is following or is_heading(next_page[0].text, report.state)
        assert ends_here or len(below) >= 3, f"{heading.text!r}, page {heading.page}: {len(below)} rows"


def test_team_tables_keep_the_same_columns(report: Printed) -> None:
    """The objectives tables of every team start their columns at the same places (they jumped)."""
    lines = [ln for page in report.pages for ln in page]
    heads = [ln.text for ln in lines]
    section = lines[heads.index("PI objectives and business value") : heads.index("Predictability")]
    types = ("committed", "uncommitted")
    starts = {round(w.x_min) for ln in section for w in ln.words[:1] if w.text in types}
    assert len(starts) == 1, f"the Type column starts at {sorted(starts)}"


def test_risks_sort_as_numbers_read(report: Printed) -> None:
    numbered = [
        int(m.group(1))
        for page in report.pages
        for line in page
        if (m := re.match(r"^Risk (\d+)$", line.text))
    ]
    if report.state.meta.name == "ART Twelve":
        assert len(numbered) == 12 * 12
    assert numbered == sorted(numbered), "Risk 2 before Risk 10"


@pytest.mark.parametrize("report", ["twelve teams"], indirect=True)
def test_a_roam_group_longer_than_a_page_begins_on_its_headings_page(report: Printed) -> None:
    """The 12-team ART's "Not ROAMed yet (144)" runs over pages (the demo's groups fit one): its heading
    stays with its first rows (test_a_heading_keeps_its_first_rows checks every heading; this says the
    long group is there to check)."""
    lines = [line for page in report.pages for line in page]
    heading = next(ln for ln in lines if ROAM_HEADING.match(ln.text) and ln.text.startswith("Not ROAMed"))
    rows = [ln for ln in lines if re.match(r"^Risk \d+\b", ln.text)]
    assert len(rows) >= 60 and len({ln.page for ln in rows}) > 1, "the group is longer than a page"
    first = [ln for ln in rows if ln.page == heading.page and ln.top > heading.bottom]
    assert len(first) >= 2, f"{heading.text!r} on page {heading.page} with {len(first)} of its rows"

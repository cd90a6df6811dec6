"""The PDF report as people read it: printed by Chromium, read back page by page with poppler
(``pdftotext`` for the words on each page, ``pdftoppm`` for the pictures of the pages)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from exports_boards import Builder, rich_board

from board.model import BoardState
from server.transfer.report import html_to_pdf, pi_report_html

TABLE_HEADERS = (
    "Objective Type",
    "Team Planned BV",
    "Risk Owner Team",
    "State Need",
    "Voters Round",
    "Team I",
)


def print_pages(state: BoardState, tmp_path: Path) -> list[str]:
    """The text of each page of the printed report, and its pictures beside it in tmp_path."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(html_to_pdf(pi_report_html(state)))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == count
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            check=True,
        ).stdout.decode()
        for n in range(1, count + 1)
    ]


def big_art() -> BoardState:
    """Twelve teams with objectives BV-rated in planning (no actual BV yet), many risks: a long report."""
    b = Builder()
    b.op("board.create", name="Big ART", pi_name="PI 27.1")
    its = [b.op("iteration.create", number=n, name=f"Iteration {n}") for n in range(1, 6)]
    for t in range(12):
        team = b.op("team.create", name=f"Team {t:02d}")
        for m in range(6):
            b.op("member.create", name=f"Dev {m}", team_id=team)
        for n in range(4):
            feature = b.op("feature.create", title=f"Feature {t}.{n}", team_id=team, iteration_id=its[n % 4])
            b.op("story.create", title=f"Story {t}.{n}", feature_id=feature, points=8)
        for n in range(3):
            obj = b.op(
                "objective.create", team_id=team, statement=f"Objective {t}.{n}: 3 partners live by I3"
            )
            b.op("objective.set_bv", obj, value=5 + n)
        for n in range(3):
            b.op("risk.create", title=f"Risk {t}.{n}", team_id=team)
    return b.state


def test_right_after_planning_predictability_is_not_yet_measured(tmp_path: Path) -> None:
    pages = print_pages(big_art(), tmp_path)
    text = "\n".join(pages)
    assert "not yet measured" in text
    assert not re.search(r"\b0 %", text), "no 0 % predictability before any actual BV"
    assert "out of band" not in text


def test_once_actual_value_is_rated_predictability_is_shown(tmp_path: Path) -> None:
    text = "\n".join(print_pages(rich_board(), tmp_path))
    table = text.split("Predictability", 1)[1].split("Risks by ROAM", 1)[0]
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert re.search(r"\b88 ?%\s+in band", rows["Apollo"])
    # The ART's figure counts the rated teams only (the unrated team counted as 0: 74 % out of band).
    assert re.search(r"\b94 ?%\s+in band", rows["ART"]) and "2 of 3 teams rated" in rows["ART"]
    # A team whose objectives nobody rated yet is not measured, whatever the others are.
    assert "not yet measured" in table


def test_the_board_is_on_the_last_pages_and_no_table_header_is_left_alone(tmp_path: Path) -> None:
    pages = print_pages(big_art(), tmp_path)
    assert len(pages) > 2, "a report long enough to break tables across pages"
    board_pages = [n for n, page in enumerate(pages) if page.lstrip().startswith("Program board")]
    assert board_pages and board_pages[-1] == len(pages) - 1, "the board is the last pages: nothing after"
    assert board_pages == list(range(board_pages[0], len(pages)))
    # Every team row of the picture is on one board page (the rows split over pages by team).
    for t in range(12):
        assert sum(f"Team {t:02d}" in pages[n] for n in board_pages) == 1
    for n, page in enumerate(pages[:-1]):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        last = re.sub(r"\s+", " ", lines[-1]) if lines else ""
        assert not last.startswith(TABLE_HEADERS), f"page {n + 1} ends with a table header: {last!r}"

"""The PI report: HTML parsed back with html.parser, PDF read back with poppler's pdftotext."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

from exports_boards import HOSTILE_FORMULA, HOSTILE_SCRIPT

from board.model import BoardState
from server.transfer.report import html_to_pdf, pi_report_html


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def parse(html: str) -> Collect:
    c = Collect()
    c.feed(html)
    return c


def test_report_holds_every_part(baseline_pair: tuple[BoardState, BoardState]) -> None:
    baseline, current = baseline_pair
    page = parse(pi_report_html(current, baseline=baseline, generated_at="2026-09-25 17:00 UTC"))
    text = page.text
    for heading in (
        "PI objectives and business value",
        "Predictability",
        "Risks by ROAM state",
        "Dependencies and conflicts",
        "Confidence vote",
        "Load per team and iteration",
        "Changes since the baseline",
        "Program board",
    ):
        assert heading in text
    assert "SSO live for 3 pilot customers" in text
    # The ART figure counts the rated teams only (an unrated team counted as 0: 74 %).
    assert "94%" in text and "Borealis — predictability 100%" in text
    teams = len(current.teams)
    assert f"ART (2 of {teams} teams rated)" in text and f"2 of {teams} teams rated" in text
    assert "CONFLICT" in text and "Audit events" in text
    assert "Not ROAMed yet (1)" in text and "Owned (1)" in text and "Resolved (0)" in text
    assert "4.00" in text and "round 1, 3 votes" in text
    assert "40 / 16 (250%)" in text
    assert "moved" in text and "dropped" in text and "Late-breaking feature" in text
    assert "svg" in page.tags


def test_hostile_text_is_inert_in_html(board: BoardState) -> None:
    html = pi_report_html(board)
    page = parse(html)
    assert "script" not in page.tags, "no script element, not even from a team name"
    assert HOSTILE_SCRIPT in page.text and HOSTILE_FORMULA in page.text, "shown as text"
    assert "default-src 'none'" in html, "and the page may fetch nothing"
    assert "secret reason" not in html


def test_pdf_reads_back(baseline_pair: tuple[BoardState, BoardState], tmp_path: Path) -> None:
    baseline, current = baseline_pair
    pdf = html_to_pdf(pi_report_html(current, baseline=baseline))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "PI report — ART Phoenix — PI 26.2" in text
    assert "SSO live for 3 pilot customers" in text
    assert "CONFLICT" in text and "Audit events" in text
    assert HOSTILE_SCRIPT in text, "printed as text"
    assert "Late-breaking feature" in text
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Pages:" in pages

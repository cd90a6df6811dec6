"""Exports and imports of a board: pure functions, no database, no web framework.

Each module takes a :class:`board.model.BoardState` and returns bytes or text, or takes
bytes and returns ops (:class:`board.ops.Op`) or a report of what is wrong and where.

- :mod:`server.transfer.board_json` — the whole board as versioned JSON, and its import.
- :mod:`server.transfer.csv_files` — one CSV per part of the plan, and a zip of them all.
- :mod:`server.transfer.jira` — Jira CSV import (with a preview) and a CSV for Jira's importer.
- :mod:`server.transfer.picture` — the program board as SVG and PNG.
- :mod:`server.transfer.report` — the printable PI report as HTML, and PDF via headless Chromium.

Ballot values never leave through here: only revealed rounds' results are exported.
"""

from server.transfer.common import FileRefused, Problem, neutralise

__all__ = ["FileRefused", "Problem", "neutralise"]

"""Exports and imports of a board: pure functions, no database, no web framework.

Each module takes a :class:`board.model.BoardState` and returns bytes or text, or takes
bytes and returns ops (:class:`board.core.Op`) or a report of what is wrong and where.

- :mod:`server.transfer.board_json` — the whole board as versioned JSON, and its import.
- :mod:`server.transfer.csv_files` — one CSV per part of the plan, and a zip of them all.
- :mod:`server.transfer.jira_file` — reading a Jira CSV export into rows.
- :mod:`server.transfer.jira_mapping` — how a Jira file's columns, types, statuses and sprints map
  onto the board: detected, chosen by a person, remembered per board.
- :mod:`server.transfer.jira` — planning a Jira import: every row's and link's fate.
- :mod:`server.transfer.jira_preview` — that plan as a preview, with the mapping step's choices.
- :mod:`server.transfer.jira_items` — the board's items as Jira sees them (keys, compared values).
- :mod:`server.transfer.jira_ops` — the ops that apply a previewed Jira import.
- :mod:`server.transfer.jira_import` — Jira imports as the doors use them, through the op path.
- :mod:`server.transfer.jira_export` — the board as a CSV for Jira's importer.
- :mod:`server.transfer.picture` — the program board as SVG and PNG.
- :mod:`server.transfer.report` — the printable PI report as HTML, and PDF via headless Chromium
  (its template in :mod:`server.transfer._report_template`).
- :mod:`server.transfer.audit` — the event log as JSON Lines and CSV.
- :mod:`server.transfer.common` — spreadsheet-safe cells, the file-refusal report, revealed rounds.
- :mod:`server.transfer.files` — exports and JSON imports as the doors use them, through the op path.

Ballot values never leave through here: only revealed rounds' results are exported.
"""

from server.transfer.common import FileRefused, Problem, neutralise

__all__ = ["FileRefused", "Problem", "neutralise"]

"""Exports and JSON imports as the doors use them: shared by the REST door and the command line.

The pure formats live in :mod:`server.transfer`; here they meet the op path. Exports read a
board (and its baseline, replayed from the event table); a JSON import goes through
:class:`~server.store.op_path.OpPath` only: ``board.create`` plus one all-or-nothing batch in the same
transaction, applied once. Jira imports are :mod:`server.transfer.jira_import`'s.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from board import Actor, BoardState, Role
from board.core import Committed, Op
from board.errors import PiboardError, Refused
from board.ops import Context, apply_op
from server.clock import CLOCK
from server.store.op_path import BatchRefused, OpPath, new_id
from server.transfer.audit import audit_csv, audit_jsonl
from server.transfer.board_json import create_op, export_board_json, import_ops, read_board_json
from server.transfer.common import FileRefused, Problem
from server.transfer.csv_files import PARTS, export_csv, export_csv_zip

# (done, total, what): a command line draws a bar from it; the web door passes none.
Progress = Callable[[int, int, str], None]

# The board's creator when a file makes a new board (as ``piboard demo`` and POST /api/boards do).
IMPORTER = Actor(id="importer", name="Import", role=Role.RTE)

# Printing a PDF starts a Chromium (~1.3 s, ~150 MB): at most this many at once per process.
PDF_SLOTS = threading.BoundedSemaphore(2)
PDF_WAIT_SECONDS = 30.0


class Busy(PiboardError):
    code = "rate_limited"


class NoBaseline(PiboardError):
    code = "not_found"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str
    inline: bool = False

    def content_disposition(self) -> str:
        kind = "inline" if self.inline else "attachment"
        return f'{kind}; filename="{self.filename}"'


Renderer = Callable[[BoardState, BoardState | None, Progress | None], bytes]
# A format of the event log itself (the audit trail) is given every event too.
LogRenderer = Callable[[BoardState, list[Committed]], bytes]


@dataclass(frozen=True)
class ExportFormat:
    suffix: str  # what follows the board's slug and date in the file name
    media_type: str
    render: Renderer
    inline: bool = False


@dataclass(frozen=True)
class LogFormat:
    """A format of the event log itself (the audit trail): rendered from every event."""

    suffix: str
    media_type: str
    render: LogRenderer
    inline: bool = False


# The picture, report and Jira formats load their modules when first rendered: the report's
# templates alone take longer to load than a whole import takes (bench/import_speed.py).


def _json(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    return export_board_json(state, baseline=baseline, today=CLOCK.today())


def _zip(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    return export_csv_zip(state, baseline=baseline, progress=progress)


def _jira(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    from server.transfer.jira_export import export_jira_csv

    return export_jira_csv(state)


def _svg(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    from server.transfer.picture import program_board_svg

    return program_board_svg(state).encode("utf-8")


def _png(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    from server.transfer.picture import program_board_png

    return program_board_png(state)


def _html(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    from server.transfer.report import pi_report_html

    return pi_report_html(state, baseline=baseline, today=CLOCK.today()).encode("utf-8")


def _pdf(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    from server.transfer.report import pi_report_html

    html = pi_report_html(state, baseline=baseline, today=CLOCK.today())
    if progress:
        progress(1, 2, "report")
    pdf = print_pdf(html)
    if progress:
        progress(2, 2, "pdf")
    return pdf


def print_pdf(html: str) -> bytes:
    """A report printed to PDF, by at most ``PDF_SLOTS`` Chromiums at once (a board's or a solution's)."""
    from server.transfer.report import html_to_pdf

    if not PDF_SLOTS.acquire(timeout=PDF_WAIT_SECONDS):
        raise Busy("the server is printing other reports; try again in a minute")
    try:
        return html_to_pdf(html)
    finally:
        PDF_SLOTS.release()


CSV = "text/csv; charset=utf-8"

FORMATS: dict[str, ExportFormat | LogFormat] = {
    "json": ExportFormat(".json", "application/json", _json),
    "zip": ExportFormat("-csv.zip", "application/zip", _zip),
    "jira": ExportFormat("-jira.csv", CSV, _jira),
    "svg": ExportFormat(".svg", "image/svg+xml", _svg, inline=True),
    "png": ExportFormat(".png", "image/png", _png),
    "html": ExportFormat("-report.html", "text/html; charset=utf-8", _html, inline=True),
    "pdf": ExportFormat("-report.pdf", "application/pdf", _pdf),
    "audit.jsonl": LogFormat("-audit.jsonl", "application/x-ndjson", audit_jsonl),
    "audit.csv": LogFormat("-audit.csv", CSV, audit_csv),
}
CSV_PARTS = (*PARTS, "baseline")


def format_names() -> list[str]:
    return [*FORMATS, *(f"csv:{part}" for part in CSV_PARTS)]


def _csv_format(part: str) -> ExportFormat:
    return ExportFormat(f"-{part}.csv", CSV, lambda s, b, p: export_csv(s, part, baseline=b))


def slug(name: str) -> str:
    """A file-name-safe, ASCII form of the board's name ("ART Phoenix" -> "art-phoenix")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "board"


class Baselines:
    """The baseline state of each board, by ``(board, baseline_seq)``: a replay, so kept once made.

    A baseline never changes after it is taken (a new ``baseline.take`` has a new seq)."""

    def __init__(self, op_path: OpPath, keep: int = 16) -> None:
        self.op_path = op_path
        self.keep = keep
        self._states: dict[tuple[str, int], BoardState] = {}
        self._guard = threading.Lock()

    def of(self, state: BoardState) -> BoardState | None:
        seq = state.meta.baseline_seq
        if not seq:
            return None
        key = (state.board_id, seq)
        with self._guard:
            cached = self._states.get(key)
        if cached is not None:
            return cached
        baseline = self.op_path.state_at(state.board_id, seq)
        with self._guard:
            if len(self._states) >= self.keep:
                self._states.pop(next(iter(self._states)))
            self._states[key] = baseline
        return baseline


def export_file(
    op_path: OpPath,
    baselines: Baselines,
    board_id: str,
    format_name: str,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ExportFile:
    """One export of the board as it is now (baseline diff included when a baseline was taken)."""
    if format_name.startswith("csv:"):
        part = format_name[4:]
        if part not in CSV_PARTS:
            raise ValueError(f"no CSV part '{part}'; parts: {', '.join(CSV_PARTS)}")
        fmt: ExportFormat | LogFormat = _csv_format(part)
    elif format_name in FORMATS:
        fmt = FORMATS[format_name]
    else:
        raise ValueError(f"no export format '{format_name}'; formats: {', '.join(format_names())}")
    state = op_path.state(board_id)
    baseline = baselines.of(state)
    if format_name == "csv:baseline" and baseline is None:
        raise NoBaseline("no baseline was taken on this board yet (the RTE takes it at the end of the event)")
    if isinstance(fmt, LogFormat):
        content = fmt.render(state, op_path.events_between(board_id, 0, state.seq))
    else:
        content = fmt.render(state, baseline, progress)
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    return ExportFile(content, fmt.media_type, f"{slug(state.meta.name)}-{day}{fmt.suffix}", fmt.inline)


# --- importing a board file --------------------------------------------------------------------------


def import_board_file(
    op_path: OpPath,
    data: bytes | str | IO[bytes] | dict[str, Any],
    *,
    progress: Progress | None = None,
    fixed_ids: Mapping[tuple[str, str], str] | None = None,
) -> tuple[str, int]:
    """A new board equal to the file's (fresh ids); returns its id and how many events made it.
    ``data``: the file's bytes, or the file open for reading (read a piece at a time), or its
    document already read; ``fixed_ids``: (kind, file id) -> the new id to give that item.

    Raises :class:`FileRefused` and creates nothing when the file is broken or any op would be refused.

    ``board.create`` and every other op (built from the new board, whose default agenda the file's
    replaces) are applied once, in one transaction: the first refused op rolls all of it back and
    is reported with the place in the file it comes from.
    """
    doc = read_board_json(data)
    name = str(doc["meta"]["name"])
    create_args = create_op(doc).args
    try:
        new_board_state(create_args)  # the file's meta is checked before the board row is written
    except Refused as exc:
        raise FileRefused([Problem(None, f"meta: {exc.reason}")]) from None
    ops: list[Op] = []
    origins: list[str] = []

    def file_ops(created: BoardState) -> list[Op]:
        planned = import_ops(doc, created, new_id=new_id, fixed_ids=fixed_ids)
        ops.extend(op for op, _ in planned)
        origins.extend(origin for _, origin in planned)
        if progress is not None:
            progress(0, len(ops) + 1, "writing")
        return ops

    try:
        board_id = op_path.create_board(name, IMPORTER, create_args, then=file_ops)
    except BatchRefused as exc:
        raise FileRefused([Problem(None, f"{origins[exc.index]}: {exc.cause.reason}")]) from None
    except Refused as exc:  # the file's only op
        raise FileRefused([Problem(None, f"{origins[0]}: {exc.reason}")]) from None
    if progress is not None:
        progress(len(ops) + 1, len(ops) + 1, "written")
    return board_id, len(ops) + 1


def new_board_state(args: dict[str, Any]) -> BoardState:
    """A board just created, as ``board.create`` with ``args`` leaves it (raises its refusal)."""
    state = BoardState("new")
    apply_op(state, Op("board.create", args=args), IMPORTER, Context(time.time(), new_id, 1))
    return state


def problems_body(exc: FileRefused) -> dict[str, Any]:
    """The 422 answer for a refused file: what is wrong, and where."""
    return {
        "error": "file_refused",
        "reason": "the file was not imported; nothing was changed",
        "problems": [p.to_dict() for p in exc.problems],
    }

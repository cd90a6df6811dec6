"""Exports and imports as the doors use them: shared by the REST door and the command line.

The pure formats live in :mod:`server.exports`; here they meet the op path. Exports read a
board (and its baseline, replayed from the event table); imports go through
:class:`~server.oppath.OpPath` only: a JSON import is checked in full on a scratch board
first, then written as ``board.create`` plus one all-or-nothing batch; a Jira import is one
all-or-nothing batch on an existing board, applied as the person who asked for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from board import Actor, BoardState, Role
from board.errors import Forbidden, PiboardError
from board.events import Committed
from board.ops import Context, Op
from board.roles import PERMISSIONS
from server.exports.board_json import build_board, create_op, export_board_json, import_ops, read_board_json
from server.exports.common import FileRefused, Problem
from server.exports.csv_files import PARTS, export_csv, export_csv_zip
from server.exports.jira import JiraPreview, export_jira_csv, preview_jira
from server.exports.picture import program_board_png, program_board_svg
from server.exports.report import html_to_pdf, pi_report_html
from server.oppath import BatchRefused, OpPath, new_id

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


@dataclass(frozen=True)
class ExportFormat:
    suffix: str  # what follows the board's slug and date in the file name
    media_type: str
    render: Renderer
    inline: bool = False


def _pdf(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    html = pi_report_html(state, baseline=baseline)
    if progress:
        progress(1, 2, "report")
    if not PDF_SLOTS.acquire(timeout=PDF_WAIT_SECONDS):
        raise Busy("the server is printing other reports; try again in a minute")
    try:
        pdf = html_to_pdf(html)
    finally:
        PDF_SLOTS.release()
    if progress:
        progress(2, 2, "pdf")
    return pdf


CSV = "text/csv; charset=utf-8"

FORMATS: dict[str, ExportFormat] = {
    "json": ExportFormat(".json", "application/json", lambda s, b, p: export_board_json(s, baseline=b)),
    "zip": ExportFormat(
        "-csv.zip", "application/zip", lambda s, b, p: export_csv_zip(s, baseline=b, progress=p)
    ),
    "jira": ExportFormat("-jira.csv", CSV, lambda s, b, p: export_jira_csv(s)),
    "svg": ExportFormat(
        ".svg", "image/svg+xml", lambda s, b, p: program_board_svg(s).encode("utf-8"), inline=True
    ),
    "png": ExportFormat(".png", "image/png", lambda s, b, p: program_board_png(s)),
    "html": ExportFormat(
        "-report.html",
        "text/html; charset=utf-8",
        lambda s, b, p: pi_report_html(s, baseline=b).encode("utf-8"),
        inline=True,
    ),
    "pdf": ExportFormat("-report.pdf", "application/pdf", _pdf),
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

    def __init__(self, oppath: OpPath, keep: int = 16) -> None:
        self.oppath = oppath
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
        baseline = self.oppath.state_at(state.board_id, seq)
        with self._guard:
            if len(self._states) >= self.keep:
                self._states.pop(next(iter(self._states)))
            self._states[key] = baseline
        return baseline


def export_file(
    oppath: OpPath,
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
        fmt = _csv_format(part)
    elif format_name in FORMATS:
        fmt = FORMATS[format_name]
    else:
        raise ValueError(f"no export format '{format_name}'; formats: {', '.join(format_names())}")
    state = oppath.state(board_id)
    baseline = baselines.of(state)
    if format_name == "csv:baseline" and baseline is None:
        raise NoBaseline("no baseline was taken on this board yet (the RTE takes it at the end of the event)")
    content = fmt.render(state, baseline, progress)
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    return ExportFile(content, fmt.media_type, f"{slug(state.meta.name)}-{day}{fmt.suffix}", fmt.inline)


# --- importing a board file --------------------------------------------------------------------------


def import_board_file(
    oppath: OpPath, data: bytes | str, *, progress: Progress | None = None
) -> tuple[str, int]:
    """A new board equal to the file's (fresh ids); returns its id and how many events made it.

    Raises :class:`FileRefused` and creates nothing when the file is broken or any op would be refused.

    The whole file is applied to a scratch board first, so every refusal is found before the
    database is touched; then ``board.create`` and every other op are written in one transaction
    (the ops are built from the new board, whose default agenda the file's replaces).
    """
    doc = read_board_json(data)

    def scratch_context(n: int) -> Context:
        return Context(now=time.time(), new_id=new_id, seq=n + 1)

    def checked(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total + 1, "checking")

    checked_board = build_board(doc, "scratch", IMPORTER, scratch_context, new_id=new_id, progress=checked)
    if progress is not None:
        progress(len(checked_board.ops) - 1, len(checked_board.ops), "writing")
    name = str(doc["meta"]["name"])
    ops: list[Op] = []

    def file_ops(created: BoardState) -> list[Op]:
        ops.extend(import_ops(doc, created, new_id=new_id))
        return ops

    try:
        board_id = oppath.create_board(name, IMPORTER, create_op(doc).args, then=file_ops)
    except BatchRefused as exc:
        # Only reachable if the real board differs from the scratch one; nothing was written.
        problem = Problem(None, f"op {exc.index + 1} ({ops[exc.index].type}): {exc.cause.reason}")
        raise FileRefused([problem]) from None
    if progress is not None:
        progress(len(ops) + 1, len(ops) + 1, "written")
    return board_id, len(ops) + 1


# --- Jira -----------------------------------------------------------------------------------------------

JIRA_IMPORTERS = frozenset({Role.RTE, Role.PRODUCT_MANAGEMENT})


def require_jira_importer(actor: Actor) -> None:
    if actor.role not in JIRA_IMPORTERS:
        raise Forbidden("only the RTE or Product Management import from Jira")


def _may(actor: Actor, op_type: str) -> bool:
    return actor.role in PERMISSIONS.get(op_type, frozenset())


def restrict_to_role(preview: JiraPreview, actor: Actor) -> JiraPreview:
    """What ``actor`` may create of ``preview``; the rest moves to ``skipped``, each with its line.

    Product Management imports features (their ranking and content are theirs); stories and
    dependencies belong to the teams and the RTE (the role table in board/)."""
    skipped = list(preview.skipped)
    keep: dict[str, Any] = {}
    if preview.stories and not _may(actor, "story.create"):
        skipped.extend(
            Problem(s.line, "stories are created by their team or the RTE", key=s.key or s.ref)
            for s in preview.stories
        )
        keep["stories"] = []
    if preview.dependencies and not (_may(actor, "dependency.create") and "stories" not in keep):
        skipped.extend(
            Problem(d.line, "dependencies are raised by the teams or the RTE", key=d.requester_key)
            for d in preview.dependencies
        )
        keep["dependencies"] = []
    if not keep:
        return preview
    skipped.sort(key=lambda p: (p.line is None, p.line or 0))
    return dataclasses.replace(preview, skipped=skipped, **keep)


def jira_preview(
    oppath: OpPath, board_id: str, data: bytes | str, actor: Actor, *, create_teams: bool = False
) -> tuple[BoardState, JiraPreview]:
    require_jira_importer(actor)
    if create_teams and not _may(actor, "team.create"):
        raise Forbidden("only the RTE creates teams; import without creating teams")
    state = oppath.state(board_id)
    return state, restrict_to_role(preview_jira(data, state, create_teams=create_teams), actor)


def jira_apply(
    oppath: OpPath, board_id: str, data: bytes | str, actor: Actor, *, create_teams: bool = False
) -> tuple[JiraPreview, list[Committed]]:
    """Map the file onto the board as it is now and apply it in one all-or-nothing batch."""
    state, preview = jira_preview(oppath, board_id, data, actor, create_teams=create_teams)
    ops = preview.ops(state, new_id=new_id)
    if not ops:
        return preview, []
    try:
        return preview, oppath.submit_batch(board_id, ops, actor)
    except BatchRefused as exc:
        raise FileRefused(
            [Problem(None, f"op {exc.index + 1} ({ops[exc.index].type}) was refused: {exc.cause.reason}")]
        ) from None


def problems_body(exc: FileRefused) -> dict[str, Any]:
    """The 422 answer for a refused file: what is wrong, and where."""
    return {
        "error": "file_refused",
        "reason": "the file was not imported; nothing was changed",
        "problems": [p.to_dict() for p in exc.problems],
    }

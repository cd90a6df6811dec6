"""Exports and imports as the doors use them: shared by the REST door and the command line.

The pure formats live in :mod:`server.exports`; here they meet the op path. Exports read a
board (and its baseline, replayed from the event table); imports go through
:class:`~server.oppath.OpPath` only: a JSON import is ``board.create`` plus one
all-or-nothing batch in the same transaction, applied once; a Jira import is one
all-or-nothing batch on an existing board, applied as the person who asked for it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from board import Actor, BoardState, Role
from board.errors import Forbidden, PiboardError, Refused
from board.events import Committed
from board.ops import Context, Op, apply_op
from board.roles import may
from server.clock import CLOCK
from server.exports.audit import audit_csv, audit_jsonl
from server.exports.board_json import create_op, export_board_json, import_ops, read_board_json
from server.exports.common import FileRefused, Problem
from server.exports.csv_files import PARTS, export_csv, export_csv_zip
from server.exports.jira import JiraPreview, preview_jira
from server.exports.jira_export import export_jira_csv
from server.exports.jira_file import read_jira_file
from server.exports.jira_mapping import detect_project
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


def _pdf(state: BoardState, baseline: BoardState | None, progress: Progress | None) -> bytes:
    html = pi_report_html(state, baseline=baseline, today=CLOCK.today())
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

FORMATS: dict[str, ExportFormat | LogFormat] = {
    "json": ExportFormat(
        ".json", "application/json", lambda s, b, p: export_board_json(s, baseline=b, today=CLOCK.today())
    ),
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
        lambda s, b, p: pi_report_html(s, baseline=b, today=CLOCK.today()).encode("utf-8"),
        inline=True,
    ),
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
        fmt: ExportFormat | LogFormat = _csv_format(part)
    elif format_name in FORMATS:
        fmt = FORMATS[format_name]
    else:
        raise ValueError(f"no export format '{format_name}'; formats: {', '.join(format_names())}")
    state = oppath.state(board_id)
    baseline = baselines.of(state)
    if format_name == "csv:baseline" and baseline is None:
        raise NoBaseline("no baseline was taken on this board yet (the RTE takes it at the end of the event)")
    if isinstance(fmt, LogFormat):
        content = fmt.render(state, oppath.events_between(board_id, 0, state.seq))
    else:
        content = fmt.render(state, baseline, progress)
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    return ExportFile(content, fmt.media_type, f"{slug(state.meta.name)}-{day}{fmt.suffix}", fmt.inline)


# --- importing a board file --------------------------------------------------------------------------


def import_board_file(
    oppath: OpPath, data: bytes | str, *, progress: Progress | None = None
) -> tuple[str, int]:
    """A new board equal to the file's (fresh ids); returns its id and how many events made it.

    Raises :class:`FileRefused` and creates nothing when the file is broken or any op would be refused.

    ``board.create`` and every other op (built from the new board, whose default agenda the file's
    replaces) are applied once, in one transaction: the first refused op rolls all of it back and
    is reported with the place in the file it comes from.
    """
    doc = read_board_json(data)
    name = str(doc["meta"]["name"])
    create_args = create_op(doc).args
    try:
        _new_board_state(create_args)  # the file's meta is checked before the board row is written
    except Refused as exc:
        raise FileRefused([Problem(None, f"meta: {exc.reason}")]) from None
    ops: list[Op] = []
    origins: list[str] = []

    def file_ops(created: BoardState) -> list[Op]:
        planned = import_ops(doc, created, new_id=new_id)
        ops.extend(op for op, _ in planned)
        origins.extend(origin for _, origin in planned)
        if progress is not None:
            progress(0, len(ops) + 1, "writing")
        return ops

    try:
        board_id = oppath.create_board(name, IMPORTER, create_args, then=file_ops)
    except BatchRefused as exc:
        raise FileRefused([Problem(None, f"{origins[exc.index]}: {exc.cause.reason}")]) from None
    except Refused as exc:  # the file's only op
        raise FileRefused([Problem(None, f"{origins[0]}: {exc.reason}")]) from None
    if progress is not None:
        progress(len(ops) + 1, len(ops) + 1, "written")
    return board_id, len(ops) + 1


# --- Jira -----------------------------------------------------------------------------------------------

JIRA_IMPORTERS = frozenset({Role.RTE, Role.PRODUCT_MANAGEMENT})


def may_import_jira(actor: Actor) -> bool:
    return actor.role in JIRA_IMPORTERS


def require_jira_importer(actor: Actor) -> None:
    if not may_import_jira(actor):
        raise Forbidden("only the RTE or Product Management import from Jira")


def _allowed_kinds(actor: Actor) -> list[str]:
    """Product Management imports features (theirs to rank); stories belong to the teams and the RTE."""
    return [kind for kind in ("feature", "story") if may(actor, f"{kind}.create")]


def jira_preview(
    oppath: OpPath, board_id: str, data: bytes | str, actor: Actor, choices: list[str] | None = None
) -> tuple[BoardState, JiraPreview]:
    """The preview of importing ``data`` into the board as it is now, with ``choices`` made."""
    require_jira_importer(actor)
    state = oppath.state(board_id)
    preview = preview_jira(data, state, choices, allowed_kinds=_allowed_kinds(actor))
    if _needs_setup_by_another(preview, actor):
        preview.warnings.insert(0, Problem(None, SETUP_IS_THE_RTES))
    return state, preview


SETUP_IS_THE_RTES = "only the RTE creates teams and iterations; map them to existing ones"


def _needs_setup_by_another(preview: JiraPreview, actor: Actor) -> bool:
    return bool(
        (preview.new_teams and not may(actor, "team.create"))
        or (preview.new_iterations and not may(actor, "iteration.create"))
    )


def _jira_ops(preview: JiraPreview, state: BoardState, actor: Actor) -> list[Op]:
    """The preview's ops, then (for the RTE, who sets up the board) the mapping remembered."""
    if _needs_setup_by_another(preview, actor):
        raise Forbidden(SETUP_IS_THE_RTES)
    ops = preview.ops(state, new_id=new_id)
    memory = preview.mapping.memory()
    # An import that changes nothing changes nothing: not even the remembered mapping.
    if ops and may(actor, "board.update") and memory != state.meta.import_mapping:
        ops.append(
            Op(
                "board.update",
                None,
                state.meta.version,
                {"import_mapping": memory},
                f"jira:{len(ops)}:mapping",
            )
        )
    return ops


def _refused_batch(exc: BatchRefused, ops: list[Op]) -> FileRefused:
    problem = Problem(None, f"op {exc.index + 1} ({ops[exc.index].type}) was refused: {exc.cause.reason}")
    return FileRefused([problem])


def jira_apply(
    oppath: OpPath, board_id: str, data: bytes | str, actor: Actor, choices: list[str] | None = None
) -> tuple[JiraPreview, list[Committed]]:
    """Map the file onto the board as it is now and apply it in one all-or-nothing batch."""
    state, preview = jira_preview(oppath, board_id, data, actor, choices)
    ops = _jira_ops(preview, state, actor)
    if not ops:
        return preview, []
    try:
        return preview, oppath.submit_batch(board_id, ops, actor)
    except BatchRefused as exc:
        raise _refused_batch(exc, ops) from None


def _new_board_state(args: dict[str, Any]) -> BoardState:
    """A board just created, as ``board.create`` with ``args`` leaves it (raises its refusal)."""
    state = BoardState("new")
    apply_op(state, Op("board.create", args=args), IMPORTER, Context(time.time(), new_id, 1))
    return state


def jira_board_name(data: bytes | str) -> str:
    """A new board's name: the file's project, else a plain one."""
    return (detect_project(read_jira_file(data)) or "Imported from Jira")[:120]


def jira_preview_new_board(
    data: bytes | str, choices: list[str] | None = None, *, name: str | None = None
) -> JiraPreview:
    """The preview of a new board made from ``data`` (by the RTE who makes it)."""
    return preview_jira(data, _new_board_state({"name": name or jira_board_name(data)}), choices)


def jira_new_board(
    oppath: OpPath, data: bytes | str, choices: list[str] | None = None, *, name: str | None = None
) -> tuple[str, JiraPreview]:
    """A new board made from ``data``: ``board.create`` and the whole import in one transaction."""
    name = name or jira_board_name(data)
    preview = jira_preview_new_board(data, choices, name=name)
    ops: list[Op] = []

    def file_ops(created: BoardState) -> list[Op]:
        ops.extend(_jira_ops(preview, created, IMPORTER))
        return ops

    try:
        board_id = oppath.create_board(name, IMPORTER, then=file_ops)
    except BatchRefused as exc:
        raise _refused_batch(exc, ops) from None
    return board_id, preview


def problems_body(exc: FileRefused) -> dict[str, Any]:
    """The 422 answer for a refused file: what is wrong, and where."""
    return {
        "error": "file_refused",
        "reason": "the file was not imported; nothing was changed",
        "problems": [p.to_dict() for p in exc.problems],
    }

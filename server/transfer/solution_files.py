"""A solution's exports (issue 29) and its import, as the doors and the command line use them.

:data:`SOLUTION_FORMATS` is the one list of them: the door makes a route of each, the solution page's
Download menu lists each (its label), the command line could name each. Each is drawn from one read of
the solution (:func:`read_export`), and each reuses a train's own export rather than copy it: the
JSON holds every train's ``piboard/1`` board export (:mod:`server.transfer.solution_json`), the CSV zip
each train's features CSV (:mod:`server.transfer.csv_files`), the picture each train's program board
(:mod:`server.transfer.picture`), the report each train's PI report (:mod:`server.transfer.report`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from jinja2 import Environment
from markupsafe import Markup

from board.core import Op
from board.cross_train import mirror_id, train_ref
from board.errors import Invalid, PiboardError
from board.labels import iteration_label, team_name
from board.model import Dependency, DependencyStatus, Feature
from board.solution_plan import SolutionObjective, SolutionRisk
from server.clock import CLOCK
from server.pages.solution import solution_view
from server.store.auth import participant_name
from server.store.op_path import OpPath, new_id
from server.store.solution_copy import CapabilityCopy, insert_solution_copy
from server.store.solution_plan import SolutionPlanStore
from server.store.solutions import SolutionStore
from server.transfer._solution_report_template import SOLUTION_REPORT_TEMPLATE
from server.transfer.common import FileRefused, Problem
from server.transfer.csv_files import export_csv, to_csv
from server.transfer.files import IMPORTER, Baselines, ExportFile, import_board_file, print_pdf, slug
from server.transfer.solution_json import SolutionExport, TrainExport, export_solution
from server.transfer.solution_json_read import SolutionDoc, check_train_imports, fixed_ids, read_solution_json
from server.transfer.svg_text import fit, svg_text


def read_export(
    op_path: OpPath, baselines: Baselines, store: SolutionStore, solution_id: str
) -> SolutionExport:
    """The solution with each train's board as it is now (and its baseline), its capabilities and
    live links: what every export is made from."""
    solution = store.solution(solution_id)
    states = [op_path.state(t.board_id) for t in solution.trains]
    capabilities = store.capabilities(solution_id)
    view = solution_view(
        solution.id,
        solution.name,
        solution.pi_name,
        [(state, t.joined_by) for state, t in zip(states, solution.trains, strict=True)],
        capabilities,
    )
    trains = tuple(
        TrainExport(t.board_id, t.joined_by, t.joined_at, state, baselines.of(state))
        for state, t in zip(states, solution.trains, strict=True)
    )
    return SolutionExport(
        solution.id,
        solution.name,
        solution.pi_name,
        trains,
        tuple(capabilities),
        tuple(store.links(solution_id)),
        view,
        SolutionPlanStore(store).plan(solution_id),
    )


# --- the formats -----------------------------------------------------------------------------------


def _json(solution: SolutionExport) -> bytes:
    doc = export_solution(solution, today=CLOCK.today())
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


CAPABILITY_HEADER = ["capability", "capability_id", "train", "board_id", "feature", "feature_id", "team"]
CAPABILITY_HEADER += ["iteration", "progress"]


def capability_rows(solution: SolutionExport) -> list[list[Any]]:
    """Capabilities × trains: one row per capability per train, in joining order, with the feature it
    became there (none where it was not split yet), its team, iteration and progress."""
    states = {t.board_id: t.state for t in solution.trains}
    rows: list[list[Any]] = []
    for capability in solution.view.capabilities:
        for board_id, train, feature_id, progress in capability.trains:
            state = states[board_id]
            feature = state.get(Feature, feature_id) if feature_id else None
            rows.append(
                [
                    capability.title,
                    capability.id,
                    train,
                    board_id,
                    feature.title if feature else "",
                    feature_id or "",
                    team_name(state, feature.team_id) if feature and feature.team_id else "",
                    iteration_label(state, feature.iteration_id) if feature and feature.iteration_id else "",
                    progress,
                ]
            )
    return rows


def _capabilities_csv(solution: SolutionExport) -> bytes:
    return to_csv(CAPABILITY_HEADER, capability_rows(solution))


def _zip(solution: SolutionExport) -> bytes:
    """``capabilities.csv`` (capabilities × trains), ``trains.csv``, and each train's features as its
    own board's features CSV (``trains/<n>-<train>-features.csv``, numbered in joining order)."""
    files = {
        "capabilities.csv": _capabilities_csv(solution),
        "trains.csv": to_csv(
            [
                "train",
                "board_id",
                "pi",
                "joined_by",
                "pi_start",
                "pi_end",
                "iterations",
                "agrees",
                "disagreements",
            ],
            [
                [
                    t.name,
                    t.board_id,
                    t.pi_name,
                    t.joined_by,
                    t.cadence.pi_start,
                    t.cadence.pi_end,
                    len(t.cadence.iterations),
                    t.agrees,
                    " ".join(t.reasons),
                ]
                for t in solution.view.trains
            ],
        ),
    }
    for n, train in enumerate(solution.trains, 1):
        name = f"trains/{n:02d}-{slug(train.state.meta.name)}-features.csv"
        files[name] = export_csv(train.state, "features", baseline=train.baseline)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()


# The solution picture: its heading and capabilities, then each train's program board under it.
_PICTURE_MARGIN = 20
_LINE = 20
_SIZE = re.compile(r'<svg [^>]*?width="(\d+)" height="(\d+)"')


def solution_svg(solution: SolutionExport) -> str:
    """The solution as one picture: its name and PI, each capability with its progress on each train,
    then every train's program board (drawn by :func:`server.transfer.picture.program_board_svg`,
    which escapes every text), one under the other in joining order."""
    from server.transfer.picture import LEGEND_H, program_board_svg

    boards = []
    for n, train in enumerate(solution.trains, 1):
        svg = program_board_svg(train.state)
        size = _SIZE.search(svg)
        assert size is not None  # the picture's own root
        w, h = int(size.group(1)), int(size.group(2))
        if n < len(solution.trains):
            # The legend once, under the last train: each other train's picture ends at its rows, as
            # the picture's own pages but the last end (its external parties' row kept).
            svg = "\n".join(line for line in svg.split("\n") if not line.startswith('<g class="legend">'))
            shorter = h - LEGEND_H + 16
            svg = svg.replace(
                f'height="{h}" viewBox="0 0 {w} {h}"', f'height="{shorter}" viewBox="0 0 {w} {shorter}"', 1
            )
            h = shorter
        boards.append((svg.split("?>", 1)[1].lstrip(), w, h))
    width = max([900, *(w for _, w, _ in boards)])
    inner = width - 2 * _PICTURE_MARGIN
    head: list[str] = []
    y = _PICTURE_MARGIN + 22
    heading = " — ".join(x for x in (solution.name, solution.pi_name) if x)
    head.append(
        f'<text class="title" x="{_PICTURE_MARGIN}" y="{y}" font-size="22" font-weight="bold">'
        f"{svg_text(fit(heading, inner, 22, bold=True))}</text>"
    )
    for capability in solution.view.capabilities:
        y += _LINE
        where = " · ".join(f"{train}: {progress}" for _, train, _, progress in capability.trains)
        line = f"{capability.title} — {where}" if where else capability.title
        head.append(
            f'<text class="capability" x="{_PICTURE_MARGIN}" y="{y}" font-size="13">'
            f"{svg_text(fit(line, inner, 13))}</text>"
        )
    y += _LINE
    parts = []
    for svg, _w, h in boards:
        parts.append(svg.replace("<svg ", f'<svg class="train" x="0" y="{y}" overflow="visible" ', 1))
        y += h
    height = y + _PICTURE_MARGIN
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">',
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *head,
            *parts,
            "</svg>",
            "",
        ]
    )


def _svg(solution: SolutionExport) -> bytes:
    return solution_svg(solution).encode("utf-8")


def _png(solution: SolutionExport) -> bytes:
    from server.transfer.picture import svg_to_png

    return svg_to_png(solution_svg(solution))


_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_REPORT = _ENV.from_string(SOLUTION_REPORT_TEMPLATE)


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def solution_report_html(solution: SolutionExport, *, today: dt.date | None = None) -> str:
    """The solution's report: its trains and their cadence, its capabilities × trains, then a section
    per train holding that train's own PI report (:func:`server.transfer.report.pi_report_html`,
    every text escaped there)."""
    from server.transfer._report_template import REPORT_TEMPLATE
    from server.transfer.report import pi_report_html

    bodies = [
        Markup(_between(pi_report_html(t.state, baseline=t.baseline, today=today), "<body>", "</body>"))
        for t in solution.trains
    ]
    return _REPORT.render(
        s=solution,
        trains=bodies,
        style=Markup(_between(REPORT_TEMPLATE, "<style>", "</style>")),
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _html(solution: SolutionExport) -> bytes:
    return solution_report_html(solution, today=CLOCK.today()).encode("utf-8")


def _pdf(solution: SolutionExport) -> bytes:
    return print_pdf(solution_report_html(solution, today=CLOCK.today()))


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolutionFormat:
    path: str  # its address under /api/solutions/{solution}/
    suffix: str  # what follows the solution's slug and the date in the file's name
    media_type: str
    render: Callable[[SolutionExport], bytes]
    label: str  # as the Download menu says it
    title: str = ""  # what the menu says of it on hover
    inline: bool = False  # shown in the browser rather than saved


CSV = "text/csv; charset=utf-8"

SOLUTION_FORMATS: dict[str, SolutionFormat] = {
    "json": SolutionFormat(
        "export.json",
        ".json",
        "application/json",
        _json,
        "Solution (JSON)",
        "The solution with every train's board inside; imports back as a new solution",
    ),
    "zip": SolutionFormat(
        "export.zip",
        "-csv.zip",
        "application/zip",
        _zip,
        "Capabilities and features (CSV zip)",
        "Capabilities × trains, the trains, and each train's features: one CSV each",
    ),
    "csv": SolutionFormat(
        "capabilities.csv",
        "-capabilities.csv",
        CSV,
        _capabilities_csv,
        "Capabilities × trains (CSV)",
        "Each capability's feature on each train: team, iteration, progress",
    ),
    "svg": SolutionFormat(
        "solution.svg",
        ".svg",
        "image/svg+xml",
        _svg,
        "Solution picture (SVG)",
        "Every train's program board",
        True,
    ),
    "png": SolutionFormat("solution.png", ".png", "image/png", _png, "Solution picture (PNG)"),
    "html": SolutionFormat(
        "report.html",
        "-report.html",
        "text/html; charset=utf-8",
        _html,
        "Solution report (HTML)",
        "A section per train",
        True,
    ),
    "pdf": SolutionFormat("report.pdf", "-report.pdf", "application/pdf", _pdf, "Solution report (PDF)"),
}


def solution_export_file(
    op_path: OpPath, baselines: Baselines, store: SolutionStore, solution_id: str, format_name: str
) -> ExportFile:
    """One export of the solution as it is now (``format_name``: a key of :data:`SOLUTION_FORMATS`)."""
    fmt = SOLUTION_FORMATS.get(format_name)
    if fmt is None:
        raise ValueError(f"no solution export '{format_name}'; formats: {', '.join(SOLUTION_FORMATS)}")
    solution = read_export(op_path, baselines, store, solution_id)
    day = CLOCK.today().isoformat()
    name = f"{slug(solution.name)}-{day}{fmt.suffix}"
    return ExportFile(fmt.render(solution), fmt.media_type, name, fmt.inline)


# --- importing a solution file ---------------------------------------------------------------------


def ask_across(
    op_path: OpPath, doc: SolutionDoc, boards: dict[str, str], fixed: dict[str, dict[tuple[str, str], str]]
) -> None:
    """The file's cross-train dependencies, made again now that the new boards are trains of the new
    solution: each request asks the new train's team again (the solution writes its mirror there, as
    for any request: server/store/cross_train.py), then the providing train's answer is given on the
    new mirror by the ops its team answers with (the solution writes it back onto the request)."""
    for request in doc.requests:
        board_id = boards[request.train]
        dep_id = fixed[request.train][("dependency", request.dependency)]
        dep = op_path.state(board_id).get(Dependency, dep_id)
        assert dep is not None  # made by the board's import a moment ago, with this id
        ref = train_ref(boards[request.provider], fixed[request.provider][("team", request.team)])
        op = Op("dependency.update", dep_id, dep.version, {"provider_train": ref}, f"import:ask:{dep_id}")
        op_path.submit(board_id, op, IMPORTER)
    for answer in doc.answers:
        board_id = boards[answer.train]
        request_id = fixed[answer.request.train][("dependency", answer.request.dependency)]
        if op_path.state(board_id).get(Dependency, mirror_id(request_id)) is None:
            continue  # no mirror written yet: the reconcile pass writes it, and its answer is the team's
        new = fixed[answer.train]
        promised, feature, story = (
            new[(kind, old)] if old is not None else None
            for kind, old in (
                ("iteration", answer.promised_iteration_id),
                ("feature", answer.provider_feature_id),
                ("story", answer.provider_story_id),
            )
        )
        steps: list[tuple[str, dict[str, Any]]] = []
        if answer.status in (DependencyStatus.ACCEPTED.value, DependencyStatus.DONE.value):
            work = {
                "provider_feature_id": feature,
                "provider_story_id": story,
                "promised_iteration_id": promised,
            }
            steps.append(("dependency.accept", {k: v for k, v in work.items() if v is not None}))
        if answer.status == DependencyStatus.DONE.value:
            steps.append(("dependency.done", {"done": True}))
        elif answer.status == DependencyStatus.PROPOSED.value:
            steps.append(("dependency.propose", {"promised_iteration_id": promised, "answer": answer.answer}))
        elif answer.status == DependencyStatus.DECLINED.value:
            steps.append(("dependency.decline", {"answer": answer.answer or "declined"}))
        for n, (op_type, args) in enumerate(steps):
            mirror = op_path.state(board_id).get(Dependency, mirror_id(request_id))
            assert mirror is not None
            op = Op(op_type, mirror.id, mirror.version, args, f"import:answer:{n}:{mirror.id}")
            try:
                op_path.submit(board_id, op, IMPORTER)
            except PiboardError as exc:
                # The solution is made: the request stands, its team answers it again on its board.
                log.warning(
                    "solution import: %s's answer on %s not given again: %s", board_id, mirror.id, exc
                )
                break


@dataclass(frozen=True)
class ImportedSolution:
    id: str
    name: str
    ste_token: str
    ste_session: str
    trains: tuple[tuple[str, str], ...]  # (new board id, the file's board id), in joining order


def import_solution_file(
    op_path: OpPath, store: SolutionStore, data: bytes | IO[bytes], *, ste_name: str = "STE"
) -> ImportedSolution:
    """A new solution equal to the file's, with a new board per train (fresh ids; each capability's
    feature named ``cap-<capability>`` as a split names it), the importer its STE.

    Every field is checked and every train's board applied in memory first: a refused file raises
    :class:`FileRefused` and writes nothing. Then each board is made by the op path (one transaction
    each, as a board's import) and the solution's rows in one transaction."""
    try:
        ste_name = participant_name(ste_name)
    except Invalid as exc:
        raise FileRefused([Problem(None, f"ste_name: {exc.reason}")]) from None
    doc = read_solution_json(data)
    capability_ids = [new_id() for _ in doc.capabilities]
    fixed = fixed_ids(doc, capability_ids)
    check_train_imports(doc, fixed)
    boards: dict[str, str] = {}  # the file's board id -> the new board
    for n, train in enumerate(doc.trains):
        try:
            boards[train.file_id], _ = import_board_file(op_path, train.board, fixed_ids=fixed[train.file_id])
        except FileRefused as exc:
            raise FileRefused(
                [Problem(None, f"trains[{n}].board: {p.message}") for p in exc.problems]
            ) from None
    solution_id, token, session = insert_solution_copy(
        store,
        name=doc.name,
        pi_name=doc.pi_name,
        ste_name=ste_name,
        trains=[(boards[t.file_id], t.joined_by) for t in doc.trains],
        capabilities=[
            CapabilityCopy(
                new,
                c.title,
                c.description,
                c.created_by,
                {boards[b]: fixed[b][("feature", f)] for b, f in c.features.items()},
            )
            for c, new in zip(doc.capabilities, capability_ids, strict=True)
        ],
        links=doc.links,
        objectives=[
            SolutionObjective(
                new_id(),
                o.title,
                tuple(f"{boards[b]}/{fixed[b][('objective', obj)]}" for b, obj in o.draws_from),
                o.committed,
                o.planned_bv,
                o.actual_bv,
                o.created_by,
            )
            for o in doc.objectives
        ],
        risks=[
            SolutionRisk(new_id(), r.title, r.description, r.roam, r.owner, r.raised_by) for r in doc.risks
        ],
    )
    ask_across(op_path, doc, boards, fixed)
    return ImportedSolution(
        solution_id, doc.name, token, session, tuple((boards[t.file_id], t.file_id) for t in doc.trains)
    )


def download_links(solution_id: str) -> list[tuple[str, SolutionFormat]]:
    """The solution page's Download menu: each format's address, in :data:`SOLUTION_FORMATS`' order."""
    return [(f"/api/solutions/{solution_id}/{fmt.path}", fmt) for fmt in SOLUTION_FORMATS.values()]

"""REST door for exports and imports: ``/api/boards/{board_id}/export…``, ``/board.svg|png``,
``/report.html|pdf``, ``POST /api/boards/import`` and ``POST /api/boards/{board_id}/import/jira``.

Any joined participant may download; imports go through the op path (see
:mod:`server.transfer.files` and :mod:`server.transfer.jira_import`). Files are larger than ops, so the import
routes get their own body limit at the outer middleware (:func:`body_limits`, from
``settings.max_import_bytes``) and check the file's own size here; every other route keeps
``max_body_bytes``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from board import Actor, Role
from board.errors import Invalid, NotFound
from server.doors.boards import REFUSALS, join_url
from server.doors.deps import CurrentActor, Services, ServicesDep, asked_by_htmx, limit_client
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.schemas import BoardCreated, BoardPublic
from server.errors import TooLarge, Unavailable
from server.pages.templating import templates
from server.settings import Settings
from server.store.provision import require_admin_token
from server.transfer.earlier_pi import require_taker, take_earlier_pi
from server.transfer.files import (
    export_file,
    import_board_file,
)
from server.transfer.jira_import import jira_apply, jira_preview, require_jira_importer
from server.transfer.report import PdfError

router = APIRouter(prefix="/api/boards", tags=["exports"])

IMPORT_PATHS = (
    re.compile(r"/api/boards/import"),
    re.compile(r"/api/boards/[^/]+/import/jira"),
    re.compile(r"/api/boards/[^/]+/forecast/earlier"),
    re.compile(r"/api/solutions/import"),  # server/doors/solution_exports.py
)
# A multipart envelope around the file: boundaries, part headers, a couple of small fields.
MULTIPART_OVERHEAD = 64 * 1024

FILE_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "file_refused: the problems list says what is wrong and on which line"}
}


def _file_body(media_type: str, what: str) -> dict[str, Any]:
    """The request body of an import, for the API docs (the route reads the body itself)."""
    form = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": what},
            "create_teams": {"type": "string", "enum": ["true", "false"]},
        },
        "required": ["file"],
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"description": what}},
                "multipart/form-data": {"schema": form},
            },
        }
    }


def body_limits(settings: Settings) -> list[tuple[re.Pattern[str], int]]:
    """The import routes' body limit for :class:`server.doors.middleware.LimitsAndHeaders`."""
    return [(pattern, settings.max_import_bytes + MULTIPART_OVERHEAD) for pattern in IMPORT_PATHS]


# --- exports --------------------------------------------------------------------------------------------


async def _download(board_id: str, actor: Actor, services: Services, fmt: str) -> Response:
    services.exports.check(actor.id)
    try:
        file = await run_in_threadpool(export_file, services.op_path, services.baselines, board_id, fmt)
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    except PdfError as exc:
        raise Unavailable(str(exc)) from None
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": file.content_disposition(), "Cache-Control": "no-store"},
    )


def _media(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}, "description": "the file"}, **REFUSALS}


@router.get("/{board_id}/export.json", response_class=Response, responses=_media("application/json"))
async def export_json(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The whole board, schema ``piboard/1`` (docs/export-schema.md); imports back as an equal board."""
    return await _download(board_id, actor, services, "json")


@router.get("/{board_id}/export.zip", response_class=Response, responses=_media("application/zip"))
async def export_zip(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Every CSV part in one zip (``baseline.csv`` too once the RTE took a baseline)."""
    return await _download(board_id, actor, services, "zip")


@router.get("/{board_id}/export/jira.csv", response_class=Response, responses=_media("text/csv"))
async def export_jira(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Features as Epics and stories as Stories, for Jira's CSV importer."""
    return await _download(board_id, actor, services, "jira")


@router.get(
    "/{board_id}/export/audit.jsonl", response_class=Response, responses=_media("application/x-ndjson")
)
async def export_audit_jsonl(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The whole event log, one JSON event per line (its public shape: ballots redacted)."""
    return await _download(board_id, actor, services, "audit.jsonl")


@router.get("/{board_id}/export/audit.csv", response_class=Response, responses=_media("text/csv"))
async def export_audit_csv(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The whole event log, one row per item an event changed, what changed in words."""
    return await _download(board_id, actor, services, "audit.csv")


@router.get("/{board_id}/export/{part}.csv", response_class=Response, responses=_media("text/csv"))
async def export_part(board_id: str, part: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """One part as CSV: features, stories, dependencies, objectives, predictability, risks, votes,
    load, milestones, or baseline (what changed since the baseline)."""
    return await _download(board_id, actor, services, f"csv:{part}")


@router.get("/{board_id}/board.svg", response_class=Response, responses=_media("image/svg+xml"))
async def board_svg(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The program board as SVG: cards, red strings, conflicts."""
    return await _download(board_id, actor, services, "svg")


@router.get("/{board_id}/board.png", response_class=Response, responses=_media("image/png"))
async def board_png(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The program board as PNG."""
    return await _download(board_id, actor, services, "png")


@router.get("/{board_id}/report.html", response_class=Response, responses=_media("text/html"))
async def report_html(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The printable PI report."""
    return await _download(board_id, actor, services, "html")


@router.get("/{board_id}/report.pdf", response_class=Response, responses=_media("application/pdf"))
async def report_pdf(board_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """The printable PI report as PDF (printed by headless Chromium)."""
    return await _download(board_id, actor, services, "pdf")


# --- imports --------------------------------------------------------------------------------------------


# The mapping choices a form may send with its file (one ``map`` field per choice).
MAX_FORM_FIELDS = 400


# An upload is held in memory up to this size, then in a temporary file (a board's export is tens of MB).
SPOOL_IN_MEMORY = 1024 * 1024
_PIECE = 64 * 1024


@dataclass
class Upload:
    """The file of an import, spooled (read a piece at a time: ``file``), and the form's other fields."""

    file: SpooledTemporaryFile[bytes]
    fields: list[tuple[str, str]]

    @property
    def data(self) -> bytes:
        """The whole file (a Jira CSV is read whole; a board file is not: ``file``)."""
        self.file.seek(0)
        return self.file.read()

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def every(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]


@asynccontextmanager
async def read_upload(request: Request, limit: int) -> AsyncIterator[Upload]:
    """The file of an import (the whole body, or the ``file`` field of a multipart form), received a
    piece at a time up to ``limit`` bytes, and let go of when the import is done."""
    with SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        fields: list[tuple[str, str]] = []
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=1024) as form:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise Invalid("send the file in a form field named 'file'")
                await _spool(_pieces(upload), spool, limit)
                fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        else:
            await _spool(request.stream(), spool, limit)
        spool.seek(0)
        yield Upload(spool, fields)


async def _pieces(upload: UploadFile) -> AsyncIterator[bytes]:
    while piece := await upload.read(_PIECE):
        yield piece


async def _spool(pieces: AsyncIterator[bytes], spool: SpooledTemporaryFile[bytes], limit: int) -> None:
    size, filled = 0, False
    async for piece in pieces:
        size += len(piece)
        if size > limit:
            raise TooLarge(f"the file is over {limit // 1024} KiB (the server's max_import_bytes)")
        filled = filled or bool(piece.strip())
        spool.write(piece)
    if not filled:
        raise Invalid("the request holds no file")


@router.post(
    "/import",
    response_model=BoardCreated,
    status_code=201,
    responses={**REFUSALS, **FILE_REFUSED},
    openapi_extra=_file_body("application/json", "a piboard/1 JSON export"),
)
async def import_board(
    request: Request,
    services: ServicesDep,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> Response | BoardCreated:
    """A new board from a JSON export (the body, or a multipart field ``file``), with fresh ids.

    Like ``POST /api/boards``: needs the admin token when the server has one, and answers
    the RTE's join link and session. A broken file, or one with any op the board would
    refuse, answers 422 with the problems, and no board is made."""
    require_admin_token(services, x_admin_token, "importing a board (header X-Admin-Token)")
    limit_client(services.new_boards, request, services)
    async with read_upload(request, services.settings.max_import_bytes) as upload:
        board_id, _ = await run_in_threadpool(import_board_file, services.op_path, upload.file)
    link = services.auth.create_link(board_id, Role.RTE, label="RTE")
    assert link.token is not None
    _, session = services.auth.join(link.token, "RTE")
    state = services.op_path.state(board_id)
    return BoardCreated(
        board=BoardPublic(id=board_id, name=state.meta.name, seq=state.seq),
        rte_join_url=join_url(request, link.token),
        rte_session=session,
    )


@router.post(
    "/{board_id}/import/jira",
    responses={**REFUSALS, **FILE_REFUSED},
    openapi_extra=_file_body("text/csv", "a Jira CSV export"),
)
async def import_jira(
    board_id: str,
    request: Request,
    actor: CurrentActor,
    services: ServicesDep,
    preview: Annotated[bool, Query(description="true: only say what would happen")] = True,
    choices: Annotated[
        list[str] | None,
        Query(
            alias="map",
            description="mapping choices, e.g. type:Incident=story, default-team=Phoenix, sprint:S0=new",
        ),
    ] = None,
) -> Response:
    """Features, stories, iterations and dependencies from a Jira CSV export (RTE or Product
    Management), mapped, previewed, then applied; a re-import updates the items by their key.

    ``preview=true`` (the default) answers the mapping (proposed, the board's remembered
    choices, then ``map``) and every row's fate with its line; ``preview=false`` applies it in
    one all-or-nothing batch. Choices come as ``map`` query parameters or form fields."""
    htmx = asked_by_htmx(request)
    if htmx:
        # The page's form shows a refusal where the preview would have been; a program gets JSON.
        answer_refusals_as(request, Answer.FRAGMENT)
    require_jira_importer(actor)
    async with read_upload(request, services.settings.max_import_bytes) as upload:
        data = upload.data
    choices = [*(choices or []), *upload.every("map")]
    if len(choices) > MAX_FORM_FIELDS:
        raise Invalid(f"at most {MAX_FORM_FIELDS} mapping choices")
    default_team = upload.field("map-default-team")
    if default_team is not None:
        choices.append(f"default-team={default_team}")
    if preview:
        state, planned = await run_in_threadpool(
            jira_preview, services.op_path, board_id, data, actor, choices
        )
        seq = state.seq
    else:
        services.limiter.check(actor.id)
        planned, committed = await run_in_threadpool(
            jira_apply, services.op_path, board_id, data, actor, choices
        )
        seq = committed[-1].seq if committed else services.op_path.state(board_id).seq
    if htmx:
        return templates.TemplateResponse(
            request,
            "parts/jira_preview.html",
            {"preview": planned, "applied": not preview, "board_id": board_id, "counts": planned.counts()},
        )
    return JSONResponse({"preview": preview, "seq": seq, **planned.to_dict()})


@router.post(
    "/{board_id}/forecast/earlier",
    responses={**REFUSALS, **FILE_REFUSED},
    openapi_extra=_file_body("application/json", "the earlier PI's piboard/1 JSON export"),
)
async def take_earlier_pi_history(
    board_id: str, request: Request, actor: CurrentActor, services: ServicesDep
) -> Response:
    """The earlier PI's history from its board's JSON export (the body, or a multipart field ``file``;
    RTE only): each team's throughput per closed iteration there becomes this board's team of the same
    name's ``earlier_throughput``, and the file's PI the ``earlier_pi_name``, in one batch. Answers the
    teams matched and not; a broken file answers 422 and changes nothing. No board is made."""
    htmx = asked_by_htmx(request)
    if htmx:
        answer_refusals_as(request, Answer.FRAGMENT)
    require_taker(actor)
    services.limiter.check(actor.id)
    async with read_upload(request, services.settings.max_import_bytes) as upload:
        taken = await run_in_threadpool(
            take_earlier_pi, services.op_path, board_id, upload.file, actor, services.clock.today()
        )
    if htmx:
        return templates.TemplateResponse(request, "parts/earlier_pi.html", {"taken": taken})
    return JSONResponse(dataclasses.asdict(taken))

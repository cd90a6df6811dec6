"""A solution's exports and its import (issue 29): ``GET /api/solutions/{solution}/<format's path>``
for each of :data:`server.transfer.solution_files.SOLUTION_FORMATS`, and ``POST /api/solutions/import``.

Everyone of the solution may download its exports (``solution.export``, board/solution.py), as everyone
of a train may download the train's. An import makes a new solution and a new board per train, like
``POST /api/solutions`` (the admin token where the server has one; limited per address) and
``POST /api/boards/import`` (the file's size: ``max_import_bytes``, whose body limit this route shares:
server/doors/files.py ``IMPORT_PATHS``). A refused file answers 422 with its problems and makes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from board import Role
from board.errors import NotFound
from board.solution import authorise_in_solution
from server.doors.boards import REFUSALS, join_url, public_base
from server.doors.deps import Services, ServicesDep, limit_client
from server.doors.files import FILE_REFUSED, _file_body, read_upload
from server.doors.solutions import member
from server.errors import Unavailable
from server.store.provision import require_admin_token
from server.transfer.report import PdfError
from server.transfer.solution_files import SOLUTION_FORMATS, import_solution_file, solution_export_file

router = APIRouter(prefix="/api/solutions", tags=["solutions", "exports"])


async def _download(request: Request, services: Services, solution_id: str, format_name: str) -> Response:
    actor = await run_in_threadpool(member, services, request, solution_id)
    authorise_in_solution(actor, "solution.export")
    services.exports.check(actor.id)
    try:
        file = await run_in_threadpool(
            solution_export_file,
            services.op_path,
            services.baselines,
            services.solutions,
            solution_id,
            format_name,
        )
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    except PdfError as exc:
        raise Unavailable(str(exc)) from None
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": file.content_disposition(), "Cache-Control": "no-store"},
    )


def _route(format_name: str) -> Any:
    async def download(solution_id: str, request: Request, services: ServicesDep) -> Response:
        return await _download(request, services, solution_id, format_name)

    return download


# One route per format, each at its own address (no catch-all beside the solution's other doors).
for _name, _fmt in SOLUTION_FORMATS.items():
    router.add_api_route(
        f"/{{solution_id}}/{_fmt.path}",
        _route(_name),
        methods=["GET"],
        response_class=Response,
        responses={200: {"content": {_fmt.media_type: {}}, "description": _fmt.label}, **REFUSALS},
        summary=f"{_fmt.label}: {_fmt.title}" if _fmt.title else _fmt.label,
        name=f"solution_export_{_name}",
    )


@router.post(
    "/import",
    status_code=201,
    responses={**REFUSALS, **FILE_REFUSED},
    openapi_extra=_file_body("application/json", "a piboard-solution JSON export"),
)
async def import_solution(
    request: Request,
    services: ServicesDep,
    ste_name: Annotated[str, Query(min_length=1, max_length=80, description="the importer: its STE")] = "STE",
    x_admin_token: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A new solution from a solution's JSON export (the body, or a multipart field ``file``): a new
    board per train (fresh ids), its capabilities and the features they became, its links (new tokens,
    of the file's kinds and labels). The importer is its STE: the answer holds the STE's join link and
    session, and each new train's RTE join link."""
    require_admin_token(services, x_admin_token, "importing a solution (header X-Admin-Token)")
    limit_client(services.new_boards, request, services)
    async with read_upload(request, services.settings.max_import_bytes) as upload:
        made = await run_in_threadpool(
            import_solution_file, services.op_path, services.solutions, upload.file, ste_name=ste_name
        )
    trains = []
    for board_id, file_id in made.trains:
        link = services.auth.create_link(board_id, Role.RTE, label="RTE")
        assert link.token is not None
        state = services.op_path.state(board_id)
        url = join_url(request, link.token)
        trains.append({"board_id": board_id, "name": state.meta.name, "from": file_id, "rte_join_url": url})
    return {
        "id": made.id,
        "name": made.name,
        "ste_join_url": f"{public_base(request)}/s/join/{made.ste_token}",
        "ste_session": made.ste_session,
        "trains": trains,
    }

"""Solutions (issue 29): several trains on one cadence. REST: ``/api/solutions``; pages: ``/s/{solution}/``.

The maker of a solution is its Solution Train Engineer and gets an STE session, as the maker of a
board gets an RTE session (server/doors/boards.py). The STE makes links: a role's link lets a person
join the solution (``/s/join/{token}``), a train link lets a train's RTE join the train to it from the
train's Admin page (``POST /b/{board}/admin/solution``, or ``POST /api/boards/{board}/solution``).
Both roles are checked when a train joins: the link is a train link, which only the STE makes, and
the one using it is the train's RTE (board.solution.train_join_refusal). Every refusal is a 4xx that
says why and changes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from board import Actor
from board.errors import Invalid, PiboardError
from board.solution import (
    LINK_KINDS,
    SOLUTION_ROLE_NAMES,
    TRAIN_LINK,
    SolutionActor,
    SolutionRole,
    authorise_in_solution,
    may_in_solution,
    train_actor,
    train_join_refusal,
)
from server.doors.boards import REFUSALS, public_base
from server.doors.deps import (
    BoardPanel,
    CurrentActor,
    FormActor,
    Services,
    ServicesDep,
    asked_by_htmx,
    limit_client,
)
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.join import redirect_with_session
from server.doors.meeting import admin_page
from server.doors.pages import home_context
from server.errors import STATUS, refusal_headers
from server.pages.solution import SolutionView, solution_seqs_marker, solution_view
from server.pages.solution_plan import plan_context, plan_view
from server.pages.templating import templates
from server.store.provision import require_admin_token
from server.store.solutions import SolutionLink, solution_cookie_name
from server.transfer.solution_files import download_links

router = APIRouter(prefix="/api/solutions", tags=["solutions"])
train_router = APIRouter(prefix="/api/boards/{board_id}/solution", tags=["solutions"])
page_router = APIRouter(tags=["pages"])

# A link as pasted on the Admin page: the whole address or the token alone.
MAX_LINK = 300


class SolutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    pi_name: str = Field(default="", max_length=120)
    ste_name: str = Field(default="STE", min_length=1, max_length=80, description="the maker's name: the STE")


class SolutionCreated(BaseModel):
    id: str
    name: str
    ste_join_url: str
    ste_session: str


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        max_length=30, description="'train', or a solution role: " + ", ".join(r.value for r in SolutionRole)
    )
    label: str = Field(default="", max_length=80)


class LinkPublic(BaseModel):
    id: str
    kind: str
    label: str
    url: str


class SolutionJoin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=8, max_length=100)
    name: str = Field(min_length=1, max_length=80)


class TrainJoin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link: str = Field(min_length=8, max_length=MAX_LINK, description="the STE's train link (or its token)")


# --- the parts every door shares -------------------------------------------------------------------


def link_url(request: Request, link: SolutionLink) -> str:
    """Where a link leads: a train's to the page that says to paste it on the Admin page."""
    where = "train" if link.kind == TRAIN_LINK else "join"
    return f"{public_base(request)}/s/{where}/{link.token}"


def link_for(kind: str) -> str:
    """Whom a link is for, as the page says it."""
    name = "a train's RTE" if kind == TRAIN_LINK else SOLUTION_ROLE_NAMES[SolutionRole(kind)]
    return name[0].upper() + name[1:]


def token_of(link: str) -> str:
    """The token in a pasted link (the whole address, or the token alone)."""
    token = link.strip().rstrip("/").rsplit("/", 1)[-1]
    if not 8 <= len(token) <= 100 or not all(c.isalnum() or c in "-_" for c in token):
        raise Invalid("paste the whole train link the STE gave you")
    return token


def solution_session(request: HTTPConnection, solution_id: str) -> str | None:
    """A program sends its session as a bearer token; a browser as the solution's cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(solution_cookie_name(solution_id))


def read_solution(services: Services, solution_id: str) -> SolutionView:
    """The solution with each train's board as it is now, and its capabilities."""
    solution = services.solutions.solution(solution_id)
    trains = [(services.op_path.state(t.board_id), t.joined_by) for t in solution.trains]
    capabilities = services.solutions.capabilities(solution_id)
    view = solution_view(solution.id, solution.name, solution.pi_name, trains, capabilities)
    plan = plan_view(services.solution_plan.plan(solution_id), [state for state, _ in trains])
    return dataclasses.replace(view, plan=plan, version=solution.version)


def member(services: Services, request: HTTPConnection, solution_id: str) -> SolutionActor:
    """Who sends a request to a solution's door (Unauthenticated without a session of it)."""
    return services.solutions.actor(solution_id, solution_session(request, solution_id))


def reader(services: Services, request: HTTPConnection, solution_id: str) -> SolutionActor:
    actor = member(services, request, solution_id)
    authorise_in_solution(actor, "solution.read")
    return actor


def make_link(
    services: Services, actor: SolutionActor, solution_id: str, kind: str, label: str
) -> SolutionLink:
    authorise_in_solution(actor, "link.create")
    return services.solutions.create_link(solution_id, kind, label)


def join_train(services: Services, board_id: str, actor: Actor, link: str) -> tuple[str, bool]:
    """Join ``board_id`` to the solution of the STE's train ``link``; returns (solution id, whether it
    joined now). Refused, changing nothing, unless the link is a live train link and ``actor`` the
    train's RTE."""
    found = services.solutions.link_for_token(token_of(link))
    refused = train_join_refusal(actor, found.kind)
    if refused is not None:
        raise refused
    return found.solution_id, services.solutions.join_train(found, board_id, actor.name)


def with_session(request: Request, url: str, solution_id: str, session: str) -> Response:
    """Go to ``url`` with the solution's session cookie set."""
    return redirect_with_session(request, url, solution_cookie_name(solution_id), session)


# --- REST ------------------------------------------------------------------------------------------


@router.post("", response_model=SolutionCreated, status_code=201, responses=REFUSALS)
def create_solution(
    body: SolutionCreate,
    request: Request,
    services: ServicesDep,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> SolutionCreated:
    """Make a solution; its maker is its Solution Train Engineer. The answer holds the STE's join link
    and session: keep them safe."""
    require_admin_token(services, x_admin_token, "creating a solution (header X-Admin-Token)")
    limit_client(services.new_boards, request, services)
    solution_id, token, session = services.solutions.create(body.name, body.pi_name, body.ste_name)
    return SolutionCreated(
        id=solution_id,
        name=body.name.strip(),
        ste_join_url=f"{public_base(request)}/s/join/{token}",
        ste_session=session,
    )


@router.post("/join", responses=REFUSALS)
def join_solution(body: SolutionJoin, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Join a solution with a role's link and a name; the answer holds the session."""
    limit_client(services.joins, request, services)
    actor, session = services.solutions.join(body.token, body.name)
    link = services.solutions.link_for_token(body.token)
    return {"solution_id": link.solution_id, "role": actor.role.value, "name": actor.name, "session": session}


@router.get("/{solution_id}", responses=REFUSALS)
def get_solution(solution_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The solution: its trains in the order they joined, their dates, and where those disagree with
    the solution's cadence (the first dated train's)."""
    actor = reader(services, request, solution_id)
    return {
        **read_solution(services, solution_id).to_dict(),
        "you": {"name": actor.name, "role": actor.role.value},
    }


@router.post("/{solution_id}/links", response_model=LinkPublic, status_code=201, responses=REFUSALS)
def create_link(solution_id: str, body: LinkCreate, request: Request, services: ServicesDep) -> LinkPublic:
    """A new link: ``train`` for a train's RTE to join the train, or a role's for a person (the STE's)."""
    actor = member(services, request, solution_id)
    link = make_link(services, actor, solution_id, body.kind, body.label)
    return LinkPublic(id=link.id, kind=link.kind, label=link.label, url=link_url(request, link))


class SolutionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    pi_name: str = Field(default="", max_length=120)


@router.put("/{solution_id}", responses=REFUSALS)
def update_solution(
    solution_id: str, body: SolutionUpdate, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The STE renames the solution or its PI."""
    authorise_in_solution(member(services, request, solution_id), "solution.update")
    services.solutions.rename(solution_id, body.name, body.pi_name)
    return {"id": solution_id, "name": body.name.strip(), "pi_name": body.pi_name.strip()}


@router.delete("/{solution_id}/links/{link_id}", status_code=204, responses=REFUSALS)
def revoke_link(solution_id: str, link_id: str, request: Request, services: ServicesDep) -> Response:
    """The STE ends a link: its sessions end at their next request."""
    revoke(services, member(services, request, solution_id), solution_id, link_id)
    return Response(status_code=204)


@router.delete("/{solution_id}/trains/{board_id}", status_code=204, responses=REFUSALS)
def remove_train(solution_id: str, board_id: str, request: Request, services: ServicesDep) -> Response:
    """The STE takes a train out of the solution (its board stays as it is)."""
    take_out(services, member(services, request, solution_id), solution_id, board_id)
    return Response(status_code=204)


def revoke(services: Services, actor: SolutionActor, solution_id: str, link_id: str) -> None:
    authorise_in_solution(actor, "link.revoke")
    services.solutions.revoke_link(solution_id, link_id)


def take_out(services: Services, actor: SolutionActor, solution_id: str, board_id: str) -> None:
    authorise_in_solution(actor, "train.remove")
    services.solutions.remove_train(solution_id, board_id)
    # Its cross-train dependencies with the trains that stay are followed no more.
    staying = [t.board_id for t in services.solutions.solution(solution_id).trains]
    services.cross_train.release(board_id, staying)


@train_router.post("", responses=REFUSALS)
def join_train_rest(
    board_id: str, body: TrainJoin, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """The train's RTE joins the train to a solution with the STE's train link."""
    solution_id, joined = join_train(services, board_id, actor, body.link)
    return {"solution_id": solution_id, "joined": joined}


# --- pages -----------------------------------------------------------------------------------------


@page_router.post("/solutions", response_class=HTMLResponse)
async def create_solution_page(
    request: Request,
    services: ServicesDep,
    name: Annotated[str, Form(max_length=120)],
    pi_name: Annotated[str, Form(max_length=120)] = "",
    ste_name: Annotated[str, Form(max_length=80)] = "STE",
    admin_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A Solution Train Engineer makes a solution from the home page and lands on its page."""
    try:
        require_admin_token(services, admin_token, "creating a solution")
        limit_client(services.new_boards, request, services)
        solution_id, _token, session = await run_in_threadpool(
            services.solutions.create, name, pi_name, ste_name or "STE"
        )
    except PiboardError as exc:
        # The home page again, with why above the solution's form.
        boards = await run_in_threadpool(services.op_path.boards)
        context = {**home_context(services, boards), "solution_error": exc.reason}
        return templates.TemplateResponse(
            request, "home.html", context, status_code=STATUS.get(exc.code, 400), headers=refusal_headers(exc)
        )
    return with_session(request, f"/s/{solution_id}/", solution_id, session)


def page_context(actor: SolutionActor, view: SolutionView) -> dict[str, Any]:
    """What the page's live parts (trains, capabilities) are rendered with: the solution and what the
    person's role may do there. The page and its live socket (server/doors/solution_socket.py) both
    render them with this, so a live fragment shows exactly what a reload would."""
    return {
        "solution": view,
        "actor": actor,
        "seqs_marker": Markup(solution_seqs_marker(view.seqs, view.version)),
        "may_remove": may_in_solution(actor, "train.remove"),
        "may_write": may_in_solution(actor, "capability.create"),
        "may_change": may_in_solution(actor, "capability.update"),
        "may_delete": may_in_solution(actor, "capability.delete"),
        "may_split": may_in_solution(actor, "capability.split") and train_actor(actor) is not None,
        **plan_context(actor, view.plan),
    }


@page_router.get("/s/{solution_id}/", response_class=HTMLResponse)
async def solution_page(solution_id: str, request: Request, services: ServicesDep) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(reader, services, request, solution_id)
    # A request whose other side a stopped process did not write is written before the page is read.
    await run_in_threadpool(services.cross_train.reconcile, solution_id)
    view = await run_in_threadpool(read_solution, services, solution_id)
    links = await run_in_threadpool(services.solutions.links, solution_id)
    context = {
        **page_context(actor, view),
        "role_name": SOLUTION_ROLE_NAMES[actor.role],
        "may_link": may_in_solution(actor, "link.create"),
        "may_revoke": may_in_solution(actor, "link.revoke"),
        "downloads": download_links(solution_id) if may_in_solution(actor, "solution.export") else [],
        # Every live link, the STE's own too (to sign in from another browser: keep it to yourself).
        "links": [(link, link_url(request, link), link_for(link.kind)) for link in links],
        "link_kinds": [(TRAIN_LINK, "a train (for its RTE)")]
        + [(r.value, SOLUTION_ROLE_NAMES[r]) for r in SolutionRole if r != SolutionRole.STE],
    }
    return templates.TemplateResponse(request, "solution.html", context)


@page_router.post("/s/{solution_id}/links", response_class=HTMLResponse)
async def solution_link_form(
    solution_id: str,
    request: Request,
    services: ServicesDep,
    kind: Annotated[str, Form(max_length=30)],
    label: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """The STE's "Make a link": back to the solution page, which lists it."""
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    if kind not in LINK_KINDS:
        raise Invalid("choose whom the link is for")
    await run_in_threadpool(make_link, services, actor, solution_id, kind, label)
    return RedirectResponse(f"/s/{solution_id}/#links", status_code=303)


@page_router.post("/s/{solution_id}/links/{link_id}/revoke", response_class=HTMLResponse)
async def revoke_form(solution_id: str, link_id: str, request: Request, services: ServicesDep) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(revoke, services, actor, solution_id, link_id)
    return RedirectResponse(f"/s/{solution_id}/#links", status_code=303)


@page_router.post("/s/{solution_id}/trains/{board_id}/remove", response_class=HTMLResponse)
async def remove_train_form(
    solution_id: str, board_id: str, request: Request, services: ServicesDep
) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(take_out, services, actor, solution_id, board_id)
    return RedirectResponse(f"/s/{solution_id}/", status_code=303)


@page_router.get("/s/train/{token}", response_class=HTMLResponse)
async def train_link_page(token: str, request: Request, services: ServicesDep) -> Response:
    """Where a train link leads when opened: it is pasted on the train's Admin page, not opened."""
    answer_refusals_as(request, Answer.PAGE)
    link = await run_in_threadpool(services.solutions.link_for_token, token)
    if link.kind != TRAIN_LINK:
        raise Invalid("this is a link for a person; open it as /s/join/…")
    solution = await run_in_threadpool(services.solutions.solution, link.solution_id)
    return templates.TemplateResponse(request, "solution_train_link.html", {"solution": solution})


@page_router.get("/s/join/{token}", response_class=HTMLResponse)
async def person_join_page(token: str, request: Request, services: ServicesDep) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    link = await run_in_threadpool(services.solutions.link_for_token, token)
    solution = await run_in_threadpool(services.solutions.solution, link.solution_id)
    if link.kind == TRAIN_LINK:
        return templates.TemplateResponse(request, "solution_train_link.html", {"solution": solution})
    role = SOLUTION_ROLE_NAMES[SolutionRole(link.kind)]
    return templates.TemplateResponse(
        request, "solution_join.html", {"solution": solution, "role": role, "token": token}
    )


@page_router.post("/s/join/{token}", response_class=HTMLResponse)
async def person_join_submit(
    token: str, request: Request, services: ServicesDep, name: Annotated[str, Form(max_length=80)]
) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    limit_client(services.joins, request, services)
    link = await run_in_threadpool(services.solutions.link_for_token, token)
    _actor, session = await run_in_threadpool(services.solutions.join, token, name)
    return with_session(request, f"/s/{link.solution_id}/", link.solution_id, session)


# --- the train's Admin page -------------------------------------------------------------------------


def train_panel(request: Request, services: Services, board_id: str, **extra: Any) -> Response:
    solution_id = services.solutions.solution_of(board_id)
    view = read_solution(services, solution_id) if solution_id else None
    # How this train's dates disagree with the solution's cadence, for its RTE to fix.
    mine = next((t for t in view.trains if t.board_id == board_id), None) if view else None
    context = {"board_id": board_id, "solution": view, "train": mine, **extra}
    return templates.TemplateResponse(request, "parts/admin_solution.html", context)


@page_router.get("/b/{board_id}/admin/solution", response_class=HTMLResponse)
async def admin_solution_panel(page: BoardPanel) -> Response:
    """The Admin page's "Solution" part: the solution this train is part of, or the field to join one.
    Opened at its own address (not by htmx), it is the Admin page, which holds it."""
    if not asked_by_htmx(page.request):
        return await admin_page(page)
    if train_join_refusal(page.actor, TRAIN_LINK) is not None:
        return Response(status_code=204)  # nothing to show but to the RTE
    return await run_in_threadpool(train_panel, page.request, page.services, page.board_id)


@page_router.post("/b/{board_id}/admin/solution", response_class=HTMLResponse)
async def admin_join_solution(
    board_id: str,
    request: Request,
    actor: FormActor,
    services: ServicesDep,
    link: Annotated[str, Form(max_length=MAX_LINK)],
) -> Response:
    try:
        _solution_id, joined = await run_in_threadpool(join_train, services, board_id, actor, link)
    except PiboardError as exc:
        # The panel again, with why above the field and what was pasted still in it.
        refused = await run_in_threadpool(
            train_panel, request, services, board_id, error=exc.reason, link=link
        )
        refused.status_code = STATUS.get(exc.code, 400)
        refused.headers.update(refusal_headers(exc))
        return refused
    return await run_in_threadpool(train_panel, request, services, board_id, joined=joined)

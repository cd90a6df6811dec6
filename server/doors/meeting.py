"""The pages that run the event: ``/b/{board}/objectives``, ``/risks``, ``/vote``, ``/agenda``, ``/admin``.

Each page renders its view-model from its module in :mod:`server.pages`, the same one its live renderer
uses, so a page load and a live update always agree. Every edit goes to the form door
(``POST /b/{board}/ops``); only join links, which are access control and not part of the plan,
have their own form routes here (the RTE's, on ``/admin``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState, Role
from board.errors import Invalid, NotFound, PiboardError
from board.model import Ballot, Team
from board.objectives import is_vague
from board.vote import ballot_id, is_revealed
from server.doors.boards import join_url, unreachable_note
from server.doors.deps import (
    BoardFragment,
    BoardPage,
    Page,
    Services,
    ServicesDep,
    answer_as_panel,
    asked_by_htmx,
    load_page,
)
from server.doors.layout import page_context
from server.doors.links import make_link, remake_link, require_rte, revoke_unless_last_rte
from server.doors.panels import fragment_or_page
from server.errors import STATUS
from server.pages.agenda import agenda_page
from server.pages.objectives import objectives_page
from server.pages.qr import qr_svg
from server.pages.risks import ROAM_COLUMNS, risk_board
from server.pages.setup import admin_setup
from server.pages.templating import templates
from server.pages.vote import FIST, vote_page
from server.store.auth import JoinLink, may_show_on_screen

router = APIRouter(prefix="/b/{board_id}", tags=["pages"])
links_router = APIRouter(prefix="/b/{board_id}/admin/links", tags=["pages"])

ROLE_LABELS: dict[Role, str] = {
    Role.PRODUCT_MANAGEMENT: "Product Management",
    Role.ARCHITECT: "System Architect",
    Role.BUSINESS_OWNER: "Business Owner",
    Role.TEAM: "Team member",
    Role.OBSERVER: "Observer / big screen",
    Role.RTE: "Release Train Engineer",
}
# The order the RTE hands links out in; an RTE link is made with the board.
LINK_ROLES = (
    Role.PRODUCT_MANAGEMENT,
    Role.ARCHITECT,
    Role.BUSINESS_OWNER,
    Role.TEAM,
    Role.OBSERVER,
    Role.RTE,
)
# The roles besides the RTE and the teams that an event needs a link for.
EVENT_ROLES = (Role.PRODUCT_MANAGEMENT, Role.ARCHITECT, Role.BUSINESS_OWNER, Role.OBSERVER)
MAX_VAGUE_CHECK = 500


async def _page(page: Page, view: str, template: str, build: Any, **extra: Any) -> Response:
    model = await run_in_threadpool(build, page.state)
    context = page_context(page, view)
    context.update({k: v(page.state, page.actor) if callable(v) else v for k, v in extra.items()})
    context.update(model)
    return templates.TemplateResponse(page.request, template, context)


@router.get("/objectives", response_class=HTMLResponse)
async def objectives(page: BoardPage) -> Response:
    return await _page(page, "objectives", "meeting/objectives.html", lambda s: {"page": objectives_page(s)})


@router.get("/objectives/vague", response_class=HTMLResponse)
async def vague_check(
    board_id: str,
    request: Request,
    services: ServicesDep,
    statement: Annotated[str, Query(alias="args.statement", max_length=MAX_VAGUE_CHECK)] = "",
) -> Response:
    """The clarity hint as a team types an objective: the one rule of ``board.objectives.is_vague``."""
    try:
        page = await load_page(board_id, request, services)
    except PiboardError as exc:
        if not asked_by_htmx(request):
            answer_as_panel(request)  # opened directly: the refused page
            raise
        # A hint beside a field: a refused one shows nothing there.
        return HTMLResponse("", status_code=STATUS.get(exc.code, 400))
    if not statement.strip() or not is_vague(statement):
        hint = HTMLResponse("")
    else:
        hint = HTMLResponse(
            '<span class="vague-flag" data-vague>Vague: add a number or a pass/fail condition '
            "(“from 12 to under 5”, “live by iteration 3”) so it can be judged at the end of the PI.</span>"
        )
    return await fragment_or_page(page, hint, "Is the objective clear?")


@router.get("/risks", response_class=HTMLResponse)
async def risks(page: BoardPage) -> Response:
    return await _page(
        page, "risks", "meeting/risks.html", lambda s: {"risks": risk_board(s), "labels": dict(ROAM_COLUMNS)}
    )


def _my_low_rounds(state: BoardState, actor: Actor) -> list[str]:
    """Revealed rounds in which this person voted 1 or 2 (so the page asks why). Revealed only:
    an unrevealed ballot's value is never read for a page."""
    revealed = _revealed_rounds(state)
    return [
        b.round_id
        for b in state.of(Ballot).values()
        # A ballot's id is its round's and its voter's (board.ops), so this finds this person's own.
        if b.round_id in revealed and b.id == ballot_id(b.round_id, actor.id) and b.value <= 2
    ]


def _revealed_rounds(state: BoardState) -> set[str]:
    return {v.id for v in state.items["vote"].values() if is_revealed(state, v.id)}


@router.get("/vote", response_class=HTMLResponse)
async def vote(page: BoardPage) -> Response:
    return await _page(
        page,
        "vote",
        "meeting/vote.html",
        lambda s: {"page": vote_page(s), "fist": FIST},
        my_low_rounds=_my_low_rounds,
    )


@router.get("/agenda", response_class=HTMLResponse)
async def agenda(page: BoardPage) -> Response:
    return await _page(page, "agenda", "meeting/agenda.html", lambda s: {"page": agenda_page(s)})


# --- admin: the RTE's page, with join links ----------------------------------------------------------------


def link_label(link: JoinLink, teams: dict[str, Team] | None = None) -> str:
    label = ROLE_LABELS[link.role]
    if link.role == Role.TEAM and link.team_id:
        team = (teams or {}).get(link.team_id)
        label += f" · {team.name if team else 'removed team'}"
    return label


def _links_context(
    page: Page, fresh: list[JoinLink], notes: list[str] | None = None, error: str = ""
) -> dict[str, Any]:
    state, request = page.state, page.request
    teams = state.of(Team)
    links = page.services.auth.links(state.board_id)
    return {
        "board_id": state.board_id,
        "links": links,
        "link_gaps": _without_link(links, state),
        "teams": state.teams,
        "roles": [(r.value, ROLE_LABELS[r]) for r in LINK_ROLES],
        "fresh_ids": {link.id for link in fresh},
        "notes": notes or [],
        "error": error,
        "link_label": lambda link: link_label(link, teams),
        "link_url": lambda link: join_url(request, link.token),
        "unreachable": unreachable_note(request),
        "qr": qr_svg,
        "on_screen": may_show_on_screen,
        "screen_link": state.meta.screen_join_link,
    }


def _without_link(links: list[JoinLink], state: BoardState) -> list[str]:
    """Who cannot join yet: the roles and teams of the event without a live link (the setup checklist's
    part about people)."""
    missing = [ROLE_LABELS[r] for r in EVENT_ROLES if not _live_for(links, r, None)]
    missing += [f"team {t.name}" for t in state.teams if not _live_for(links, Role.TEAM, t.id)]
    return missing


def _uses(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _live_for(links: list[JoinLink], role: Role, team_id: str | None) -> list[JoinLink]:
    return [link for link in links if not link.revoked and (link.role, link.team_id) == (role, team_id)]


@router.get("/admin", response_class=HTMLResponse)
async def admin(page: BoardPage) -> Response:
    return await admin_page(page)


async def admin_page(page: Page, people_panel: Markup | None = None) -> Response:
    """The Admin page; ``people_panel``: the people panel already rendered (the page opened at the
    panel's own address), else the page loads it."""
    require_rte(page.actor)
    return await _page(
        page,
        "admin",
        "meeting/admin.html",
        lambda s: {**admin_setup(s), **_links_context(page, [])},
        people_panel=people_panel,
    )


async def _links_answer(page: Page, make: Callable[[list[str]], list[JoinLink]]) -> Response:
    """Run a join-link action as the RTE and answer the links panel, saying what the action did
    (a link is never replaced, or made beside another, without a word)."""
    require_rte(page.actor)
    notes: list[str] = []
    try:
        made = await run_in_threadpool(make, notes)
        context, status = _links_context(page, made, notes), 200
    except PiboardError as exc:
        # The panel stays, with the reason where the new link would have been.
        context = _links_context(page, [], error=exc.reason)
        status = STATUS.get(exc.code, 400)
    # A link URL is a secret: never cached.
    response = templates.TemplateResponse(page.request, "meeting/links.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@links_router.post("", response_class=HTMLResponse)
async def admin_make_link(
    page: BoardFragment,
    role: Annotated[str, Form(max_length=20)],
    team_id: Annotated[str, Form(max_length=40)] = "",
    label: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    services, board_id = page.services, page.board_id

    def make(notes: list[str]) -> list[JoinLink]:
        try:
            chosen = Role(role)
        except ValueError:
            raise Invalid("choose a role") from None
        if chosen == Role.TEAM and not team_id:
            raise Invalid("a team link names its team: choose the team")
        others = _live_for(services.auth.links(board_id), chosen, team_id or None)
        link = make_link(services, board_id, page.actor, chosen, team_id or None, label)
        name = link_label(link, page.state.of(Team))
        notes.append(f"Made a new link for {name}.")
        if others:
            notes.append(
                f"{len(others)} other live link(s) for {name} keep working "
                f"({_uses(sum(o.uses for o in others))} joined with them); revoke them below if need be."
            )
        return [link]

    return await _links_answer(page, make)


@links_router.post("/all", response_class=HTMLResponse)
async def admin_make_all_links(page: BoardFragment) -> Response:
    services, board_id = page.services, page.board_id

    def make(notes: list[str]) -> list[JoinLink]:
        """A link for every role and team that has no live one yet; the live ones stay as they are."""
        wanted: list[tuple[Role, str | None]] = [(r, None) for r in EVENT_ROLES]
        wanted += [(Role.TEAM, t.id) for t in page.state.teams]
        links = services.auth.links(board_id)
        missing = [(r, t) for r, t in wanted if not _live_for(links, r, t)]
        made = [make_link(services, board_id, page.actor, r, t) for r, t in missing]
        kept = len(wanted) - len(missing)
        notes.append(
            f"Made {len(made)} new link(s)"
            + (f"; {kept} role(s) or team(s) had a live link already, which keeps working." if kept else ".")
        )
        return made

    return await _links_answer(page, make)


@links_router.post("/{link_id}/revoke", response_class=HTMLResponse)
async def admin_revoke_link(link_id: str, page: BoardFragment) -> Response:
    def revoke(notes: list[str]) -> list[JoinLink]:
        old = _link(page.services, page.board_id, link_id)
        revoke_unless_last_rte(page.services, page.board_id, page.actor, link_id)
        notes.append(
            f"Revoked the link for {link_label(old, page.state.of(Team))}: {_uses(old.uses)} lost access."
        )
        return []

    return await _links_answer(page, revoke)


@links_router.post("/{link_id}/remake", response_class=HTMLResponse)
async def admin_remake_link(link_id: str, page: BoardFragment) -> Response:
    def remake(notes: list[str]) -> list[JoinLink]:
        old = _link(page.services, page.board_id, link_id)
        link = remake_link(page.services, page.board_id, page.actor, link_id)
        name = link_label(link, page.state.of(Team))
        if old.revoked:
            notes.append(f"Made a new link for {name}.")
        else:
            notes.append(
                f"Replaced the link for {name}: the old one no longer works "
                f"({_uses(old.uses)} joined with it and need the new one)."
            )
        return [link]

    return await _links_answer(page, remake)


def _link(services: Services, board_id: str, link_id: str) -> JoinLink:
    found = next((link for link in services.auth.links(board_id) if link.id == link_id), None)
    if found is None:
        raise NotFound("no such join link on this board")
    return found


@links_router.get("/{link_id}/qr", response_class=HTMLResponse)
async def admin_link_qr(link_id: str, page: BoardPage) -> Response:
    """One live link's QR code, large, for the big screen: people in the room scan it."""
    require_rte(page.actor)
    link = await run_in_threadpool(_link, page.services, page.board_id, link_id)
    if link.token is None:
        raise NotFound("this link is revoked, or made before links could be shown again")
    url = join_url(page.request, link.token)
    label = link_label(link, page.state.of(Team))
    context = page_context(page, "admin")
    context.update(label=label, url=url, qr=qr_svg(url, f"QR code of the join link for {label}"))
    response = templates.TemplateResponse(page.request, "meeting/link_qr.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response

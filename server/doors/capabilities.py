"""A solution's capabilities (issue 29): Solution Management (or the STE) writes them, changes or
deletes them, and splits each into a feature per train, each made by that train's own op path.
REST under ``/api/solutions/{solution}/capabilities``; the solution page's forms under
``/s/{solution}/capabilities``. See docs/solution.md#capabilities.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from board import Op
from board.errors import Forbidden, IllegalTransition
from board.model import Feature
from board.roles import refusal
from board.solution import (
    SOLUTION_ROLE_NAMES,
    Capability,
    SolutionActor,
    authorise_in_solution,
    capability_feature_id,
    train_actor,
)
from server.doors.boards import REFUSALS
from server.doors.deps import (
    Services,
    ServicesDep,
)
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.solutions import member

router = APIRouter(prefix="/api/solutions", tags=["solutions"])
page_router = APIRouter(tags=["pages"])


class CapabilityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


def add_capability(
    services: Services, actor: SolutionActor, solution_id: str, title: str, description: str
) -> Capability:
    authorise_in_solution(actor, "capability.create")
    return services.solutions.add_capability(solution_id, title, description, actor.name)


def change_capability(
    services: Services,
    actor: SolutionActor,
    solution_id: str,
    capability_id: str,
    title: str,
    description: str,
) -> None:
    authorise_in_solution(actor, "capability.update")
    services.solutions.update_capability(solution_id, capability_id, title, description)


def remove_capability(services: Services, actor: SolutionActor, solution_id: str, capability_id: str) -> None:
    authorise_in_solution(actor, "capability.delete")
    services.solutions.delete_capability(solution_id, capability_id)


def split_capability(
    services: Services, actor: SolutionActor, solution_id: str, capability_id: str
) -> dict[str, str]:
    """Split a capability into a feature on every train that has none of it yet, each made by that
    train's own op path (checked there by the train's role rule, broadcast to its screens); returns
    the feature id per train. Every train's rule is asked first: one train refusing splits on none."""
    authorise_in_solution(actor, "capability.split")
    on_train = train_actor(actor)
    if on_train is None:
        raise Forbidden(f"{SOLUTION_ROLE_NAMES[actor.role]} may not change a train's board")
    capability = services.solutions.capability(solution_id, capability_id)
    solution = services.solutions.solution(solution_id)
    if not solution.trains:
        raise IllegalTransition("no train has joined the solution yet: there is nothing to split it into")
    feature_id = capability_feature_id(capability.id)
    to_make: list[tuple[str, bool]] = []  # (board, whether its feature is still to be made)
    for train in solution.trains:
        if train.board_id in capability.features:
            continue
        state = services.op_path.state(train.board_id)
        if state.get(Feature, feature_id) is not None:  # made by a split that stopped before recording it
            to_make.append((train.board_id, False))
            continue
        refused = refusal(on_train, "feature.create", locked=state.meta.locked)
        if refused is not None:
            raise type(refused)(f"{train.name}: {refused.reason}")
        to_make.append((train.board_id, True))
    args = {"id": feature_id, "title": capability.title, "description": capability.description}
    for board_id, make in to_make:
        if make:
            services.op_path.submit(
                board_id, Op("feature.create", None, None, args, f"capability-{capability.id}"), on_train
            )
        services.solutions.record_split(capability.id, board_id, feature_id)
    return {**capability.features, **{board_id: feature_id for board_id, _ in to_make}}


@router.post("/{solution_id}/capabilities", status_code=201, responses=REFUSALS)
def create_capability(
    solution_id: str, body: CapabilityCreate, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Solution Management writes a capability (the STE too)."""
    actor = member(services, request, solution_id)
    made = add_capability(services, actor, solution_id, body.title, body.description)
    return {"id": made.id, "title": made.title, "description": made.description}


@router.put("/{solution_id}/capabilities/{capability_id}", responses=REFUSALS)
def update_capability_rest(
    solution_id: str, capability_id: str, body: CapabilityCreate, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Solution Management changes a capability's title and description (the STE too)."""
    actor = member(services, request, solution_id)
    change_capability(services, actor, solution_id, capability_id, body.title, body.description)
    made = services.solutions.capability(solution_id, capability_id)
    return {"id": made.id, "title": made.title, "description": made.description}


@router.delete("/{solution_id}/capabilities/{capability_id}", status_code=204, responses=REFUSALS)
def delete_capability_rest(
    solution_id: str, capability_id: str, request: Request, services: ServicesDep
) -> None:
    """Solution Management deletes a capability (the STE too); its features stay on the trains."""
    remove_capability(services, member(services, request, solution_id), solution_id, capability_id)


@router.post("/{solution_id}/capabilities/{capability_id}/split", responses=REFUSALS)
def split_capability_rest(
    solution_id: str, capability_id: str, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Split a capability into a feature per train (on the trains that have none of it yet)."""
    actor = member(services, request, solution_id)
    return {"features": split_capability(services, actor, solution_id, capability_id)}


@page_router.post("/s/{solution_id}/capabilities", response_class=HTMLResponse)
async def capability_form(
    solution_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Solution Management's "Add the capability": back to the solution page, which lists it."""
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(add_capability, services, actor, solution_id, title, description)
    return RedirectResponse(f"/s/{solution_id}/#capabilities", status_code=303)


@page_router.post("/s/{solution_id}/capabilities/{capability_id}", response_class=HTMLResponse)
async def capability_change_form(
    solution_id: str,
    capability_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(
        change_capability, services, actor, solution_id, capability_id, title, description
    )
    return RedirectResponse(f"/s/{solution_id}/#capabilities", status_code=303)


@page_router.post("/s/{solution_id}/capabilities/{capability_id}/delete", response_class=HTMLResponse)
async def capability_delete_form(
    solution_id: str, capability_id: str, request: Request, services: ServicesDep
) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(remove_capability, services, actor, solution_id, capability_id)
    return RedirectResponse(f"/s/{solution_id}/#capabilities", status_code=303)


@page_router.post("/s/{solution_id}/capabilities/{capability_id}/split", response_class=HTMLResponse)
async def split_form(
    solution_id: str, capability_id: str, request: Request, services: ServicesDep
) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(member, services, request, solution_id)
    await run_in_threadpool(split_capability, services, actor, solution_id, capability_id)
    return RedirectResponse(f"/s/{solution_id}/#capabilities", status_code=303)

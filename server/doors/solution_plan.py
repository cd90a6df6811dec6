"""Post-PI Planning's doors (issue 29): a solution's PI objectives, risks and confidence vote.

REST under ``/api/solutions/{solution}/`` (``objectives``, ``risks``, ``vote``) and the solution page's
forms (``/s/{solution}/…``, back to its ``#plan`` part). Each door asks the one role rule
(board.solution.solution_refusal) first, then the store, which checks every value by board's rules
(board/solution_plan.py) before it writes: a refusal is a 4xx with ``{error, reason}`` and changes
nothing. Every change is told to the solution's open pages (live).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from starlette.concurrency import run_in_threadpool

from board.solution import SolutionActor, authorise_in_solution
from server.doors.boards import REFUSALS
from server.doors.deps import Services, ServicesDep
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.solutions import member, reader
from server.pages.solution_plan import objective_dict, objectives_dict, plan_view, risk_dict, round_dict

router = APIRouter(prefix="/api/solutions/{solution_id}", tags=["solutions"])
page_router = APIRouter(tags=["pages"])


class ObjectiveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="what the solution will deliver (up to 500 characters)")
    draws_from: list[JsonValue] = Field(
        default_factory=list,
        description="the trains' objectives it draws from, each '<board>/<objective id>'",
    )
    committed: JsonValue = Field(default=True, description="committed (true) or uncommitted (false)")


class ObjectiveChange(BaseModel):
    """Only the fields sent change (at least one); each is checked as for a new objective."""

    model_config = ConfigDict(extra="forbid")

    title: JsonValue = Field(default=None, description="what the solution will deliver")
    draws_from: JsonValue = Field(default=None, description="the trains' objectives it draws from")
    committed: JsonValue = Field(default=None, description="committed (true) or uncommitted (false)")


class BusinessValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    planned_bv: JsonValue = Field(default=None, description="1–10, or null to take it back")
    actual_bv: JsonValue = Field(default=None, description="0–10 at the PI's end, or null")


class RiskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = ""


class RiskChange(BaseModel):
    """Only the fields sent change (at least one); its ROAM changes by ROAMing it."""

    model_config = ConfigDict(extra="forbid")

    title: JsonValue = None
    description: JsonValue = None


class RiskRoam(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roam: str = Field(description="unroamed, resolved, owned, accepted or mitigated")
    owner: str | None = Field(default=None, description="who owns it (an Owned risk needs one)")


class Ballot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: JsonValue = Field(description="a fist of five: 1–5")


# --- the ops, shared by REST and the page's forms ---------------------------------------------------


def _trains(services: Services, solution_id: str) -> dict[str, Any]:
    return {
        t.board_id: services.op_path.state(t.board_id)
        for t in services.solutions.solution(solution_id).trains
    }


def add_objective(
    services: Services, actor: SolutionActor, solution_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "objective.create")
    made = services.solution_plan.add_objective(solution_id, actor, body, _trains(services, solution_id))
    return objective_dict(made)


def change_objective(
    services: Services, actor: SolutionActor, solution_id: str, objective_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "objective.update")
    trains = _trains(services, solution_id)
    return objective_dict(services.solution_plan.change_objective(solution_id, objective_id, body, trains))


def delete_objective(services: Services, actor: SolutionActor, solution_id: str, objective_id: str) -> None:
    authorise_in_solution(actor, "objective.delete")
    services.solution_plan.delete_objective(solution_id, objective_id)


def set_bv(
    services: Services, actor: SolutionActor, solution_id: str, objective_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "objective.set_bv")
    return {"id": objective_id, **services.solution_plan.set_bv(solution_id, objective_id, body)}


def add_risk(
    services: Services, actor: SolutionActor, solution_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "risk.create")
    return risk_dict(services.solution_plan.add_risk(solution_id, actor, body))


def change_risk(
    services: Services, actor: SolutionActor, solution_id: str, risk_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "risk.update")
    return risk_dict(services.solution_plan.change_risk(solution_id, risk_id, body))


def delete_risk(services: Services, actor: SolutionActor, solution_id: str, risk_id: str) -> None:
    authorise_in_solution(actor, "risk.delete")
    services.solution_plan.delete_risk(solution_id, risk_id)


def roam(
    services: Services, actor: SolutionActor, solution_id: str, risk_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    authorise_in_solution(actor, "risk.roam")
    return risk_dict(services.solution_plan.roam(solution_id, risk_id, body))


def open_vote(services: Services, actor: SolutionActor, solution_id: str) -> dict[str, Any]:
    authorise_in_solution(actor, "vote.open")
    return round_dict(services.solution_plan.open_vote(solution_id, actor), actor)


def cast(services: Services, actor: SolutionActor, solution_id: str, vote_id: str, value: Any) -> int:
    authorise_in_solution(actor, "vote.cast")
    return services.solution_plan.cast(solution_id, vote_id, actor, value)


def close_vote(services: Services, actor: SolutionActor, solution_id: str, vote_id: str) -> dict[str, Any]:
    authorise_in_solution(actor, "vote.close")
    return round_dict(services.solution_plan.close_vote(solution_id, vote_id), actor)


# --- REST -------------------------------------------------------------------------------------------


@router.get("/objectives", responses=REFUSALS)
def list_objectives(solution_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The solution's PI objectives, the trains' objectives they draw from, and planned/actual BV."""
    reader(services, request, solution_id)
    trains = list(_trains(services, solution_id).values())
    return objectives_dict(plan_view(services.solution_plan.plan(solution_id), trains))


@router.post("/objectives", status_code=201, responses=REFUSALS)
def create_objective(
    solution_id: str, body: ObjectiveCreate, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The STE or Solution Management writes a solution objective."""
    actor = member(services, request, solution_id)
    return add_objective(services, actor, solution_id, body.model_dump())


@router.put("/objectives/{objective_id}", responses=REFUSALS)
def update_objective(
    solution_id: str, objective_id: str, body: ObjectiveChange, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The STE or Solution Management changes an objective's title, commitment or what it draws from
    (only the fields sent); its business value stays."""
    actor = member(services, request, solution_id)
    return change_objective(services, actor, solution_id, objective_id, body.model_dump(exclude_unset=True))


@router.delete("/objectives/{objective_id}", status_code=204, responses=REFUSALS)
def remove_objective(solution_id: str, objective_id: str, request: Request, services: ServicesDep) -> None:
    """The STE or Solution Management deletes an objective: its BV leaves the solution's total."""
    delete_objective(services, member(services, request, solution_id), solution_id, objective_id)


@router.put("/objectives/{objective_id}/bv", responses=REFUSALS)
def give_bv(
    solution_id: str, objective_id: str, body: BusinessValue, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """A solution Business Owner gives business value: planned and/or actual (only those sent change)."""
    actor = member(services, request, solution_id)
    return set_bv(services, actor, solution_id, objective_id, body.model_dump(exclude_unset=True))


@router.get("/risks", responses=REFUSALS)
def list_risks(solution_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    reader(services, request, solution_id)
    return {"risks": [risk_dict(r) for r in services.solution_plan.plan(solution_id).risks]}


@router.post("/risks", status_code=201, responses=REFUSALS)
def create_risk(
    solution_id: str, body: RiskCreate, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Anyone of the solution raises a risk (not ROAMed yet)."""
    return add_risk(services, member(services, request, solution_id), solution_id, body.model_dump())


@router.put("/risks/{risk_id}", responses=REFUSALS)
def update_risk(
    solution_id: str, risk_id: str, body: RiskChange, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The STE changes a risk's title or description (only the fields sent)."""
    actor = member(services, request, solution_id)
    return change_risk(services, actor, solution_id, risk_id, body.model_dump(exclude_unset=True))


@router.delete("/risks/{risk_id}", status_code=204, responses=REFUSALS)
def remove_risk(solution_id: str, risk_id: str, request: Request, services: ServicesDep) -> None:
    """The STE deletes a risk."""
    delete_risk(services, member(services, request, solution_id), solution_id, risk_id)


@router.put("/risks/{risk_id}/roam", responses=REFUSALS)
def roam_risk(
    solution_id: str, risk_id: str, body: RiskRoam, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The STE ROAMs a risk (Resolved, Owned, Accepted, Mitigated); an Owned risk needs an owner."""
    actor = member(services, request, solution_id)
    return roam(services, actor, solution_id, risk_id, body.model_dump(exclude_unset=True))


@router.get("/vote", responses=REFUSALS)
def read_vote(solution_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The vote's rounds: how many voted, your own vote, and a closed round's distribution (anonymous)."""
    actor = reader(services, request, solution_id)
    return {"rounds": [round_dict(r, actor) for r in services.solution_plan.plan(solution_id).rounds]}


@router.post("/vote", status_code=201, responses=REFUSALS)
def open_round(solution_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The STE opens a round of the solution's confidence vote (one at a time)."""
    return open_vote(services, member(services, request, solution_id), solution_id)


@router.post("/vote/{vote_id}/ballots", responses=REFUSALS)
def cast_ballot(
    solution_id: str, vote_id: str, body: Ballot, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Anyone of the solution votes a fist of five in the open round (again: replaces their vote)."""
    actor = member(services, request, solution_id)
    return {"id": vote_id, "your_vote": cast(services, actor, solution_id, vote_id, body.value)}


@router.post("/vote/{vote_id}/close", responses=REFUSALS)
def close_round(solution_id: str, vote_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The STE closes the round: its distribution and average show (never who voted what)."""
    return close_vote(services, member(services, request, solution_id), solution_id, vote_id)


# --- the page's forms (back to the solution page's Post-PI Planning part) ----------------------------


def _back(solution_id: str) -> Response:
    return RedirectResponse(f"/s/{solution_id}/#plan", status_code=303)


async def _form_actor(request: Request, services: Services, solution_id: str) -> SolutionActor:
    answer_refusals_as(request, Answer.PAGE)
    return await run_in_threadpool(member, services, request, solution_id)


@page_router.post("/s/{solution_id}/objectives", response_class=HTMLResponse)
async def objective_form(
    solution_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=500)],
    committed: Annotated[str, Form(max_length=10)] = "true",
    draws_from: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    body = {"title": title, "committed": committed, "draws_from": draws_from or []}
    await run_in_threadpool(add_objective, services, actor, solution_id, body)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/objectives/{objective_id}", response_class=HTMLResponse)
async def objective_change_form(
    solution_id: str,
    objective_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=500)],
    committed: Annotated[str, Form(max_length=10)] = "true",
    draws_from: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    # The form shows every field: what it draws from is what is ticked (none ticked: none).
    body = {"title": title, "committed": committed, "draws_from": draws_from or []}
    await run_in_threadpool(change_objective, services, actor, solution_id, objective_id, body)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/objectives/{objective_id}/delete", response_class=HTMLResponse)
async def objective_delete_form(
    solution_id: str, objective_id: str, request: Request, services: ServicesDep
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(delete_objective, services, actor, solution_id, objective_id)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/objectives/{objective_id}/bv", response_class=HTMLResponse)
async def bv_form(
    solution_id: str,
    objective_id: str,
    request: Request,
    services: ServicesDep,
    planned_bv: Annotated[str | None, Form(max_length=10)] = None,
    actual_bv: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    body = {k: v for k, v in (("planned_bv", planned_bv), ("actual_bv", actual_bv)) if v is not None}
    await run_in_threadpool(set_bv, services, actor, solution_id, objective_id, body)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/risks", response_class=HTMLResponse)
async def risk_form(
    solution_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(
        add_risk, services, actor, solution_id, {"title": title, "description": description}
    )
    return _back(solution_id)


@page_router.post("/s/{solution_id}/risks/{risk_id}", response_class=HTMLResponse)
async def risk_change_form(
    solution_id: str,
    risk_id: str,
    request: Request,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    body = {"title": title, "description": description}
    await run_in_threadpool(change_risk, services, actor, solution_id, risk_id, body)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/risks/{risk_id}/delete", response_class=HTMLResponse)
async def risk_delete_form(
    solution_id: str, risk_id: str, request: Request, services: ServicesDep
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(delete_risk, services, actor, solution_id, risk_id)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/risks/{risk_id}/roam", response_class=HTMLResponse)
async def roam_form(
    solution_id: str,
    risk_id: str,
    request: Request,
    services: ServicesDep,
    roam_state: Annotated[str, Form(alias="roam", max_length=20)],
    owner: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(roam, services, actor, solution_id, risk_id, {"roam": roam_state, "owner": owner})
    return _back(solution_id)


@page_router.post("/s/{solution_id}/vote", response_class=HTMLResponse)
async def open_vote_form(solution_id: str, request: Request, services: ServicesDep) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(open_vote, services, actor, solution_id)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/vote/{vote_id}/cast", response_class=HTMLResponse)
async def cast_form(
    solution_id: str,
    vote_id: str,
    request: Request,
    services: ServicesDep,
    value: Annotated[str, Form(max_length=10)],
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(cast, services, actor, solution_id, vote_id, value)
    return _back(solution_id)


@page_router.post("/s/{solution_id}/vote/{vote_id}/close", response_class=HTMLResponse)
async def close_vote_form(
    solution_id: str, vote_id: str, request: Request, services: ServicesDep
) -> Response:
    actor = await _form_actor(request, services, solution_id)
    await run_in_threadpool(close_vote, services, actor, solution_id, vote_id)
    return _back(solution_id)

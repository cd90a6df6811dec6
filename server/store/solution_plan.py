"""Post-PI Planning stored: a solution's PI objectives, its risks and its confidence vote (issue 29).

The rules are board/solution_plan.py's (pure); the role rule is board.solution.solution_refusal, which
the doors ask before calling here. Every change is told to the solution's open pages as the
solution's own changes are (SolutionStore's listeners, and ``NOTIFY piboard_solution`` on
PostgreSQL), so they show it live. A refusal writes nothing: everything is checked before the write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from board.errors import IllegalTransition, Invalid, NotFound
from board.model import BoardState, Roam, VoteStatus
from board.objectives import ACTUAL_BV, PLANNED_BV
from board.risks import roamed
from board.solution import SolutionActor
from board.solution_plan import (
    FIST,
    SolutionObjective,
    SolutionPlan,
    SolutionRisk,
    VoteRound,
    objective_fields,
    open_refusal,
    risk_fields,
    round_refusal,
)
from server.store.db import (
    SolutionBallotRow,
    SolutionObjectiveRow,
    SolutionRiskRow,
    SolutionVoteRow,
    utcnow,
)
from server.store.op_path import new_id
from server.store.solutions import LINK, MEMBER, SolutionStore

OBJECTIVE = SolutionObjectiveRow.__table__  # type: ignore[attr-defined]
RISK = SolutionRiskRow.__table__  # type: ignore[attr-defined]
VOTE = SolutionVoteRow.__table__  # type: ignore[attr-defined]
BALLOT = SolutionBallotRow.__table__  # type: ignore[attr-defined]


def _objective(o: Row[Any]) -> SolutionObjective:
    return SolutionObjective(
        o.id, o.title, tuple(o.draws_from), o.committed, o.planned_bv, o.actual_bv, o.created_by
    )


def _risk(r: Row[Any]) -> SolutionRisk:
    return SolutionRisk(r.id, r.title, r.description, Roam(r.roam), r.owner, r.raised_by)


def _locked(conn: Connection, table: Table, solution_id: str, item_id: str, what: str) -> Row[Any]:
    """The solution's objective or risk (``what``), locked until the transaction ends, or NotFound."""
    row = conn.execute(
        select(table).where(table.c.id == item_id, table.c.solution_id == solution_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"this solution has no such {what}")
    return row


def _delete(conn: Connection, table: Table, solution_id: str, item_id: str, what: str) -> None:
    done = conn.execute(delete(table).where(table.c.id == item_id, table.c.solution_id == solution_id))
    if done.rowcount == 0:
        raise NotFound(f"this solution has no such {what}")


class SolutionPlanStore:
    def __init__(self, solutions: SolutionStore) -> None:
        self.solutions = solutions
        self.engine = solutions.engine

    # --- reading ----------------------------------------------------------------------------------

    def plan(self, solution_id: str) -> SolutionPlan:
        """The solution's objectives, risks (oldest first) and vote rounds (first round first)."""
        with self.engine.connect() as conn:
            objectives = conn.execute(
                select(OBJECTIVE)
                .where(OBJECTIVE.c.solution_id == solution_id)
                .order_by(OBJECTIVE.c.created_at, OBJECTIVE.c.id)
            ).all()
            risks = conn.execute(
                select(RISK).where(RISK.c.solution_id == solution_id).order_by(RISK.c.created_at, RISK.c.id)
            ).all()
            rounds = conn.execute(
                select(VOTE).where(VOTE.c.solution_id == solution_id).order_by(VOTE.c.number)
            ).all()
            # A member whose link the STE revoked no longer counts (as a removed participant's ballots
            # stop counting in a train's vote): one who joined twice is counted once after the revoke.
            ballots = conn.execute(
                select(BALLOT.c.vote_id, BALLOT.c.member_id, BALLOT.c.value)
                .join(MEMBER, MEMBER.c.id == BALLOT.c.member_id)
                .join(LINK, LINK.c.id == MEMBER.c.link_id)
                .where(BALLOT.c.vote_id.in_([r.id for r in rounds]), LINK.c.revoked_at.is_(None))
            ).all()
        cast: dict[str, dict[str, int]] = {}
        for b in ballots:
            cast.setdefault(b.vote_id, {})[b.member_id] = b.value
        return SolutionPlan(
            tuple(_objective(o) for o in objectives),
            tuple(_risk(r) for r in risks),
            tuple(VoteRound(r.id, r.number, VoteStatus(r.status), cast.get(r.id, {})) for r in rounds),
        )

    # --- objectives -------------------------------------------------------------------------------

    def add_objective(
        self,
        solution_id: str,
        actor: SolutionActor,
        body: Mapping[str, Any],
        trains: Mapping[str, BoardState],
    ) -> SolutionObjective:
        """A new solution objective from ``body`` (title, draws_from, committed); ``trains`` are the
        solution's trains' boards, which the objectives it draws from must be of."""
        values = objective_fields({"title": None, "draws_from": None, "committed": True, **body}, trains)
        made = SolutionObjective(
            new_id(), values["title"], values["draws_from"], values["committed"], None, None, actor.name
        )
        self.solutions.solution(solution_id)  # NotFound before anything is written
        with self.solutions.changing(solution_id) as conn:
            conn.execute(
                insert(OBJECTIVE).values(
                    id=made.id,
                    solution_id=solution_id,
                    title=made.title,
                    draws_from=list(made.draws_from),
                    committed=made.committed,
                    created_by=made.created_by,
                    created_at=utcnow(),
                )
            )
        return made

    def change_objective(
        self,
        solution_id: str,
        objective_id: str,
        body: Mapping[str, Any],
        trains: Mapping[str, BoardState],
    ) -> SolutionObjective:
        """An objective's title, commitment and/or the trains' objectives it draws from: only those
        ``body`` names change, each checked as for a new objective; its BV stays (the BOs')."""
        values = objective_fields(body, trains)
        with self.solutions.changing(solution_id) as conn:
            row = _locked(conn, OBJECTIVE, solution_id, objective_id, "objective")
            stored = {k: list(v) if k == "draws_from" else v for k, v in values.items()}
            conn.execute(update(OBJECTIVE).where(OBJECTIVE.c.id == objective_id).values(**stored))
        return replace(_objective(row), **values)

    def delete_objective(self, solution_id: str, objective_id: str) -> None:
        """An objective gone, and its BV from the solution's total; the trains' objectives stay."""
        with self.solutions.changing(solution_id) as conn:
            _delete(conn, OBJECTIVE, solution_id, objective_id, "objective")

    def set_bv(self, solution_id: str, objective_id: str, body: Mapping[str, Any]) -> dict[str, int | None]:
        """Business value given to an objective: ``planned_bv`` (1–10) and/or ``actual_bv`` (0–10, at
        the PI's end), each None to take it back; the ranges are a train's objectives' (board/objectives)."""
        values = {
            name: rule.clean("value", body[name])
            for name, rule in (("planned_bv", PLANNED_BV), ("actual_bv", ACTUAL_BV))
            if name in body
        }
        if not values:
            raise Invalid("give planned_bv or actual_bv (or both)")
        with self.solutions.changing(solution_id) as conn:
            done = conn.execute(
                update(OBJECTIVE)
                .where(OBJECTIVE.c.id == objective_id, OBJECTIVE.c.solution_id == solution_id)
                .values(**values)
            )
            if done.rowcount == 0:
                raise NotFound("this solution has no such objective")
        return values

    # --- risks ------------------------------------------------------------------------------------

    def add_risk(self, solution_id: str, actor: SolutionActor, body: Mapping[str, Any]) -> SolutionRisk:
        values = risk_fields({"title": None, "description": None, **body})
        made = SolutionRisk(new_id(), values["title"], values["description"], Roam.UNROAMED, "", actor.name)
        self.solutions.solution(solution_id)
        with self.solutions.changing(solution_id) as conn:
            conn.execute(
                insert(RISK).values(
                    id=made.id,
                    solution_id=solution_id,
                    title=made.title,
                    description=made.description,
                    roam=made.roam.value,
                    owner=made.owner,
                    raised_by=made.raised_by,
                    created_at=utcnow(),
                )
            )
        return made

    def change_risk(self, solution_id: str, risk_id: str, body: Mapping[str, Any]) -> SolutionRisk:
        """A risk's title and/or description (only those ``body`` names), checked as for a new risk; its
        ROAM, owner and who raised it stay."""
        values = risk_fields(body)
        with self.solutions.changing(solution_id) as conn:
            row = _locked(conn, RISK, solution_id, risk_id, "risk")
            conn.execute(update(RISK).where(RISK.c.id == risk_id).values(**values))
        return replace(_risk(row), **values)

    def delete_risk(self, solution_id: str, risk_id: str) -> None:
        with self.solutions.changing(solution_id) as conn:
            _delete(conn, RISK, solution_id, risk_id, "risk")

    def roam(self, solution_id: str, risk_id: str, body: Mapping[str, Any]) -> SolutionRisk:
        """ROAM a risk (and name its owner; an Owned risk needs one), by a train's rule (board/risks)."""
        with self.solutions.changing(solution_id) as conn:
            row = _locked(conn, RISK, solution_id, risk_id, "risk")
            state, owner = roamed(body.get("roam"), body.get("owner", row.owner))
            conn.execute(update(RISK).where(RISK.c.id == risk_id).values(roam=state.value, owner=owner))
        return replace(_risk(row), roam=state, owner=owner)

    # --- the vote ---------------------------------------------------------------------------------

    def open_vote(self, solution_id: str, actor: SolutionActor) -> VoteRound:
        """Open the next round; refused while one is open (also when two open at once: the number is
        unique, so the later one fails and says so)."""
        self.solutions.solution(solution_id)
        plan = self.plan(solution_id)
        refused = open_refusal(plan)
        if refused is not None:
            raise refused
        made = VoteRound(new_id(), len(plan.rounds) + 1, VoteStatus.OPEN)
        try:
            with self.solutions.changing(solution_id) as conn:
                conn.execute(
                    insert(VOTE).values(
                        id=made.id,
                        solution_id=solution_id,
                        number=made.number,
                        status=made.status.value,
                        opened_by=actor.name,
                        opened_at=utcnow(),
                    )
                )
        except IntegrityError:
            raise IllegalTransition("another round was opened at the same moment; close it first") from None
        return made

    def _round(self, conn: Connection, solution_id: str, vote_id: str, doing: str) -> VoteRound:
        """The round, locked until the transaction ends (a cast and a close do not cross), if open."""
        row = conn.execute(
            select(VOTE).where(VOTE.c.id == vote_id, VOTE.c.solution_id == solution_id).with_for_update()
        ).first()
        if row is None:
            raise NotFound("this solution's vote has no such round")
        found = VoteRound(row.id, row.number, VoteStatus(row.status))
        refused = round_refusal(found, doing)
        if refused is not None:
            raise refused
        return found

    def cast(self, solution_id: str, vote_id: str, actor: SolutionActor, value: Any) -> int:
        """``actor``'s fist of five in an open round: one per member and round (a second replaces it)."""
        fist = FIST.clean("value", value)
        assert fist is not None
        with self.solutions.changing(solution_id) as conn:
            self._round(conn, solution_id, vote_id, "voted in")
            mine = (BALLOT.c.vote_id == vote_id) & (BALLOT.c.member_id == actor.id)
            if conn.execute(select(BALLOT.c.value).where(mine)).first() is None:
                conn.execute(
                    insert(BALLOT).values(vote_id=vote_id, member_id=actor.id, value=fist, cast_at=utcnow())
                )
            else:
                conn.execute(update(BALLOT).where(mine).values(value=fist, cast_at=utcnow()))
        return fist

    def close_vote(self, solution_id: str, vote_id: str) -> VoteRound:
        """Close a round and reveal its distribution (never who voted what)."""
        with self.solutions.changing(solution_id) as conn:
            found = self._round(conn, solution_id, vote_id, "closed again")
            conn.execute(update(VOTE).where(VOTE.c.id == vote_id).values(status=VoteStatus.REVEALED.value))
        return next(r for r in self.plan(solution_id).rounds if r.id == found.id)

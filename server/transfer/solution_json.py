"""A solution as versioned JSON (``"schema": "piboard-solution", "version": 1``), and its import.

The document holds the solution (name, PI), its trains in joining order, each with its **whole board
export inside** (:func:`server.transfer.board_json.export_board`, the ``piboard/1`` document, not a
copy of it), its capabilities with the feature each became on each train, and its live join links as
metadata (kind and label: never a token, which would let the file's reader in). What is derived (the
cadence, whether a train agrees with it, a feature's progress, the vote's results) is written for the
reader and never read back. Post-PI Planning's sections (``objectives``, ``risks``, ``vote``) are
optional, and more may be added: an importer refuses a field or a section it does not know rather than
drop it without a word, and a newer ``version`` than it reads.

Cross-train dependencies are in the trains' boards (a request's ``provider_train``, a mirror's
``requester_train``); an import takes them out and makes them again through the new solution once its
boards are trains of it.

:mod:`server.transfer.solution_json_read` reads and checks a file; see docs/solution.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from board.solution import Capability
from board.solution_plan import (
    SolutionPlan,
    VoteRound,
)
from server.pages.solution import SolutionView
from server.store.solutions import (
    SolutionLink,
)
from server.transfer.board_json import export_board

SCHEMA = "piboard-solution"
VERSION = 1

# At most this many of each in one file: a solution runs a handful of trains; a file past these is
# not a solution piboard made.
MAX_TRAINS = 50
MAX_CAPABILITIES = 2000
MAX_LINKS = 500
MAX_ID = 100
MAX_PERSON = 80  # a person's name, as they join (server.store.auth.participant_name)

# The lists read one element at a time (a train holds a whole board).
STREAMED = ("trains", "capabilities", "links", "objectives", "risks")
# Top-level keys: written and read back, or written for the reader (derived: the cadence, the vote's
# results) and never read back. ``objectives``, ``risks`` and ``vote`` (Post-PI Planning) are optional.
KEYS = frozenset({"schema", "version", "exported_at", "solution", "cadence", "vote", *STREAMED})


@dataclass(frozen=True)
class TrainExport:
    """A train as exported: its board now (and its baseline, for the board's export), who joined it."""

    board_id: str
    joined_by: str
    joined_at: dt.datetime | None
    state: Any  # board.model.BoardState
    baseline: Any = None


@dataclass(frozen=True)
class SolutionExport:
    """Everything a solution's exports are made from, read at one moment."""

    id: str
    name: str
    pi_name: str
    trains: tuple[TrainExport, ...]
    capabilities: tuple[Capability, ...]
    links: tuple[SolutionLink, ...]
    view: SolutionView  # the solution page's view-model: cadence and each feature's progress
    plan: SolutionPlan | None = None  # its Post-PI Planning: objectives, risks, vote


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat()


def export_solution(
    solution: SolutionExport, *, exported_at: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """The solution as a JSON-ready dict, each train's board exported whole inside it."""
    exported_at = exported_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    view = solution.view.to_dict()
    agreement = {t["board_id"]: t for t in view["trains"]}
    progress = {c["id"]: c["features"] for c in view["capabilities"]}
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "exported_at": exported_at,
        "solution": {"id": solution.id, "name": solution.name, "pi_name": solution.pi_name},
        "cadence": view["cadence"],
        "trains": [
            {
                "board_id": t.board_id,
                "name": t.state.meta.name,
                "joined_by": t.joined_by,
                "joined_at": _when(t.joined_at),
                "agrees": agreement[t.board_id]["agrees"],
                "disagreements": agreement[t.board_id]["disagreements"],
                "board": export_board(t.state, baseline=t.baseline, exported_at=exported_at, today=today),
            }
            for t in solution.trains
        ],
        "capabilities": [
            {
                "id": c.id,
                "title": c.title,
                "description": c.description,
                "created_by": c.created_by,
                # Every train in joining order: the feature it became there (null: not split yet).
                "features": [
                    {"board_id": f["board_id"], "feature_id": f["feature_id"], "progress": f["progress"]}
                    for f in progress[c.id]
                ],
            }
            for c in solution.capabilities
        ],
        "links": [
            {"id": link.id, "kind": link.kind, "label": link.label, "created_at": _when(link.created_at)}
            for link in solution.links
        ],
        **({} if solution.plan is None else plan_sections(solution.plan)),
    }


def plan_sections(plan: SolutionPlan) -> dict[str, Any]:
    """Post-PI Planning: the solution's objectives (each naming the trains' objectives it draws from as
    ``<board>/<objective id>``, board and objective as in this file), its risks, and its vote: each
    round's count and, once closed, its distribution (who voted what never leaves, as a train's)."""
    return {
        "objectives": [
            {
                "id": o.id,
                "title": o.title,
                "draws_from": list(o.draws_from),
                "committed": o.committed,
                "planned_bv": o.planned_bv,
                "actual_bv": o.actual_bv,
                "created_by": o.created_by,
            }
            for o in plan.objectives
        ],
        "risks": [
            {
                "id": r.id,
                "title": r.title,
                "description": r.description,
                "roam": r.roam.value,
                "owner": r.owner,
                "raised_by": r.raised_by,
            }
            for r in plan.risks
        ],
        "vote": {"rounds": [_round(r) for r in plan.rounds]},
    }


def _round(r: VoteRound) -> dict[str, Any]:
    result = r.result  # None while the round is open
    return {
        "number": r.number,
        "status": r.status.value,
        "voted": r.voted,
        "average": result.average if result else None,
        "distribution": {str(k): v for k, v in result.distribution.items()} if result else None,
    }

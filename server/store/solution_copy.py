"""A solution made from a file (``POST /api/solutions/import``): its rows in one transaction.

The trains' boards are made first, each by the op path (server/transfer/solution_files.py); this
writes the solution around them: its name and PI, its links (new ones, of the file's kinds and
labels: a file holds no token), the importer as its STE, the trains in the file's joining order, and
the capabilities with the feature each became on each new board, its objectives (drawing from the new
boards' objectives) and risks. Every moment is this import's (a
train joined this solution now), one microsecond apart so the file's order is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert

from board.solution import STE
from board.solution_plan import SolutionObjective, SolutionRisk
from server.store.auth import participant_name
from server.store.db import utcnow
from server.store.op_path import new_id
from server.store.solution_plan import OBJECTIVE, RISK
from server.store.solutions import CAPABILITY, CAPABILITY_FEATURE, MEMBER, SOLUTION, TRAIN, SolutionStore


@dataclass(frozen=True)
class CapabilityCopy:
    id: str  # new
    title: str
    description: str
    created_by: str
    features: dict[str, str]  # new board id -> feature id there


def insert_solution_copy(
    store: SolutionStore,
    *,
    name: str,
    pi_name: str,
    ste_name: str,
    trains: Sequence[tuple[str, str]],  # (new board id, who joined it), in joining order
    capabilities: Sequence[CapabilityCopy],
    links: Sequence[tuple[str, str]],  # (kind, label), oldest first
    objectives: Sequence[SolutionObjective] = (),  # new ids; drawing from the new boards' objectives
    risks: Sequence[SolutionRisk] = (),
) -> tuple[str, str, str]:
    """Write the solution; returns (solution id, the STE's join token, the STE's session). The
    importer joins by the file's first STE link, or by a new one when the file has none."""
    ste_name = participant_name(ste_name)
    solution_id = new_id()
    now = utcnow()

    def moment(n: int) -> dt.datetime:
        return now + dt.timedelta(microseconds=n)

    made = [(new_id(), kind, label) for kind, label in links]
    if not any(kind == STE.value for _, kind, _ in made):
        made.insert(0, (new_id(), STE.value, "STE"))
    ste_link = next(link_id for link_id, kind, _ in made if kind == STE.value)
    member_id = new_id()
    with store.engine.connect().execution_options(write=True) as conn, conn.begin():
        conn.execute(insert(SOLUTION).values(id=solution_id, name=name, pi_name=pi_name, created_at=now))
        for n, (link_id, kind, label) in enumerate(made):
            store._insert_link(conn, solution_id, link_id, kind, label, moment(n))
        conn.execute(
            insert(MEMBER).values(
                id=member_id, solution_id=solution_id, link_id=ste_link, name=ste_name, created_at=now
            )
        )
        for n, (board_id, joined_by) in enumerate(trains):
            conn.execute(
                insert(TRAIN).values(
                    board_id=board_id, solution_id=solution_id, joined_at=moment(n), joined_by=joined_by
                )
            )
        for n, capability in enumerate(capabilities):
            conn.execute(
                insert(CAPABILITY).values(
                    id=capability.id,
                    solution_id=solution_id,
                    title=capability.title,
                    description=capability.description,
                    created_by=capability.created_by,
                    created_at=moment(n),
                )
            )
            for board_id, feature_id in capability.features.items():
                conn.execute(
                    insert(CAPABILITY_FEATURE).values(
                        capability_id=capability.id, board_id=board_id, feature_id=feature_id
                    )
                )
        for n, o in enumerate(objectives):
            conn.execute(
                insert(OBJECTIVE).values(
                    id=o.id,
                    solution_id=solution_id,
                    title=o.title,
                    draws_from=list(o.draws_from),
                    committed=o.committed,
                    planned_bv=o.planned_bv,
                    actual_bv=o.actual_bv,
                    created_by=o.created_by,
                    created_at=moment(n),
                )
            )
        for n, r in enumerate(risks):
            conn.execute(
                insert(RISK).values(
                    id=r.id,
                    solution_id=solution_id,
                    title=r.title,
                    description=r.description,
                    roam=r.roam.value,
                    owner=r.owner,
                    raised_by=r.raised_by,
                    created_at=moment(n),
                )
            )
    return solution_id, store._token_for(ste_link), store._session(member_id, solution_id)

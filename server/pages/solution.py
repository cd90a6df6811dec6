"""The solution page's view-model (``/s/{solution}/``), which the REST door answers as JSON too: the
trains of a solution with their dates, and where those dates disagree with the solution's cadence."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from board.model import BoardState
from board.solution import (
    SOLUTION_ROLE_NAMES,
    Capability,
    SolutionActor,
    TrainCadence,
    cadence_disagreements,
    cadence_of,
    feature_progress,
    reference_train,
)
from server.pages.solution_plan import PlanView

# A train the capability was not split into yet.
NOT_SPLIT = "not split"


@dataclass(frozen=True)
class TrainView:
    board_id: str
    name: str
    pi_name: str
    joined_by: str
    cadence: TrainCadence
    agrees: bool
    reasons: tuple[str, ...]  # how its dates disagree with the cadence, each a sentence
    sets_cadence: bool  # its dates are the solution's cadence (the first dated train)
    seq: int = 0  # the board's seq this was read at (the live page follows each train from there)


@dataclass(frozen=True)
class CapabilityView:
    id: str
    title: str
    description: str
    created_by: str
    # Per train, in joining order: (board id, train name, feature id or None, progress).
    trains: tuple[tuple[str, str, str | None, str], ...]

    @property
    def unsplit(self) -> bool:
        """Some train has no feature of it yet (a split makes the missing ones)."""
        return any(feature is None for _, _, feature, _ in self.trains)


@dataclass(frozen=True)
class SolutionView:
    id: str
    name: str
    pi_name: str
    trains: tuple[TrainView, ...]
    reference: TrainCadence | None
    capabilities: tuple[CapabilityView, ...] = ()
    plan: PlanView | None = None  # Post-PI Planning (server/pages/solution_plan.py)
    version: int = 0  # the solution's own changes as read (server/store/solutions.py)

    @property
    def seqs(self) -> dict[str, int]:
        """Each train's board seq as read: what the page shows, for its live socket's hello."""
        return {t.board_id: t.seq for t in self.trains}

    @property
    def agreed(self) -> bool:
        """Every train plans on the same PI and iteration dates (none yet: nothing disagrees)."""
        return all(t.agrees for t in self.trains)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "pi_name": self.pi_name,
            "cadence": {
                "agreed": self.agreed,
                "set_by": self.reference.board_id if self.reference else None,
                "pi_start": self.reference.pi_start if self.reference else None,
                "pi_end": self.reference.pi_end if self.reference else None,
                "iterations": [asdict(i) for i in self.reference.iterations] if self.reference else [],
            },
            "trains": [
                {
                    "board_id": t.board_id,
                    "name": t.name,
                    "pi_name": t.pi_name,
                    "joined_by": t.joined_by,
                    "pi_start": t.cadence.pi_start,
                    "pi_end": t.cadence.pi_end,
                    "iterations": [asdict(i) for i in t.cadence.iterations],
                    "agrees": t.agrees,
                    "disagreements": list(t.reasons),
                    "seq": t.seq,
                }
                for t in self.trains
            ],
            "capabilities": [
                {
                    "id": c.id,
                    "title": c.title,
                    "description": c.description,
                    "created_by": c.created_by,
                    "features": [
                        {"board_id": b, "train": name, "feature_id": f, "progress": p}
                        for b, name, f, p in c.trains
                    ],
                }
                for c in self.capabilities
            ],
        }


def solution_view(
    solution_id: str,
    name: str,
    pi_name: str,
    trains: Sequence[tuple[BoardState, str]],
    capabilities: Sequence[Capability] = (),
) -> SolutionView:
    """The solution with its ``trains`` (each board as it is now and who joined it), in joining order,
    and its capabilities with where each one's feature stands on each train's board."""
    cadences = [cadence_of(state) for state, _ in trains]
    reasons = {d.board_id: d.reasons for d in cadence_disagreements(cadences)}
    reference = reference_train(cadences)
    views = tuple(
        TrainView(
            state.board_id,
            state.meta.name,
            state.meta.pi_name,
            joined_by,
            cadence,
            state.board_id not in reasons,
            reasons.get(state.board_id, ()),
            reference is cadence,
            state.seq,
        )
        for (state, joined_by), cadence in zip(trains, cadences, strict=True)
    )
    capability_views = tuple(
        CapabilityView(
            c.id,
            c.title,
            c.description,
            c.created_by,
            tuple(
                (
                    state.board_id,
                    state.meta.name,
                    c.features.get(state.board_id),
                    feature_progress(state, c.features[state.board_id]).value
                    if state.board_id in c.features
                    else NOT_SPLIT,
                )
                for state, _ in trains
            ),
        )
        for c in capabilities
    )
    return SolutionView(solution_id, name, pi_name, views, reference, capability_views)


def role_name(actor: SolutionActor) -> str:
    return SOLUTION_ROLE_NAMES[actor.role]


def solution_seqs_marker(seqs: dict[str, int], version: int) -> str:
    """What starts a solution page's update (as ``seq_marker`` a board's): each train's seq it shows,
    and the solution's version (its own changes)."""
    quoted = html.escape(
        json.dumps({str(k): int(v) for k, v in seqs.items()}, separators=(",", ":")), quote=True
    )
    shown = f'data-seqs="{quoted}" data-version="{int(version)}"'
    return f'<div id="solution-seqs" {shown} hidden hx-swap-oob="true"></div>'

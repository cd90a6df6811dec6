"""The database side of a piboard process: the schema brought up to date, the engine, the op path,
the join links, the boards' tracker connections and the solutions.

The web application adds its own parts on top (:class:`server.doors.deps.Services`); the command line
needs only these, so ``piboard import`` loads no web framework (bench/import_speed.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from server.settings import Settings
from server.store.auth import Auth
from server.store.cross_train import CrossTrain
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath, SharedRate
from server.store.sealed import Sealer
from server.store.solution_plan import SolutionPlanStore
from server.store.solutions import SolutionStore
from server.store.trackers import TrackerStore


@dataclass
class Storage:
    settings: Settings
    engine: Engine
    op_path: OpPath
    auth: Auth
    trackers: TrackerStore

    @cached_property
    def solutions(self) -> SolutionStore:
        """The solutions: several boards on one cadence (made on first use, from the parts above)."""
        return SolutionStore(self.engine, self.settings.signing_key())

    @cached_property
    def cross_train(self) -> CrossTrain:
        """Cross-train dependencies: each request's mirror on the providing train, each answer back.
        Made by the server at its start (it hooks into the op path), not on first use."""
        return CrossTrain(self.op_path, self.solutions)

    @cached_property
    def solution_plan(self) -> SolutionPlanStore:
        """Post-PI Planning: the solutions' objectives, risks and confidence votes."""
        return SolutionPlanStore(self.solutions)


def open_storage(settings: Settings) -> Storage:
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    op_path = OpPath(engine)
    if not settings.is_sqlite:  # several processes may serve one participant: limit them together too
        op_path.shared_rate = SharedRate(settings.ops_per_second, settings.ops_burst)
    auth = Auth(engine, settings.signing_key())
    return Storage(settings, engine, op_path, auth, TrackerStore(engine, Sealer(settings.signing_key())))

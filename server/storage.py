"""The database side of a piboard process: the schema brought up to date, the engine, the op path
and the join links.

The web application adds its own parts on top (:class:`server.deps.Services`); the command line
needs only these, so ``piboard import`` loads no web framework (bench/import_speed.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from server.auth import Auth
from server.db import make_engine, upgrade
from server.oppath import OpPath, SharedRate
from server.settings import Settings


@dataclass
class Storage:
    settings: Settings
    engine: Engine
    oppath: OpPath
    auth: Auth


def open_storage(settings: Settings) -> Storage:
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    oppath = OpPath(engine)
    if not settings.is_sqlite:  # several processes may serve one participant: limit them together too
        oppath.shared_rate = SharedRate(settings.ops_per_second, settings.ops_burst)
    return Storage(settings, engine, oppath, Auth(engine, settings.signing_key()))

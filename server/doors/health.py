"""``GET /healthz``: is the server up and its database reachable."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from server.doors.deps import ServicesDep
from server.version import __version__

router = APIRouter(prefix="/healthz", tags=["health"])


@router.get("")
def healthz(services: ServicesDep) -> dict[str, str]:
    with services.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": services.engine.dialect.name, "version": __version__}

"""Alembic environment: piboard configures it in code (server.store.db.alembic_config)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import server.store.db  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.store.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=SQLModel.metadata, render_as_batch=url.startswith("sqlite")
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()

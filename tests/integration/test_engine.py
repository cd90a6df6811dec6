"""The engine (server.store.db): pooled alike on both databases, and closed whole when the server stops,
the connection a worker thread still has in use included (close_engine): on PostgreSQL one left to the
garbage collector is a connection the server never hangs up, and psycopg warns of it wherever the
collector happens to run."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import text

from server.store.db import POOL, close_engine, make_engine


def is_closed(dbapi_connection: Any) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            dbapi_connection.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    return bool(dbapi_connection.closed)


def test_a_connection_in_use_as_the_engine_closes_is_closed_once_it_is_back(db_url: str) -> None:
    engine = make_engine(db_url)
    in_use = engine.connect()
    in_use.execute(text("SELECT 1"))
    dbapi_connection = in_use.connection.dbapi_connection
    closing = threading.Thread(target=close_engine, args=(engine,))
    closing.start()
    closing.join(0.2)
    assert closing.is_alive(), "the engine waits for the connection still in use"

    in_use.close()
    closing.join(5)

    assert not closing.is_alive()
    assert is_closed(dbapi_connection)


def test_a_connection_never_given_back_does_not_hold_the_stop(db_url: str) -> None:
    engine = make_engine(db_url)
    in_use = engine.connect()
    done = threading.Event()
    closing = threading.Thread(target=lambda: (close_engine(engine, wait=0.1), done.set()))
    closing.start()
    closing.join(5)
    assert done.is_set()
    in_use.invalidate()  # back after the pool was closed, it would be left open: close it here
    in_use.close()


def test_both_databases_pool_enough_connections_for_a_room_arriving_at_once(db_url: str) -> None:
    """Up to 40 worker threads read as a room's sockets open; a pool of 5 made SQLite open and close a
    connection, and run its pragmas, for most of them (bench/fanout.py --arrival)."""
    engine = make_engine(db_url)
    held = [engine.connect() for _ in range(POOL["pool_size"] + 1)]
    for conn in held:
        conn.close()
    assert engine.pool.checkedin() == POOL["pool_size"], "every connection of the pool's size is kept"
    engine.dispose()


def test_an_in_memory_database_has_one_connection_of_its_own() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()

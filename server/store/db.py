"""Storage: the tables, the engine, and schema upgrades through Alembic.

A board's plan lives in ``item`` rows (one per part of the plan, its data as JSON, its
version for optimistic concurrency) and its history in ``event`` rows (gapless ``seq`` per
board). Everything else (join links, participants) supports the doors.
"""

from __future__ import annotations

import ast
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Index,
    LargeBinary,
    UniqueConstraint,
    create_engine,
    event,
    false,
    text,
)
from sqlalchemy.engine import make_url as engine_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
from sqlmodel import Field, SQLModel

from server.package_files import package_folder

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = package_folder("migrations")


def utcnow() -> datetime:
    return datetime.now(UTC)


class BoardRow(SQLModel, table=True):
    __tablename__ = "board"
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class ItemRow(SQLModel, table=True):
    __tablename__ = "item"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    kind: str = Field(primary_key=True, max_length=20)
    item_id: str = Field(primary_key=True, max_length=100)
    version: int
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class EventRow(SQLModel, table=True):
    __tablename__ = "event"
    # A client_op_id is the sender's own: another participant reusing it is not a resend.
    __table_args__ = (
        UniqueConstraint("board_id", "actor_id", "client_op_id", name="uq_event_actor_client_op"),
        # A participant's newest events: the rate limit shared by every process (server/store/op_path.py).
        Index("ix_event_actor_seq", "board_id", "actor_id", "seq"),
        # The first event at or after a moment: where an agenda item lands on the timeline
        # (server/store/board_store.py).
        Index("ix_event_board_at", "board_id", "at"),
    )
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    seq: int = Field(primary_key=True)
    op_type: str = Field(max_length=40)
    actor_id: str = Field(default="", max_length=40)
    client_op_id: str = Field(max_length=80)
    op: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    changes: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    actor: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class SnapshotRow(SQLModel, table=True):
    """The board as it was right after event ``seq``, so that ``state_at`` replays a few events instead
    of the whole history (``server/store/snapshots.py``). Derived from the events: safe to lose or ignore."""

    __tablename__ = "board_snapshot"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    seq: int = Field(primary_key=True)
    # The encoding's version: a snapshot of another format is ignored (replayed from events instead).
    format: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class JoinLinkRow(SQLModel, table=True):
    """A link that lets people join one board in one role; only its hash is stored."""

    __tablename__ = "join_link"
    id: str = Field(primary_key=True, max_length=40)
    board_id: str = Field(foreign_key="board.id", index=True, max_length=40)
    token_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=20)
    team_id: str | None = Field(default=None, max_length=40)
    label: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ParticipantRow(SQLModel, table=True):
    __tablename__ = "participant"
    id: str = Field(primary_key=True, max_length=40)
    board_id: str = Field(foreign_key="board.id", index=True, max_length=40)
    link_id: str = Field(foreign_key="join_link.id", max_length=40)
    name: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    # The RTE merged this participant into another (one person who joined twice): its sessions are that one's.
    merged_into: str | None = Field(default=None, max_length=40)
    # The RTE removed this participant: its sessions end.
    removed_at: datetime | None = None
    # Takes part from elsewhere ("I'm remote"), not in the room: said at joining, changed in their menu.
    remote: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class WebhookRow(SQLModel, table=True):
    """Where a board's alerts are posted (a Slack or Microsoft Teams incoming webhook), and which
    alerts it has been told of already. Integration settings, not the plan: no op, no event."""

    __tablename__ = "webhook"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    url: str = Field(max_length=500)
    sent: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDeliveryRow(SQLModel, table=True):
    """One attempt to post alerts to a board's webhook: the log the RTE reads when posts fail."""

    __tablename__ = "webhook_delivery"
    id: int | None = Field(default=None, primary_key=True)
    board_id: str = Field(foreign_key="board.id", index=True, max_length=40)
    at: datetime = Field(default_factory=utcnow)
    attempt: int = 1
    alerts: int = 0
    status_code: int | None = None
    ok: bool = False
    error: str = Field(default="", max_length=300)


class TrackerConnectionRow(SQLModel, table=True):
    """A board's connection to its tracker (Jira, Azure DevOps): where, how, what scope, and where the
    sync stands. Integration settings, not the plan: no op, no event. The token and the webhook secret
    are sealed (server.store.sealed); the lease lets exactly one process poll the board at a time."""

    __tablename__ = "tracker_connection"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    product: str = Field(max_length=20)  # jira_cloud, jira_dc, azure
    url: str = Field(max_length=500)
    user: str = Field(default="", max_length=200)  # Jira Cloud's account e-mail
    token: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    hook_secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Jira: {"jql"}; Azure DevOps: {"project", "area_paths", "wiql"}
    scope: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interval_s: int = 60
    write_back: bool = False
    state: str = Field(default="new", max_length=20)  # new, syncing, paused
    message: str = Field(default="", max_length=500)
    cursor: datetime | None = None  # the newest change seen: the next poll asks from there
    last_synced_at: datetime | None = None
    last_attempt_at: datetime | None = None
    reachable: bool = True
    poll_due_at: datetime | None = None
    reconcile: bool = False  # the next poll also looks for issues gone from the scope
    lease_owner: str = Field(default="", max_length=60)
    lease_until: datetime | None = None
    # Sprint ids -> iteration ids, and tracker ids -> keys (a moved issue keeps its id).
    memory: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class TrackerLogRow(SQLModel, table=True):
    """What the sync did, for the RTE to read on Admin: each poll's outcome and each write-back."""

    __tablename__ = "tracker_log"
    id: int | None = Field(default=None, primary_key=True)
    board_id: str = Field(foreign_key="board.id", index=True, max_length=40)
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=20)  # sync, webhook, write, fault
    text: str = Field(max_length=500)


class PresenceRow(SQLModel, table=True):
    """Who is connected to one board through one server process (scale-out on PostgreSQL): each
    process keeps its own row fresh and tells the others with ``NOTIFY piboard_presence``."""

    __tablename__ = "presence"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    process_id: str = Field(primary_key=True, max_length=40)
    people: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class SolutionRow(SQLModel, table=True):
    """A solution: several trains (boards) on one cadence (board/solution.py). Not a board: no ops yet."""

    __tablename__ = "solution"
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    pi_name: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    # Counts the solution's own changes (not its trains'): a page's hello says which it shows.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SolutionTrainRow(SQLModel, table=True):
    """A train (board) of a solution; a board belongs to one solution at most."""

    __tablename__ = "solution_train"
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    joined_at: datetime = Field(default_factory=utcnow)
    joined_by: str = Field(default="", max_length=80)  # the RTE who joined it, by name


class SolutionLinkRow(SQLModel, table=True):
    """A link into a solution: for a person in a solution role, or for a train's RTE (kind "train").
    Only its hash is stored, as for a board's join links."""

    __tablename__ = "solution_link"
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    token_hash: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=30)
    label: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class SolutionMemberRow(SQLModel, table=True):
    """A person who joined a solution with a link (the STE, Solution Management, ...)."""

    __tablename__ = "solution_member"
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    link_id: str = Field(foreign_key="solution_link.id", max_length=40)
    name: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)


class CapabilityRow(SQLModel, table=True):
    """A capability of a solution, written by Solution Management; split into a feature per train."""

    __tablename__ = "capability"
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)


class CapabilityFeatureRow(SQLModel, table=True):
    """The feature a capability was split into on one train's board (made by that board's op path)."""

    __tablename__ = "capability_feature"
    capability_id: str = Field(primary_key=True, foreign_key="capability.id", max_length=40)
    board_id: str = Field(primary_key=True, foreign_key="board.id", max_length=40)
    feature_id: str = Field(max_length=100)


class SolutionObjectiveRow(SQLModel, table=True):
    """A PI objective of a solution (Post-PI Planning), drawn from its trains' objectives."""

    __tablename__ = "solution_objective"
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    title: str = Field(max_length=500)
    draws_from: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    committed: bool = True
    planned_bv: int | None = None
    actual_bv: int | None = None
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)


class SolutionRiskRow(SQLModel, table=True):
    """A risk of a solution, raised by anyone of it and ROAMed by the STE."""

    __tablename__ = "solution_risk"
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    roam: str = Field(default="unroamed", max_length=20)
    owner: str = Field(default="", max_length=80)
    raised_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)


class SolutionVoteRow(SQLModel, table=True):
    """A round of a solution's confidence vote; one open at a time (its number is unique)."""

    __tablename__ = "solution_vote"
    __table_args__ = (UniqueConstraint("solution_id", "number", name="uq_solution_vote_number"),)
    id: str = Field(primary_key=True, max_length=40)
    solution_id: str = Field(foreign_key="solution.id", index=True, max_length=40)
    number: int
    status: str = Field(default="open", max_length=20)
    opened_by: str = Field(default="", max_length=80)
    opened_at: datetime = Field(default_factory=utcnow)


class SolutionBallotRow(SQLModel, table=True):
    """One member's fist of five in one round: one per member and round (the key)."""

    __tablename__ = "solution_ballot"
    vote_id: str = Field(primary_key=True, foreign_key="solution_vote.id", max_length=40)
    member_id: str = Field(primary_key=True, foreign_key="solution_member.id", max_length=40)
    value: int
    cast_at: datetime = Field(default_factory=utcnow)


POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 20}


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        database = engine_url(url).database or ":memory:"  # sqlite:// names no file: in memory
        in_memory = database == ":memory:"
        if not in_memory:
            # SQLite makes the file but not its folder (a data folder named in the settings, say).
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A file gets as many connections as PostgreSQL's pool: a room arriving at once reads from up to
        # 40 worker threads, and a pool of 5 opened and closed a connection (and its pragmas) for most of
        # them. In memory there is one connection, in SQLAlchemy's own pool.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **({} if in_memory else POOL)
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, **POOL, pool_pre_ping=True)


def close_engine(engine: Engine, wait: float = 5.0) -> None:
    """Close the engine's connections, the ones still in use included once they are back (up to ``wait``
    seconds). ``dispose`` alone closes only the idle ones: a read still running in a worker thread as the
    server stops would return its connection to a pool nobody closes, left to the garbage collector."""
    deadline = time.monotonic() + wait
    while isinstance(engine.pool, QueuePool) and engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; we issue BEGIN ourselves so writers take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an acked op survives a power cut too (NORMAL in WAL mode may lose the last commits).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any fixed number: the PostgreSQL advisory lock held by the one process that migrates at a time.
MIGRATION_LOCK_KEY = 0x70B0A2D


def migration_heads() -> frozenset[str]:
    """The newest migrations' revisions, read from the files (what Alembic calls the heads)."""
    revisions: dict[str, object] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        names: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
                        names[target.id] = ast.literal_eval(node.value)
        revisions[str(names["revision"])] = names.get("down_revision")
    earlier: set[object] = set()
    for down in revisions.values():
        earlier.update(down if isinstance(down, tuple | list) else [down])
    return frozenset(revision for revision in revisions if revision not in earlier)


def schema_is_current(url: str) -> bool:
    """Whether the database is at the newest migration: one small query, no Alembic loaded. A
    database that cannot be asked (none yet, no schema, not reachable) is not current."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return False
    finally:
        engine.dispose()
    return frozenset(stamped) == migration_heads()


def upgrade(url: str) -> None:
    """Bring the schema to the newest migration; a database made by an older piboard opens.

    A database already there is only asked its revision: loading Alembic and its migration
    environment costs more than a whole ``piboard import`` (bench/import_speed.py).
    On PostgreSQL several processes may start at once: they migrate one after the other under an
    advisory lock (the later ones find the schema already at head).
    """
    if schema_is_current(url):
        return
    from alembic import command

    if not url.startswith("postgresql"):
        command.upgrade(alembic_config(url), "head")
        return
    engine = make_engine(url)
    try:
        with engine.connect() as lock_conn:
            lock_conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock_conn.commit()
            try:
                command.upgrade(alembic_config(url), "head")
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                lock_conn.commit()
    finally:
        engine.dispose()

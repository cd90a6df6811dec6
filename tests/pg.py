"""A throwaway PostgreSQL server for tests: ``initdb`` into a temp dir, ``pg_ctl start`` on loopback.

Root cannot run ``initdb``, so as root the cluster belongs to the ``postgres`` system user and every
server command runs through ``runuser -u postgres --``. As any other user the cluster is the
user's own. Authentication is ``trust`` on 127.0.0.1 only; the server listens on nothing else.

CI makes the binaries available with ``scripts/ensure_postgres.sh``. When they are missing this
module fails with a message that says so (never a skip).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SEARCH_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


class PostgresUnavailable(RuntimeError):
    pass


def find_binaries() -> Path:
    """The directory that holds ``initdb`` and ``pg_ctl`` (newest Debian version first, then PATH)."""
    for directory in SEARCH_DIRS:
        if os.access(Path(directory) / "initdb", os.X_OK) and os.access(Path(directory) / "pg_ctl", os.X_OK):
            return Path(directory)
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. Run scripts/ensure_postgres.sh "
        "(as root: apt-get install -y postgresql) before the tests."
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root but 'runuser' is missing: cannot start PostgreSQL")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' system user; install the Debian "
            "package (scripts/ensure_postgres.sh) or run the tests as a normal user"
        ) from None
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1:<port>, removed by :meth:`stop`."""

    fsync: bool = False
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="piboard-pg-")))
    _bin: Path = field(default_factory=find_binaries)
    _counter: int = 0

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [*_as_server_user(), str(self._bin / args[0]), *args[1:]]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            self.root.chmod(0o755)
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        )
        self.port = self.port or _free_port()
        self._start_server()
        return self

    def _start_server(self) -> None:
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={self.port}",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=300",
            "-c shared_buffers=32MB",
        ]
        if not self.fsync:
            # Throwaway test clusters only; the durability test keeps fsync and synchronous_commit on.
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
            "start",
        )
        self._wait_ready()

    def crash(self) -> None:
        """Stop the way a power cut would: no checkpoint, every client cut off (WAL replay at restart)."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=30)

    def restart_after_crash(self) -> None:
        self._start_server()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, prefix: str = "t") -> str:
        """A fresh empty database; returns its URL."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _SCHEMAS.discard(self.admin_url)
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# The clusters (by admin URL) that hold SCHEMA_TEMPLATE, a database migrated once to the newest schema.
_SCHEMAS: set[str] = set()
SCHEMA_TEMPLATE = "piboard_schema"


def give_schema(url: str) -> None:
    """Make an empty database (no table) a copy of the cluster's SCHEMA_TEMPLATE, made at the first call:
    PostgreSQL copies a template in the time it makes an empty database, and migrating costs ~1 s."""
    from server.store.db import upgrade  # the server's code, imported only where a test starts a server

    base, name = url.rsplit("/", 1)
    admin = f"{base}/postgres"
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT 1 FROM pg_tables WHERE schemaname = 'public' LIMIT 1").fetchone():
            return
    if admin not in _SCHEMAS:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCHEMA_TEMPLATE}"')
            conn.execute(f'CREATE DATABASE "{SCHEMA_TEMPLATE}"')
        upgrade(f"{base}/{SCHEMA_TEMPLATE}")  # disposes its engine: a template must have no connection
        _SCHEMAS.add(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{SCHEMA_TEMPLATE}"')

"""Real piboard server processes (``python -m uvicorn server.app:create_app --factory``) for scale tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port

SECRET = "scale-test-secret-" + "s" * 32


@dataclass
class ServerProcess:
    """One server process on 127.0.0.1:<port>; restartable on the same port after a kill."""

    database_url: str
    workdir: Path
    name: str = "p"
    port: int = field(default_factory=free_port)
    env_overrides: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.starts}.log"

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (see :meth:`wait_ready`)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        env = {
            **os.environ,
            "PIBOARD_DATABASE_URL": self.database_url,
            "PIBOARD_SECRET_KEY": SECRET,
            "PIBOARD_DEMO_ON_EMPTY": "false",
            "PIBOARD_OPS_PER_SECOND": "1000",
            "PIBOARD_OPS_BURST": "1000",
            "PIBOARD_BOARDS_BURST": "100000",
            "PIBOARD_JOINS_BURST": "100000",
            **self.env_overrides,
        }
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets",
                "--log-level",
                "warning",
            ],
            cwd=self.workdir,  # no stray .env or secret file from the checkout
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 60) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server {self.name} not ready:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.1)

    def start(self) -> ServerProcess:
        return self.launch().wait_ready()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, no goodbye frames."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.workdir.glob(f"{self.name}-*.log")))


def start_all(processes: list[ServerProcess]) -> list[ServerProcess]:
    """Launch at once (they migrate the same database concurrently), then wait for every one."""
    for p in processes:
        p.launch()
    for p in processes:
        p.wait_ready()
    return processes


def create_board(server: ServerProcess, name: str = "Scale ART") -> tuple[str, str]:
    """A new board; returns its id and the RTE's session."""
    r = httpx.post(f"{server.url}/api/boards", json={"name": name}, timeout=30)
    r.raise_for_status()
    body = r.json()
    return str(body["board"]["id"]), str(body["rte_session"])


def join(server: ServerProcess, board_id: str, rte_session: str, role: str, name: str, **link: Any) -> str:
    """A session for a new participant, through a real join link."""
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {rte_session}"}) as c:
        made = c.post(f"/api/boards/{board_id}/links", json={"role": role, **link})
        made.raise_for_status()
        token = made.json()["join_url"].rsplit("/", 1)[1]
        joined = c.post("/api/join", json={"token": token, "name": name})
        joined.raise_for_status()
        return str(joined.json()["session"])


def read_board(server: ServerProcess, board_id: str, session: str) -> dict[str, Any]:
    r = httpx.get(
        f"{server.url}/api/boards/{board_id}", headers={"Authorization": f"Bearer {session}"}, timeout=30
    )
    r.raise_for_status()
    return dict(r.json())

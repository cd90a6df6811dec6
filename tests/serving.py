"""``piboard serve`` as a separate process, the way an operator starts it: its first lines, its health.

Used by the command-line and wheel tests and by scripts/screenshots.py. Every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

RTE_LINK = re.compile(r"Open as RTE: (\S+)")


@dataclass(frozen=True)
class Serving:
    url: str
    lines: list[str]  # what it printed up to the demo's RTE link

    @property
    def rte_link(self) -> str:
        found = RTE_LINK.search("\n".join(self.lines))
        assert found is not None, self.lines
        return found.group(1)


def output_lines(proc: subprocess.Popen[str], until: re.Pattern[str], deadline_s: float) -> list[str]:
    """The process's output lines up to and including the first one ``until`` matches; the rest of its
    output is read and dropped, so the process never blocks on a full pipe."""
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout

    def pump() -> None:
        # Until the end of the output, or until piboard_serve closes the pipe of the ended process
        # while this thread still reads it (ValueError: I/O operation on closed file).
        with contextlib.suppress(ValueError):
            for line in stdout:
                lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if until.search(line):
            return seen
    raise AssertionError("piboard did not print what was expected:\n" + "\n".join(seen))


def wait_until_healthy(url: str, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"{url}/healthz did not answer within {deadline_s} s")


@contextmanager
def piboard_serve(command: list[str], port: int, env: dict[str, str], cwd: Path) -> Iterator[Serving]:
    """Run ``command`` (a ``piboard serve`` on ``port`` over an empty database) until the block ends."""
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        lines = output_lines(proc, until=RTE_LINK, deadline_s=60)
        wait_until_healthy(url, deadline_s=30)
        yield Serving(url, lines)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()

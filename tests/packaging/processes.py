"""Helpers to run the installed ``piboard`` as a separate process and wait on it, each with a deadline."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable

import httpx


def output_lines(proc: subprocess.Popen[str], until: Callable[[str], bool], deadline_s: float) -> list[str]:
    """The process's output lines up to and including the first one ``until`` accepts."""
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout

    def pump() -> None:
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
        if until(line):
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

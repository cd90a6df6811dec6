"""Remake the README's screenshots (docs/img/*.png) from the demo ART in a real browser.

Run it after changing how the program board or the big screen look:

    .venv/bin/python scripts/screenshots.py

It starts ``piboard serve`` on a free port with an empty data folder (so the demo ART is made), joins as
the RTE through the printed link in Debian's Chromium (Playwright), and photographs the program board
and the big screen at full HD.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
FULL_HD = {"width": 1920, "height": 1080}
# name of the file → the page of the demo board it shows
SHOTS = {"program-board": "/b/demo/program", "big-screen": "/b/demo/screen"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """A piboard server on an empty data folder, and the RTE join link it prints for the demo ART."""
    env = {
        **os.environ,
        "PIBOARD_DATA_DIR": str(data_dir),
        "PIBOARD_PORT": str(port),
        "PIBOARD_HTMX_CDN": "false",  # the vendored htmx: no network needed
    }
    env.pop("PIBOARD_DATABASE_URL", None)
    piboard = [sys.executable, "-m", "server.cli", "serve"]
    proc = subprocess.Popen(piboard, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"Open as RTE: (\S+)", line)
        if found:
            return proc, found.group(1)
    raise SystemExit("piboard serve ended without printing the RTE link")


def wait_until_up(url: str, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def photograph(page: Page, url: str, name: str) -> Path:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        proc, rte_link = serve(Path(data_dir), port)
        try:
            wait_until_up(base)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=FULL_HD)  # type: ignore[arg-type]
                page.goto(rte_link)
                page.get_by_label("Your name").fill("Rita (RTE)")
                page.get_by_role("button", name="Join").click()
                page.wait_for_url(re.compile(r"/b/demo/"))
                for name, path in SHOTS.items():
                    print(photograph(page, base + path, name).relative_to(ROOT))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()

"""Remake the README's screenshots (docs/img/*.png) from the demo ART in a real browser.

Run it after changing how the program board or the big screen look:

    .venv/bin/python scripts/screenshots.py [--out FOLDER]

It starts ``piboard serve`` on a free port with an empty data folder (so the demo ART is made), joins as
the RTE through the printed link in Debian's Chromium (Playwright), and photographs the program board
and the big screen at full HD.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# tests.conftest before tests.browser: the conftest imports the browser fixtures itself.
# isort: off
from tests.conftest import free_port  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, FULL_HD  # noqa: E402
from tests.serving import piboard_serve  # noqa: E402
# isort: on

OUT = ROOT / "docs" / "img"
# name of the file → the page of the demo board it shows
SHOTS = {"program-board": "/b/demo/program", "big-screen": "/b/demo/screen"}


def photograph(page: Page, url: str, path: Path) -> Path:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default: docs/img)")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIBOARD_")}
        # An empty data folder (the demo ART is made) and the vendored htmx (no network needed).
        env |= {"PIBOARD_DATA_DIR": data_dir, "PIBOARD_HTMX_CDN": "false"}
        command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
        with piboard_serve(command, port, env, ROOT) as serving, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=FULL_HD)  # type: ignore[arg-type]
            page.goto(serving.rte_link)
            page.get_by_label("Your name").fill("Rita (RTE)")
            page.get_by_role("button", name="Join").click()
            page.wait_for_url(re.compile(r"/b/demo/"))
            for name, path in SHOTS.items():
                print(photograph(page, serving.url + path, out / f"{name}.png"))
            browser.close()


if __name__ == "__main__":
    main()

"""The README's screenshots are made by scripts/screenshots.py; it keeps working as the pages change."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_screenshot_script_photographs_the_demo_program_board_and_big_screen(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    for name in ("program-board", "big-screen"):
        shot = tmp_path / f"{name}.png"
        assert png_size(shot) == (1920, 1080)
        assert (ROOT / "docs" / "img" / shot.name).is_file()
        assert f"](docs/img/{shot.name})" in (ROOT / "README.md").read_text()

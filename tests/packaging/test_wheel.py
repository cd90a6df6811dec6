"""piboard installed like a Python application: the built wheel in a fresh virtualenv, far from the checkout.

The wheel is built from the sdist (``python -m build`` does both), installed with its dependencies into a
new venv in a temporary folder, and run from there with no path back into the repository.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.version import __version__
from tests.conftest import free_port
from tests.serving import Serving, piboard_serve

ROOT = Path(__file__).resolve().parents[2]
# The repository's top-level folders and the package names the wheel carries them under.
PACKAGE_FOLDERS = {
    "board": "board",
    "server": "server",
    "templates": "server/templates",
    "static": "server/static",
    "migrations": "server/migrations",
}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could lead back to the checkout or its venv."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PIBOARD_")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    far = tmp_path_factory.mktemp("installed")
    dist = far / "dist"
    # The sdist, then the wheel built from it; with the backend the test venv already has (pyproject's
    # build-system requirement is in the test extras), so no build venv is made each time.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = dist.glob("piboard-*.whl")
    (sdist,) = dist.glob("piboard-*.tar.gz")
    venv = far / "venv"
    # A venv of its own; pip from this interpreter installs into it (--python), dependencies included.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=240,
        env=clean_env(),
    )
    return Installed(wheel, sdist, venv)


def checkout_files(folder: str) -> set[str]:
    base = ROOT / folder
    return {
        f"{PACKAGE_FOLDERS[folder]}/{p.relative_to(base).as_posix()}"
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_wheel_carries_every_file_of_the_package_folders(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
    for folder in PACKAGE_FOLDERS:
        missing = checkout_files(folder) - names
        assert not missing, f"the wheel lacks {sorted(missing)}"
    assert installed.wheel.name == f"piboard-{__version__}-py3-none-any.whl"
    assert installed.sdist.name == f"piboard-{__version__}.tar.gz"


def test_the_installed_package_is_the_venvs_own(installed: Installed, tmp_path: Path) -> None:
    where = subprocess.run(
        [installed.bin("python"), "-c", "import server, board; print(server.__file__, board.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(installed.venv) for p in where), where
    version = subprocess.run(
        [installed.bin("piboard"), "--version"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert version.stdout.strip() == f"piboard {__version__}"


@pytest.fixture
def serving(installed: Installed, tmp_path: Path) -> Iterator[Serving]:
    """``piboard serve`` of the installed wheel, in an empty working folder."""
    port = free_port()
    command = [installed.bin("piboard"), "serve", "--port", str(port)]
    with piboard_serve(command, port, clean_env(PIBOARD_HTMX_CDN="true"), tmp_path) as serving:
        yield serving


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def test_serve_from_anywhere_shows_the_demo_with_its_static_files(serving: Serving, tmp_path: Path) -> None:
    banner = "\n".join(serving.lines)
    assert f"piboard {__version__}" in banner
    assert f"URL:      {serving.url}" in banner
    assert f"database: {tmp_path / 'piboard.db'}" in banner
    assert f"secret:   {tmp_path / '.piboard-secret'}" in banner
    with httpx.Client(base_url=serving.url, timeout=30) as client:
        assert client.get("/healthz").json()["version"] == __version__
        assert client.get("/openapi.json").json()["info"]["version"] == __version__
        joined = client.post(serving.rte_link, data={"name": "Rita"}, follow_redirects=True)
        assert joined.status_code == 200
        page = client.get("/b/demo/program").text
        assert "Demo ART" in page
        # The page's loader names the CDN's htmx with its SRI hash and our vendored copy as the fallback:
        # the copy is served and is byte for byte the file that hash names.
        listed = re.search(r'<script src="/static/htmx-loader\.\w+\.js" data-scripts="([^"]+)"', page)
        assert listed, "the page loads htmx through static/htmx-loader.js"
        pinned = [(s["integrity"], s["local"]) for s in json.loads(html.unescape(listed.group(1)))]
        assert any("/vendor/htmx-" in fallback for _, fallback in pinned)
        for integrity, fallback in pinned:
            copy = client.get(fallback)
            assert copy.status_code == 200, fallback
            assert sri(copy.content) == integrity, fallback
        local = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
        assert any(re.fullmatch(r"/static/board-pages\.\w+\.css", path) for path in local)
        for path in local:
            assert client.get(path).status_code == 200, path


def test_db_upgrade_export_and_import_of_the_installed_command(installed: Installed, tmp_path: Path) -> None:
    env = clean_env(PIBOARD_DATA_DIR=str(tmp_path / "data"))

    def piboard(*args: str) -> subprocess.CompletedProcess[str]:
        command = [installed.bin("piboard"), *args]
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    assert "up to date" in piboard("db", "upgrade").stdout
    assert (tmp_path / "data" / "piboard.db").is_file()
    made = re.search(r"Board (\S+) created", piboard("demo", "--name", "Train A").stdout)
    assert made is not None
    piboard("export", made.group(1), "--output", "a.json")
    exported = json.loads((tmp_path / "a.json").read_text())
    assert exported["meta"]["name"] == "Train A"
    imported = re.search(r"Board (\S+) imported", piboard("import", "a.json").stderr)
    assert imported is not None and imported.group(1) != made.group(1)
    piboard("export", imported.group(1), "--output", "b.json")
    again = json.loads((tmp_path / "b.json").read_text())
    for section in ("teams", "features", "stories", "dependencies", "risks"):
        assert len(again[section]) == len(exported[section]) > 0, section
    assert sorted(f["title"] for f in again["features"]) == sorted(f["title"] for f in exported["features"])

"""Where the templates, static files and migrations are, in a wheel and in an editable checkout alike.

The repository keeps them in top-level folders; the build maps each into the ``server`` package
(``templates/`` → ``server.templates``, see pyproject.toml), so they are found through the installed
package, never relative to the current directory or to this file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

Folder = Literal["templates", "static", "migrations"]


def package_folder(name: Folder) -> Path:
    """The folder on disk (Jinja2, Starlette's StaticFiles and Alembic need a real directory)."""
    folder = Path(str(files(f"server.{name}")))
    if not folder.is_dir():
        raise RuntimeError(f"piboard's {name} folder is missing ({folder}): reinstall piboard")
    return folder

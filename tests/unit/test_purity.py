"""board/ is the pure domain: no web framework, no database, no file, network or clock of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOARD = Path(__file__).resolve().parents[2] / "board"
# Every module of the domain, also those of its packages (board/ops/).
MODULES = sorted(BOARD.rglob("*.py"))

FORBIDDEN_MODULES = {
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "websockets",
    "uvicorn",
    "jinja2",
    "typer",
    "itsdangerous",
    "socket",
    "ssl",
    "sqlite3",
    "psycopg",
    "psycopg2",
    "os",
    "pathlib",
    "io",
    "shutil",
    "tempfile",
    "glob",
    "subprocess",
    "asyncio",
    "threading",
    "multiprocessing",
    "requests",
    "urllib",
    "http",
    "time",
    "logging",
    "pickle",
    "importlib",
    "server",
}
FORBIDDEN_CALLS = {"open", "exec", "eval", "compile", "input", "print", "__import__", "breakpoint"}
# The clock comes in through Context.now; the domain never reads it by itself.
FORBIDDEN_ATTRIBUTE_CALLS = {"now", "today", "utcnow", "time", "monotonic", "urandom", "uuid4", "uuid1"}


def test_the_domain_has_modules() -> None:
    found = {m.relative_to(BOARD).as_posix() for m in MODULES}
    assert {"model.py", "ops/core.py", "capacity.py", "dependencies.py", "public.py"} <= found


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(BOARD).as_posix())
def test_no_io_or_framework_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    assert _imports(tree) & FORBIDDEN_MODULES == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(BOARD).as_posix())
def test_no_io_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            bad.append(f"{node.func.id}() at line {node.lineno}")
        if isinstance(node.func, ast.Attribute) and node.func.attr in FORBIDDEN_ATTRIBUTE_CALLS:
            bad.append(f".{node.func.attr}() at line {node.lineno}")
    assert bad == []


def test_the_checks_can_fail() -> None:
    tree = ast.parse("import os\nfrom sqlmodel import Session\nimport fastapi.routing\n")
    assert _imports(tree) >= {"os", "sqlmodel", "fastapi"}

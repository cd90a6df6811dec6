"""The layout as a test: which wing may import which, no import circle, and rooms of a readable size.

The wings, from the bottom up (docs/architecture.md draws them):

- ``board`` — the domain: the plan and its rules, no I/O (tests/unit/test_purity.py).
- the base of ``server`` — settings, errors, the clock, the version, where packaged files are.
- ``server.store`` — how a board is stored: tables, the op path, the reading side, backups, auth.
- ``server.pages`` — what a screen shows: view-models, templating, the live fragment renderer.
- ``server.transfer`` — files in and out: exports and imports (the report prints a page).
- ``server.live`` — how an edit travels: hub, protocol, presence, bridges between processes.
- ``server.watch`` — time and the outside world: the execution clock, webhooks, the trackers' sync
  (which maps a tracker's issues with the Jira import's own mapping, so it may import ``server.transfer``).
- ``server.doors`` — how requests come in: routers, dependencies, parsing, limits, middleware.
- ``server.app`` and ``server.cli`` — the two ways to start piboard; they wire everything.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a circle that only
type-checking closes is still a circle for the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = "server.base"
# What each wing may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "board": set(),
    BASE: {"board"},
    "server.store": {"board", BASE},
    "server.pages": {"board", BASE},
    "server.transfer": {"board", BASE, "server.store", "server.pages"},
    "server.live": {"board", BASE, "server.store", "server.pages"},
    "server.watch": {"board", BASE, "server.store", "server.live", "server.transfer"},
    "server.doors": {
        "board",
        BASE,
        "server.store",
        "server.pages",
        "server.transfer",
        "server.live",
        "server.watch",
    },
    "server.app": set(),
    "server.cli": set(),
}
TOP = {"server.app", "server.cli"}  # the entry points import anything
MAX_LINES = 600
MAX_SERVER_MODULES = 12


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("board", "server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def wing_of(module: str) -> str:
    """The wing a module (or an imported name's module) belongs to."""
    parts = module.split(".")
    if parts[0] == "board":
        return "board"
    if len(parts) == 1:
        return BASE
    if f"server.{parts[1]}" in ALLOWED:
        return f"server.{parts[1]}"
    return BASE


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if MODULES[module].name != "__init__.py":
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports_of(module: str, source: str) -> Iterator[str]:
    """The project modules that ``source`` imports, each named as precisely as it is known."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                yield name


def _graph() -> dict[str, set[str]]:
    return {m: set(imports_of(m, p.read_text())) for m, p in MODULES.items()}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in graph.items():
        wing = wing_of(module)
        if wing in TOP:
            continue
        for target in sorted(targets):
            other = wing_of(target)
            if other != wing and other not in ALLOWED[wing]:
                bad.append(f"{module} ({wing}) imports {target} ({other})")
    return bad


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan's algorithm).

    A package's ``__init__`` that re-exports its own modules is left out: importing a name through
    the package is how its surface is meant to be used, not a circle between rooms."""
    edges = {m: {t for t in ts if not (t in graph and m.startswith(t + "."))} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def test_every_module_belongs_to_a_known_wing() -> None:
    assert {wing_of(m) for m in MODULES} <= set(ALLOWED)


def test_no_import_runs_upward() -> None:
    assert upward_imports(_graph()) == []


def test_no_import_circle() -> None:
    assert circles(_graph()) == []


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_no_room_over_600_lines(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_the_server_keeps_few_modules_at_its_top() -> None:
    top = sorted(p.name for p in (ROOT / "server").glob("*.py"))
    assert len(top) <= MAX_SERVER_MODULES, top


def test_the_checks_can_fail() -> None:
    graph = {
        "server.store.db": {"server.doors.deps"},
        "server.doors.deps": {"server.store.db"},
    }
    upward = "server.store.db (server.store) imports server.doors.deps (server.doors)"
    assert upward_imports(graph) == [upward]
    assert circles(graph) == [["server.doors.deps", "server.store.db"]]
    assert wing_of("server.settings") == BASE
    tree_imports = set(imports_of("server.pages.team", "from ..store import db\nfrom . import common\n"))
    assert tree_imports == {"server.store.db", "server.pages.common"}

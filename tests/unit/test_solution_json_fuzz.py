"""A solution's file with one value anywhere replaced by a value of another kind: refused with its
problems (FileRefused), never an error of another kind, by the checks an import runs before it writes
anything (read_solution_json, then each train's import ops applied in memory). Seeded: the same cases
every run."""

from __future__ import annotations

import copy
import functools
import json
import random
from typing import Any

import pytest

from server.transfer.board_json import export_board
from server.transfer.common import FileRefused
from server.transfer.solution_json import SCHEMA, VERSION
from server.transfer.solution_json_read import check_train_imports, fixed_ids, read_solution_json
from tests.exports.exports_boards import rich_board

JUNK: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**70,
    1.5,
    "",
    "x" * 5000,
    "a\u0007b",
    "\ud800",
    [],
    {},
    [1],
    {"a": []},
    "1",
    "TRAIN-A/x",
]


@functools.cache
def solution_doc() -> dict[str, Any]:
    board = export_board(rich_board(), exported_at="2027-01-01T00:00:00+00:00")
    feature = board["features"][0]["id"]
    objective = board["objectives"][0]["id"]
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "exported_at": "2027-01-01T00:00:00+00:00",
        "solution": {"id": "s1", "name": "Payments", "pi_name": "PI 1"},
        "cadence": {"agreed": True},
        "trains": [
            {
                "board_id": "TRAIN-A",
                "name": "A",
                "joined_by": "Rita",
                "joined_at": None,
                "agrees": True,
                "disagreements": [],
                "board": board,
            },
            {"board_id": "TRAIN-B", "name": "B", "joined_by": "Rob", "board": copy.deepcopy(board)},
        ],
        "capabilities": [
            {
                "id": "c1",
                "title": "Instant",
                "description": "",
                "created_by": "Mia",
                "features": [{"board_id": "TRAIN-A", "feature_id": feature, "progress": "planned"}],
            },
        ],
        "links": [{"id": "l1", "kind": "ste", "label": "STE", "created_at": None}],
        "objectives": [
            {
                "id": "o1",
                "title": "Pay",
                "draws_from": [f"TRAIN-A/{objective}"],
                "committed": True,
                "planned_bv": 8,
                "actual_bv": None,
                "created_by": "Mia",
            }
        ],
        "risks": [
            {
                "id": "r1",
                "title": "Late",
                "description": "",
                "roam": "owned",
                "owner": "Dia",
                "raised_by": "X",
            }
        ],
        "vote": {"rounds": []},
    }


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document: each value's path (containers too)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(leaves(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(leaves(item, (*path, index)))
    return found


def checked(doc: dict[str, Any]) -> None:
    read = read_solution_json(json.dumps(doc).encode())
    check_train_imports(read, fixed_ids(read, [f"new{n}" for n in range(len(read.capabilities))]))


def test_the_document_itself_passes() -> None:
    checked(copy.deepcopy(solution_doc()))


@pytest.mark.parametrize("seed", range(6))
def test_any_value_of_another_kind_is_refused_or_taken_never_an_error(seed: int) -> None:
    base = solution_doc()
    places = leaves(base)[1:]
    rng = random.Random(seed)
    for _ in range(25):
        doc = copy.deepcopy(base)
        path = rng.choice(places)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = rng.choice(JUNK)
        try:
            checked(doc)
        except FileRefused as exc:
            assert exc.problems, path

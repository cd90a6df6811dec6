"""The Rocket ART of the browser tests (tests/e2e/conftest.build_plan), run into its PI.

Comet's Checkout v2 (I3) needs Atlas's Payments API (story pay1, I2) by I3; iterations run
2026-02-01…14, 03-01…14, 04-01…14, 05-01…14 and the IP iteration 06-01…14.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.conftest import build_plan

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
SVG_NS = "{http://www.w3.org/2000/svg}"


def rte_op(board: BoardHandle, type: str, target: str | None = None, **args: Any) -> None:
    """An op as the RTE over REST, on the target's current version; it must be applied."""
    body: dict[str, Any] = {"args": args}
    if target:
        kind = "meta" if type.startswith("board.") else type.split(".")[0]
        body.update(target=target, base_version=board.read()["items"][kind][target]["version"])
    r = board.op(board.rte_session, type, **body)
    assert r.status_code == 200, r.text


def rocket(server: LiveServer, *, comet_objective: bool = True, running: bool = True) -> BoardHandle:
    """The Rocket ART, its dependency answered; with Comet's objective on Checkout v2; baselined and its
    PI running."""
    board = create_board(server, name="Rocket ART")
    build_plan(board)
    rte_op(board, "dependency.accept", "dep1")  # Atlas has answered Comet's request: committed
    if comet_objective:
        statement = "Checkout v2 live in 2 shops by I3"
        rte_op(
            board,
            "objective.create",
            id="obj-co",
            team_id="comet",
            statement=statement,
            feature_ids=["checkout"],
        )
    if running:
        rte_op(board, "plan.lock")
        rte_op(board, "baseline.take")
        rte_op(board, "execution.start")
    return board


def charts(html: str) -> dict[str, ET.Element]:
    """The server-drawn SVG charts of a page, parsed, by their ``data-chart``."""
    found = {}
    for svg in SVG.findall(html):
        root = ET.fromstring(svg)
        found.setdefault(root.get("data-chart", ""), root)
    return found

"""Helpers for the meeting's pages in a real browser: who sees what, and every websocket frame received."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, WebSocket

from tests.conftest import BoardHandle


@dataclass
class FrameLog:
    """Every websocket frame a page received, in order (Playwright's ``framereceived``)."""

    frames: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> FrameLog:
        def on_socket(ws: WebSocket) -> None:
            ws.on("framereceived", self._record)

        page.on("websocket", on_socket)
        return self

    def _record(self, payload: Any) -> None:
        if isinstance(payload, dict):  # older drivers hand over {"payload": ...}
            payload = payload.get("payload", "")
        self.frames.append(payload.decode() if isinstance(payload, bytes) else str(payload))

    def mark(self) -> int:
        return len(self.frames)


def leaked_ballot_values(frame: str, secret_words: list[str]) -> list[str]:
    """Where one frame gives away a vote: a tally, a ballot's value or reason, a cast op's args."""
    leaks = [marker for marker in ("data-tally", "data-average", "distribution") if marker in frame]
    leaks += [word for word in secret_words if word in frame]
    try:
        data = json.loads(frame)
    except ValueError:
        return leaks
    for obj in _walk(data):
        if obj.get("kind") == "ballot":
            for side in ("before", "after"):
                ballot = obj.get(side) or {}
                if ballot.get("value") is not None or ballot.get("reason"):
                    leaks.append(f"ballot {side}: {ballot}")
        if obj.get("type") == "vote.cast" and any(v is not None for v in (obj.get("args") or {}).values()):
            leaks.append(f"cast op args: {obj['args']}")
        if obj.get("round_id") and obj.get("value") is not None:
            leaks.append(f"ballot item: {obj}")
    return leaks


def _walk(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        found.append(data)
        for value in data.values():
            found += _walk(value)
    elif isinstance(data, list):
        for value in data:
            found += _walk(value)
    return found


def goto(page: Page, board: BoardHandle, view: str) -> Page:
    page.goto(f"{board.server.url}/b/{board.id}/{view}")
    page.wait_for_selector("#main")
    return page


def wait_live(page: Page) -> None:
    """Wait until the page's live socket is connected (base.html's status shows it)."""
    page.wait_for_selector("#conn-status[data-state='live']", timeout=10_000)


def items(board: BoardHandle, kind: str) -> dict[str, dict[str, Any]]:
    return dict(board.read()["items"][kind])


def forced_op(page: Page, board: BoardHandle, **fields: str) -> tuple[int, str]:
    """Send, from this person's page, an op whose control their role is not shown (as a tampered page
    would): the form door must refuse it. Returns the answer's status and text."""
    answer: dict[str, Any] = page.evaluate(
        """async ([url, fields]) => {
            const r = await fetch(url, {method: "POST", body: new URLSearchParams(fields)});
            return {status: r.status, text: await r.text()};
        }""",
        [f"/b/{board.id}/ops", fields],
    )
    return int(answer["status"]), str(answer["text"])

"""What a JSON-mode client holds of a board, checked frame by frame: every event once, in seq order."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.live.client import LiveClient, apply_changes


@dataclass
class Mirror:
    """A client's copy of the board, rebuilt from the frames of one or more connections."""

    name: str
    seq: int = -1
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[int] = field(default_factory=list)
    resets: int = 0
    _consumed: dict[int, int] = field(default_factory=dict)  # id(client) -> frames already absorbed

    def absorb(self, client: LiveClient) -> None:
        start = self._consumed.get(id(client), 0)
        for frame in client.frames[start:]:
            if frame["type"] == "reset":
                self.resets += 1
                self.seq = frame["seq"]
                self.items = copy.deepcopy(frame["items"])
            elif frame["type"] == "event":
                assert self.seq >= 0, f"{self.name}: an event before any state"
                assert frame["seq"] == self.seq + 1, (
                    f"{self.name}: event {frame['seq']} after {self.seq} (gap, repeat or disorder)"
                )
                apply_changes(self.items, frame["changes"])
                self.seq = frame["seq"]
                self.seen.append(frame["seq"])
        self._consumed[id(client)] = len(client.frames)

    def view(self) -> dict[str, dict[str, Any]]:
        """Items without empty kinds, to compare with the server's answer."""
        return {kind: by_id for kind, by_id in self.items.items() if by_id}


def server_view(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {kind: by_id for kind, by_id in board["items"].items() if by_id}

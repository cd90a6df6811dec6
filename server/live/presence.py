"""Presence: who is connected to a board now, on this process and (on PostgreSQL) the others.

One entry per participant, view and device (two tabs on one view are one entry). When someone comes,
goes or says they are remote, every welcomed screen of the board is told, once the list has been
still for a moment (or, while people keep coming, every ``PRESENCE_MAX_WAIT_SECONDS``): when a whole
room arrives at once, each screen gets one or two frames, not one per arrival. A screen that has the
list gets only what changed (``presence_change``: one arrival in a room of 500 is a few hundred bytes
to each screen, not the 70 KB list); a screen new since the last frame gets the whole list. This
process's own list goes to ``on_local`` when it changes (the presence bridge,
server/live/presence_bridge.py, stores it for the other processes and hands theirs back
through :meth:`Presence.set_others`). Presence is not persisted and is not an op.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from server.live.connection import Connection
from server.live.protocol import presence_change_frame, presence_frame

PRESENCE_DEBOUNCE_SECONDS = 0.3  # how long the list must be still before it goes out
# ... at the latest this long after its first change. Each frame goes to every screen and lists up to
# 500 people: one per arrival made a storm of N screens cost N² entries (issue 27).
PRESENCE_MAX_WAIT_SECONDS = 2.0
PRESENCE_MAX_PEOPLE = 500  # the list is capped; ``count`` still says how many are connected

Person = dict[str, Any]


def person_key(person: Person) -> str:
    """An entry's name in presence frames: the same on every process, and not the participant's id
    (which frames never show)."""
    entry = "\0".join((person["id"], person["view"], person["device"]))
    return hashlib.sha256(entry.encode()).hexdigest()[:16]


def listed_people(people: list[Person]) -> dict[str, Person]:
    """The entries a presence frame lists, by key, in the order pages show them (at most
    ``PRESENCE_MAX_PEOPLE``)."""
    listed = sorted(people, key=lambda p: (p["name"].lower(), p["view"], p["device"]))[:PRESENCE_MAX_PEOPLE]
    entries = ({"key": person_key(p), **{k: v for k, v in p.items() if k != "id"}} for p in listed)
    return {entry["key"]: entry for entry in entries}


def list_changes(before: dict[str, Person], after: dict[str, Person]) -> tuple[list[Person], list[str]]:
    """From one listed set to the next: the entries added or changed, and the keys of those gone."""
    added = [p for key, p in after.items() if before.get(key) != p]
    return added, [key for key in before if key not in after]


class Served(Protocol):
    """A board served here (the hub's channel): its connections on this process."""

    connections: set[Connection]


class Presence:
    def __init__(self, served: Mapping[str, Served]) -> None:
        self.served = served
        # Who is connected to the other processes, per board, and where this process's own list goes
        # when it changes.
        self.others: dict[str, list[Person]] = {}
        self.on_local: Callable[[str, list[Person]], None] | None = None
        self._published: dict[str, list[Person]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        # Per board with a frame due: when its list first changed, and when it last did.
        self._changes: dict[str, tuple[float, float]] = {}
        # Frames queued per board, summed over its screens (tests/live/test_arrival.py counts them).
        self.frames_sent = 0
        # Per board: the list its screens were last told, and the screens told it (those get only what
        # changed since).
        self._told: dict[str, tuple[dict[str, Person], set[Connection]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def close(self) -> None:
        for board_id in list(self._timers):
            self.forget(board_id)
        self._loop = None

    def changed(self, board_id: str) -> None:
        """Someone came, went or changed: tell the board's screens once the list is still (once for a
        burst, however long it lasts, but at least every ``PRESENCE_MAX_WAIT_SECONDS``)."""
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        first, _ = self._changes.get(board_id, (now, now))
        self._changes[board_id] = (first, now)
        if board_id not in self._timers:
            self._timers[board_id] = loop.call_at(now + PRESENCE_DEBOUNCE_SECONDS, self._due, board_id)

    def _due(self, board_id: str) -> None:
        """The timer of a board's frame: send it if the list has been still, or waited long enough;
        else look again when it will have been still that long."""
        self._timers.pop(board_id, None)
        loop = self._loop
        first, last = self._changes.get(board_id, (0.0, 0.0))
        if loop is not None:
            at = min(last + PRESENCE_DEBOUNCE_SECONDS, first + PRESENCE_MAX_WAIT_SECONDS)
            if at > loop.time():
                self._timers[board_id] = loop.call_at(at, self._due, board_id)
                return
        self._changes.pop(board_id, None)
        self._send(board_id)

    def forget(self, board_id: str) -> None:
        """The board's channel is gone: nothing more to tell its screens."""
        self._changes.pop(board_id, None)
        self._told.pop(board_id, None)
        timer = self._timers.pop(board_id, None)
        if timer is not None:
            timer.cancel()

    def left_empty(self, board_id: str) -> None:
        """The last connection of the board here left: tell the other processes (no frame goes out)."""
        if self._published.pop(board_id, None) and self.on_local is not None:
            self.on_local(board_id, [])

    def connections_of(self, board_id: str) -> set[Connection]:
        board = self.served.get(board_id)
        return board.connections if board is not None else set()

    def local(self, board_id: str) -> list[Person]:
        """Who is connected to this process, one entry per participant, view and device."""
        people: dict[tuple[str, str, str], Person] = {}
        for conn in self.connections_of(board_id):
            if not conn.welcomed:
                continue
            a = conn.actor
            people[(a.id, conn.view, conn.device)] = {
                "id": a.id,
                "name": a.name,
                "role": a.role.value,
                "team_id": a.team_id,
                "view": conn.view,
                "device": conn.device,
                "remote": conn.remote,
            }
        return sorted(people.values(), key=lambda p: (p["id"], p["view"], p["device"]))

    def people_here(self, board_id: str) -> list[Person]:
        """Everyone connected to the board, on this process and (on PostgreSQL) the others: one entry
        per participant, view and device, with the participant's id."""
        everyone = [*self.others.get(board_id, []), *self.local(board_id)]
        people = {(p["id"], p["view"], p["device"]): p for p in everyone}
        return list(people.values())

    def listed(self, board_id: str) -> tuple[int, dict[str, Person]]:
        """How many participants are connected to the board, and the entries a frame lists."""
        people = self.people_here(board_id)
        return len({p["id"] for p in people}), listed_people(people)

    def set_remote(self, board_id: str, participant_id: str, remote: bool) -> None:
        """A participant said they are in the room or remote: their open pages' presence says so."""
        mine = [c for c in self.connections_of(board_id) if c.actor.id == participant_id]
        for conn in mine:
            conn.remote = remote
        if mine:
            self.changed(board_id)

    def set_others(self, board_id: str, people: list[Person]) -> None:
        """The other processes' list for a board changed (on the event loop's thread)."""
        if self.others.get(board_id, []) == people:
            return
        self.others[board_id] = people
        if board_id in self.served:
            self.changed(board_id)

    def _send(self, board_id: str) -> None:
        self._timers.pop(board_id, None)
        local = self.local(board_id)
        if self.on_local is not None and self._published.get(board_id) != local:
            self._published[board_id] = local
            self.on_local(board_id, local)
        count, listed = self.listed(board_id)
        told_list, told = self._told.get(board_id, ({}, set()))
        # Sent even when the list is back where it was (someone came and went within the moment): a
        # page that fetched the list meanwhile (the RTE's People panel does, on every frame) may show
        # the visitor, and only a frame makes it fetch again.
        change = presence_change_frame(count, *list_changes(told_list, listed))
        whole = ""
        now_told: set[Connection] = set()
        for conn in list(self.connections_of(board_id)):
            if not conn.welcomed:
                continue
            now_told.add(conn)
            if conn in told:
                frame = change
            else:
                whole = whole or presence_frame(count, list(listed.values()))
                frame = whole
            conn.send(frame)
            self.frames_sent += 1
        self._told[board_id] = (listed, now_told)

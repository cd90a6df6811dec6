"""Who is where, for the RTE: each person online, in the room or remote, and in which breakout.

Presence (server/live/presence.py) lists one entry per participant, view and device. A person with three tabs
is one person here: remote if they said so, in the breakout of the team page they have open (the
first, by team name), or else of their own team, the table they belong to during breakouts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from board.model import BoardState, Role, Team

# The pages of a board as a person would name them (a view is ``name`` or ``name:argument``).
PAGE_NAMES = {
    "program": "program board",
    "team": "team page",
    "screen": "big screen",
    "objectives": "objectives",
    "risks": "risks",
    "vote": "vote",
    "agenda": "agenda",
    "admin": "admin",
    "sync": "ART sync",
    "history": "history",
}


@dataclass(frozen=True)
class Whereabouts:
    name: str
    role: Role
    remote: bool
    breakout: Team | None  # the team whose breakout they are in (None: not in one)
    pages: tuple[str, ...]  # what they have open, as PAGE_NAMES says


@dataclass(frozen=True)
class Breakout:
    team: Team | None  # None: everyone online who is in no team's breakout
    people: list[Whereabouts]

    @property
    def remote(self) -> int:
        return sum(1 for p in self.people if p.remote)


def whereabouts(entries: Iterable[Mapping[str, Any]], teams: Mapping[str, Team]) -> list[Whereabouts]:
    """One line per person online (``entries`` as ``Hub.people_here`` gives them), by name."""
    by_person: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        by_person.setdefault(str(entry["id"]), []).append(entry)
    people = [_one_person(mine, teams) for mine in by_person.values()]
    return sorted(people, key=lambda p: (p.name.casefold(), p.role.value))


def _one_person(entries: list[Mapping[str, Any]], teams: Mapping[str, Team]) -> Whereabouts:
    views = [str(e["view"]).partition(":") for e in entries]
    on_team_pages = sorted(
        (teams[arg] for name, _, arg in views if name == "team" and arg in teams), key=_by_name
    )
    own = teams.get(str(entries[0].get("team_id") or ""))
    pages = sorted({PAGE_NAMES.get(name, name) for name, _, _ in views})
    return Whereabouts(
        name=str(entries[0]["name"]),
        role=Role(entries[0]["role"]),
        remote=any(bool(e.get("remote")) for e in entries),
        breakout=on_team_pages[0] if on_team_pages else own,
        pages=tuple(pages),
    )


def _by_name(team: Team) -> str:
    return team.name.casefold()


def breakouts(people: list[Whereabouts], teams: Iterable[Team]) -> list[Breakout]:
    """The people online by breakout, in the teams' order, then those in none; empty ones left out."""
    groups = [
        Breakout(team, [p for p in people if p.breakout is not None and p.breakout.id == team.id])
        for team in teams
    ]
    groups.append(Breakout(None, [p for p in people if p.breakout is None]))
    return [g for g in groups if g.people]


def including(here: list[dict[str, Any]], viewer: dict[str, Any]) -> list[dict[str, Any]]:
    """``here`` with the viewer in it: whoever asks is online, even before their page's socket is."""
    return here if any(p["id"] == viewer["id"] for p in here) else [*here, viewer]


def _in(person: Whereabouts, team: Team) -> bool:
    return person.breakout is not None and person.breakout.id == team.id


def online_context(state: BoardState, here: list[dict[str, Any]]) -> dict[str, Any]:
    """What the templates of who is online read (``here``: ``Hub.people_here``)."""
    online = whereabouts(here, state.of(Team))
    return {
        "board_id": state.board_id,
        "online": online,
        "breakouts": breakouts(online, state.teams),
        "remote_count": sum(1 for p in online if p.remote),
    }

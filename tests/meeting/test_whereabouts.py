"""Who is where, from presence entries: one line per person, remote if they said so, in the breakout of
the team page they have open or else of their own team."""

from __future__ import annotations

from typing import Any

from board.model import Role, Team
from server.pages.whereabouts import breakouts, whereabouts

TEAMS = {"t1": Team("t1", name="Checkout"), "t2": Team("t2", name="Atlas")}


def entry(
    pid: str, name: str, role: str, view: str, team_id: str | None = None, **more: Any
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "role": role,
        "team_id": team_id,
        "view": view,
        "device": "browser",
        **more,
    }


def test_one_line_per_person_in_the_breakout_of_the_team_page_they_have_open() -> None:
    entries = [
        entry("p1", "Rémy", "team", "program", "t2", remote=True),
        entry("p1", "Rémy", "team", "team:t1", "t2", remote=True),
        entry("p2", "Ada", "architect", "team:t2"),
        entry("p3", "Tom", "team", "risks", "t1"),  # their own team's table during breakouts
        entry("p4", "Rita", "rte", "admin"),
        entry("p5", "Old", "architect", "team:gone"),  # a removed team's page: no breakout
    ]
    people = whereabouts(entries, TEAMS)
    assert [(p.name, p.remote, p.breakout.name if p.breakout else None) for p in people] == [
        ("Ada", False, "Atlas"),
        ("Old", False, None),
        ("Rita", False, None),
        ("Rémy", True, "Checkout"),
        ("Tom", False, "Checkout"),
    ]
    assert people[3].pages == ("program board", "team page") and people[3].role == Role.TEAM

    groups = breakouts(people, [TEAMS["t1"], TEAMS["t2"]])
    assert [(g.team.name if g.team else None, [p.name for p in g.people], g.remote) for g in groups] == [
        ("Checkout", ["Rémy", "Tom"], 1),
        ("Atlas", ["Ada"], 0),
        (None, ["Old", "Rita"], 0),
    ]


def test_nobody_online_is_no_breakout_at_all() -> None:
    assert breakouts(whereabouts([], TEAMS), TEAMS.values()) == []

"""Every op a person performs has a control on a page, for a role that may use it.

The ops are the role table's (``board.ops.OP_TYPES``, every one of which ``board.roles.PERMISSIONS``
governs). The board is taken through the states that reveal controls (a plan open with a help request
and an accepted dependency; the plan locked with the timer paused; a baseline taken), every page and
the fragments pages open (an item's history, Admin's people) are fetched as every kind of participant,
and the controls found in the HTML (``tests.e2e.controls.controls_on``, the editors' forms included)
are kept where the viewer's role may send their op. Only the exceptions below, each with its reason,
need no control.
"""

from __future__ import annotations

from board import Actor
from board.ops import OP_TYPES
from board.roles import PERMISSIONS, may
from tests.conftest import BoardHandle, LiveServer
from tests.e2e.controls import PAGES, a_board_with_everything, controls_on, sessions

# Ops no person sends from a page: only programs (the REST API, the socket), imports or the clock do.
NO_CONTROL = {
    "story.move": "programs only: people re-plan a story with its editor's Iteration and Team (story.update "
    "on the team page); the REST API and the socket take story.move",
    # No person at all: the solution writes a train's side of a cross-train dependency from the other's.
    "crosstrain.mirror": "the solution only (board.roles.SOLUTION_OPS)",
    "crosstrain.answer": "the solution only (board.roles.SOLUTION_OPS)",
}

# Ops a person sends through a door of its own rather than the op form: (page, what its control posts to).
OWN_DOORS = {
    "board.create": ("", 'action="/boards"'),  # the home page's "Create the board"; the maker is its RTE
    "vote.merge_voter": ("admin/people", '/merge"'),  # Admin → People → Merge (one person, one vote)
}

# What pages open inside themselves, fetched as they are: an item's History (with Undo), Admin's people.
FRAGMENTS = ("history", "activity/feature?target=payapi", "activity/story?target=pay1", "admin/people")


def controls_found(board: BoardHandle, who_sessions: dict[tuple[str, str | None], str]) -> set[str]:
    """The op types some participant finds a control for, on a page, while their role may send it."""
    services = board.server.services
    locked = services.op_path.state(board.id).meta.locked
    found: set[str] = set()
    for session in who_sessions.values():
        actor: Actor = services.auth.actor(board.id, session)
        with board.server.client(session) as c:
            for page in (*PAGES, *FRAGMENTS):
                r = c.get(f"/b/{board.id}/{page}")
                if r.status_code != 200:
                    continue
                found |= {
                    ctl.op_type
                    for ctl in controls_on(r.text, with_editors=True)
                    if may(actor, ctl.op_type, locked=locked)
                }
                for op_type, (door_page, posts_to) in OWN_DOORS.items():
                    if page == door_page and posts_to in r.text and may(actor, op_type):
                        found.add(op_type)
    return found


def home_page_makes_boards(server: LiveServer) -> bool:
    with server.client() as c:
        return OWN_DOORS["board.create"][1] in c.get("/").text


def test_every_op_a_person_performs_has_a_control_for_a_role_that_may_use_it(e2e_server: LiveServer) -> None:
    assert set(PERMISSIONS) == OP_TYPES  # the role table governs every op there is
    board = a_board_with_everything(e2e_server)
    rte = board.rte_session
    who = sessions(board)
    atlas = who[("team", "atlas")]
    # A plan being made: an empty team (removable), a help request, an answered dependency, a second
    # person of the same name on Admin's people (merge).
    assert board.op(rte, "team.create", args={"name": "Drift", "color": "#777777"}).status_code == 200
    assert board.op(atlas, "help.ask", args={"needs": "pm", "note": "a feature"}).status_code == 200
    dep = board.read()["items"]["dependency"]["dep1"]
    assert board.op(atlas, "dependency.accept", target="dep1", base_version=dep["version"]).status_code == 200
    board.join("pm", "pm")
    found = controls_found(board, who)
    # The final plan review: the plan locked, the timer paused.
    assert board.op(rte, "timer.pause").status_code == 200
    assert board.op(rte, "plan.lock").status_code == 200
    found |= controls_found(board, who)
    # After planning: the baseline taken, the plan unlocked again.
    assert board.op(rte, "plan.unlock").status_code == 200
    assert board.op(rte, "baseline.take").status_code == 200
    found |= controls_found(board, who)
    if home_page_makes_boards(e2e_server):
        found.add("board.create")

    missing = sorted(OP_TYPES - found - set(NO_CONTROL))
    assert missing == [], f"ops people perform with no control on any page: {missing}"
    # An exception that a page now offers is no exception: take it off the list.
    assert found & set(NO_CONTROL) == set()

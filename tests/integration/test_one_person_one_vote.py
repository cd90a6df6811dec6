"""F4: one person, one vote.

The probe's steps: joining twice with one team link made two participants, and that one person's
two ballots were both counted in a confidence vote. Now the same browser returns to the same
participant, and the RTE sees duplicate names on the admin page and merges (or removes) them, after
which the person's ballots count once.
"""

from __future__ import annotations

import httpx

from tests.conftest import BoardHandle

FORM = {"content-type": "application/x-www-form-urlencoded"}


def team_link(board: BoardHandle) -> tuple[str, str]:
    """A team and a join link for it: (team id, token)."""
    team = board.op(board.rte_session, "team.create", args={"name": "Alpha"}).json()["changes"][0]["id"]
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": "team", "team_id": team}).json()
    return team, made["join_url"].rsplit("/", 1)[1]


def browser_joins(browser: httpx.Client, token: str, name: str) -> httpx.Response:
    return browser.post(
        f"/join/{token}", content=f"name={name}".encode(), headers=FORM, follow_redirects=False
    )


def participant_of(board: BoardHandle, browser: httpx.Client) -> str:
    session = browser.cookies.get(f"pb_{board.id}")
    return str(board.server.services.auth.actor(board.id, session).id)


def ballots(board: BoardHandle) -> int:
    return len(board.read()["items"].get("ballot", {}))


def admin(board: BoardHandle) -> httpx.Client:
    client = board.server.client()
    client.cookies.set(f"pb_{board.id}", board.rte_session)
    return client


def test_the_same_browser_with_the_same_link_is_the_same_participant(board: BoardHandle) -> None:
    _, token = team_link(board)
    with board.server.client() as laptop, board.server.client() as phone:
        assert browser_joins(laptop, token, "Tess").status_code == 303
        first = participant_of(board, laptop)
        assert browser_joins(laptop, token, "Tess").status_code == 303
        assert participant_of(board, laptop) == first
        # Opening the link again from that browser goes straight to the board, as the same person.
        again = laptop.get(f"/join/{token}", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].startswith(f"/b/{board.id}/team/")
        # Another browser is another participant (until the RTE merges them).
        assert browser_joins(phone, token, "Tess").status_code == 303
        assert participant_of(board, phone) != first


def test_duplicates_are_shown_and_merging_counts_one_ballot(board: BoardHandle) -> None:
    _, token = team_link(board)
    vote = board.op(board.rte_session, "vote.open", args={}).json()["changes"]
    round_id = next(c["id"] for c in vote if c["kind"] == "vote")
    with board.server.client() as laptop, board.server.client() as phone, admin(board) as rte:
        browser_joins(laptop, token, "Tess")
        browser_joins(phone, token, " tess ")
        kept, twin = participant_of(board, laptop), participant_of(board, phone)
        for browser in (laptop, phone):
            r = browser.post(
                f"/b/{board.id}/ops", data={"type": "vote.cast", "target": round_id, "args.value": "5"}
            )
            assert r.status_code == 204, r.text
        assert ballots(board) == 2, "the probe's finding: one person, two ballots"

        panel = rte.get(f"/b/{board.id}/admin/people")
        assert panel.status_code == 200
        assert "1 name joined more than once" in panel.text
        assert panel.text.count('class="duplicate"') == 2

        merged = rte.post(f"/b/{board.id}/admin/people/{twin}/merge", data={"into": kept})
        assert merged.status_code == 200, merged.text
        assert "joined more than once" not in merged.text
        assert ballots(board) == 1
        # The phone is that person now: its vote changes the one ballot, it does not add one.
        assert participant_of(board, phone) == kept
        r = phone.post(
            f"/b/{board.id}/ops", data={"type": "vote.cast", "target": round_id, "args.value": "2"}
        )
        assert r.status_code == 204
        assert ballots(board) == 1


def test_a_removed_participant_loses_access_and_its_ballot(board: BoardHandle) -> None:
    _, token = team_link(board)
    round_id = next(
        c["id"]
        for c in board.op(board.rte_session, "vote.open", args={}).json()["changes"]
        if c["kind"] == "vote"
    )
    with board.server.client() as stranger, admin(board) as rte:
        browser_joins(stranger, token, "Mallory")
        who = participant_of(board, stranger)
        stranger.post(f"/b/{board.id}/ops", data={"type": "vote.cast", "target": round_id, "args.value": "1"})
        assert ballots(board) == 1
        assert rte.post(f"/b/{board.id}/admin/people/{who}/remove").status_code == 200
        assert ballots(board) == 0
        assert stranger.get(f"/api/boards/{board.id}").status_code == 401
        # Only the RTE manages people; the RTE cannot remove herself.
        me = board.server.services.auth.actor(board.id, board.rte_session).id
        refused = rte.post(f"/b/{board.id}/admin/people/{me}/remove")
        assert refused.status_code == 422 and "yourself" in refused.text
        team_member = board.join("team", "Tina", board.read()["items"]["team"].popitem()[0])
        with board.server.client() as tina:
            tina.cookies.set(f"pb_{board.id}", team_member)
            assert tina.post(f"/b/{board.id}/admin/people/{me}/remove").status_code == 403

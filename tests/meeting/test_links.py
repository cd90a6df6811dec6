"""Join links through the REST door: the RTE's only; revoked links end their sessions; remade links work."""

from __future__ import annotations

import re

from tests.conftest import BoardHandle


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_remaking_a_link_revokes_the_old_one_and_its_sessions(board: BoardHandle) -> None:
    with board.rte() as rte:
        made = rte.post(f"/api/boards/{board.id}/links", json={"role": "business_owner", "label": "BOs"})
        assert made.status_code == 201
        old = made.json()
        joined = rte.post("/api/join", json={"token": token_of(old["join_url"]), "name": "Bea"}).json()
        session = joined["session"]
        with board.server.client(session) as bea:
            assert bea.get(f"/api/boards/{board.id}").status_code == 200
            remade = rte.post(f"/api/boards/{board.id}/links/{old['id']}/remake")
            assert remade.status_code == 201
            new = remade.json()
            assert (
                new["role"] == "business_owner"
                and new["label"] == "BOs"
                and new["join_url"] != old["join_url"]
            )
            # The old link's session ends at its next request; the old link no longer joins.
            assert bea.get(f"/api/boards/{board.id}").status_code == 401
        again = rte.post("/api/join", json={"token": token_of(old["join_url"]), "name": "Eve"})
        assert again.status_code == 403
        fresh = rte.post("/api/join", json={"token": token_of(new["join_url"]), "name": "Bea"})
        assert fresh.status_code == 200
        listed = {link["id"]: link for link in rte.get(f"/api/boards/{board.id}/links").json()}
        assert listed[old["id"]]["revoked"] and not listed[new["id"]]["revoked"]
        # URLs are shown once: the list never carries them.
        assert all(link["join_url"] is None for link in listed.values())


def test_only_the_rte_manages_links(board: BoardHandle) -> None:
    member_session = board.join("observer", "Otto")
    with board.server.client(member_session) as otto:
        assert otto.get(f"/api/boards/{board.id}/links").status_code == 403
        assert otto.post(f"/api/boards/{board.id}/links", json={"role": "rte"}).status_code == 403
        assert otto.post(f"/b/{board.id}/admin/links", data={"role": "rte"}).status_code == 403
        assert otto.post(f"/b/{board.id}/admin/links/all").status_code == 403


def test_the_admin_page_makes_a_link_for_every_role_and_team(board: BoardHandle) -> None:
    for name in ("Atlas", "Comet"):
        assert board.op(board.rte_session, "team.create", args={"name": name}).status_code == 200
    with board.rte() as rte:
        r = rte.post(f"/b/{board.id}/admin/links/all")
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        assert r.text.count("data-fresh-url") == 6  # PM, Architect, BO, observer and two teams
        assert "Team member · Atlas" in r.text and "Team member · Comet" in r.text
        # A team link without its team is refused, and the panel says why.
        refused = rte.post(f"/b/{board.id}/admin/links", data={"role": "team"})
        assert refused.status_code == 422 and "names its team" in refused.text


def test_the_last_rte_link_cannot_be_revoked_only_remade(board: BoardHandle) -> None:
    with board.rte() as rte:
        links = rte.get(f"/api/boards/{board.id}/links").json()
        rte_link = next(link for link in links if link["role"] == "rte")
        refused = rte.delete(f"/api/boards/{board.id}/links/{rte_link['id']}")
        assert refused.status_code == 409 and "last RTE link" in refused.json()["reason"]
        assert rte.get(f"/api/boards/{board.id}/links").status_code == 200  # still in charge
        page = rte.post(f"/b/{board.id}/admin/links/{rte_link['id']}/revoke")
        assert page.status_code == 409 and "last RTE link" in page.text


def test_the_admin_page_lists_every_live_link_with_its_use_and_qr_code(board: BoardHandle) -> None:
    with board.rte() as rte:
        made = rte.post(f"/b/{board.id}/admin/links", data={"role": "pm"})
        assert made.status_code == 200 and "Made a new link for Product Management." in made.text
        url = re.search(r'value="([^"]+)"[^>]*data-fresh-url', made.text)
        assert url is not None
        token = url.group(1).rsplit("/", 1)[1]
        for name in ("Paula", "Peter"):
            assert rte.post("/api/join", json={"token": token, "name": name}).status_code == 200
        page = rte.get(f"/b/{board.id}/admin").text
        row = page[page.index("Product Management</span>") :]
        row = row[: row.index("</tr>")]
        assert url.group(1) in row and 'data-uses="2"' in row and "2 people" in row
        assert '<svg viewBox="' in row and "QR code of the join link for Product Management" in row

        # A second link for the same role says the first keeps working; nothing is replaced silently.
        second = rte.post(f"/b/{board.id}/admin/links", data={"role": "pm"}).text
        assert (
            "1 other live link(s) for Product Management keep working (2 people joined with them)" in second
        )
        # "Every role and team" makes only what is missing.
        all_links = rte.post(f"/b/{board.id}/admin/links/all").text
        assert "Made 3 new link(s); 1 role(s) or team(s) had a live link already" in all_links
        assert all_links.count("data-fresh-url") == 3  # Architect, Business Owner, observer
        # Replacing a used link says who loses access.
        pm_link = next(
            link
            for link in rte.get(f"/api/boards/{board.id}/links").json()
            if link["role"] == "pm" and not link["revoked"]
        )
        replaced = rte.post(f"/b/{board.id}/admin/links/{pm_link['id']}/remake").text
        assert "Replaced the link for Product Management: the old one no longer works (2 people" in replaced
        new_link = next(
            link
            for link in rte.get(f"/api/boards/{board.id}/links").json()
            if link["role"] == "pm" and not link["revoked"]
        )
        qr = rte.get(f"/b/{board.id}/admin/links/{new_link['id']}/qr")
        assert qr.status_code == 200 and 'class="qr"' in qr.text and qr.headers["cache-control"] == "no-store"
    member = board.join("observer", "Otto")
    with board.server.client(member) as otto:
        assert otto.get(f"/b/{board.id}/admin/links/{new_link['id']}/qr").status_code == 403


def test_the_links_panel_says_who_cannot_join_yet(board: BoardHandle) -> None:
    assert board.op(board.rte_session, "team.create", args={"name": "Atlas"}).status_code == 200
    with board.rte() as rte:
        page = rte.get(f"/b/{board.id}/admin").text
        assert (
            "No live link yet for: Product Management, System Architect, Business Owner, "
            "Observer / big screen, team Atlas." in page
        )
        done = rte.post(f"/b/{board.id}/admin/links/all").text
        assert "Every role and team has a live link." in done

"""Join links through the REST door: the RTE's only; revoked links end their sessions; remade links work."""

from __future__ import annotations

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

"""A panel a page loads into itself, opened at its own address (issue 25): the Admin page's people
panel is a fragment to htmx, and a whole page (title, language, the panel in place) to a browser that
opens ``/b/{board}/admin/people`` directly; someone who may not see it gets a refusal page."""

from __future__ import annotations

import re

from tests.conftest import BoardHandle

HTMX = {"hx-request": "true"}


def test_the_people_panel_opened_directly_is_the_admin_page(board: BoardHandle) -> None:
    with board.server.client() as rte:
        rte.cookies.set(f"pb_{board.id}", board.rte_session)
        fragment = rte.get(f"/b/{board.id}/admin/people", headers=HTMX)
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert "<title>" not in fragment.text and 'id="people"' in fragment.text

        for path in ("admin/people", "admin/people/online"):
            page = rte.get(f"/b/{board.id}/{path}")
            assert page.status_code == 200
            assert '<html lang="en">' in page.text
            assert re.search(r"<title>Admin · Test ART</title>", page.text)
            # The panel is in place, not a placeholder that loads it again.
            assert page.text.count('id="people"') == 1
            assert "<h2>People</h2>" in page.text
            assert f'hx-get="/b/{board.id}/admin/people"' not in page.text

    observer = board.join("observer", "Olga")
    with board.server.client() as olga:
        olga.cookies.set(f"pb_{board.id}", observer)
        refused = olga.get(f"/b/{board.id}/admin/people")
        assert refused.status_code == 403
        assert '<html lang="en">' in refused.text and "<title>" in refused.text
        refused_fragment = olga.get(f"/b/{board.id}/admin/people", headers=HTMX)
        assert refused_fragment.status_code == 403 and "<html" not in refused_fragment.text

"""A solution's exports (issue 29): its JSON with every train's board inside, and its import back as a
new solution with new boards (a lossless round trip); its CSV, picture and report; who may download;
every field of an import checked, a refused file making nothing. The solution is built through the REST
doors, as people build one, never from our own exporter's output. Runs on SQLite and on PostgreSQL
(PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import copy
import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.transfer.board_json import SECTIONS
from tests.conftest import BoardHandle, LiveServer, create_board, module_db_url, start_server
from tests.integration.test_solutions import dated, join, make_solution, read, role_session, train_link

MAX_IMPORT = 512 * 1024


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose import files may be 512 KiB at most (a too large one is quick to send)."""
    started = start_server(
        module_db_url(request, tmp_path_factory, "exports"),
        ops_per_second=1000.0,
        ops_burst=1000,
        max_import_bytes=MAX_IMPORT,
    )
    yield started
    started.stop()


@dataclass
class Built:
    solution: dict[str, Any]
    a: BoardHandle
    b: BoardHandle
    supplier: str  # a supplier's session


def made(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["changes"][0]["id"])


def iterations(board: BoardHandle) -> list[str]:
    found = board.read()["items"]["iteration"]
    return sorted(found, key=lambda i: found[i]["number"])


@pytest.fixture(scope="module")
def built(server: LiveServer) -> Built:
    """Two trains with teams, features, a story, a dependency, objectives, risks, a milestone; a
    capability split into a feature on each (planned on A), one not split; links of several kinds."""
    solution = make_solution(server, "Payments <Platform>", pi_name="PI 2027.1")
    sm = role_session(server, solution, "solution_management", "Mia")
    supplier = role_session(server, solution, "supplier", "Acme & Sons")
    link = train_link(server, solution)
    a = dated(create_board(server, "Cards <ART>"))
    b = dated(create_board(server, "Ledger & Co"))
    for board in (a, b):
        assert join(board, link).status_code == 200
    rte = a.rte_session
    atlas = made(a.op(rte, "team.create", args={"name": "Atlas <team>", "color": "#336699"}))
    borealis = made(a.op(rte, "team.create", args={"name": "Borealis", "color": "#993366"}))
    one, two = iterations(a)
    checkout = made(
        a.op(rte, "feature.create", args={"title": "Checkout <fast>", "team_id": atlas, "iteration_id": one})
    )
    gateway = made(
        a.op(rte, "feature.create", args={"title": "Gateway", "team_id": borealis, "iteration_id": two})
    )
    made(
        a.op(
            rte,
            "story.create",
            args={
                "title": "=SUM(1)",
                "feature_id": checkout,
                "team_id": atlas,
                "iteration_id": one,
                "points": 3,
            },
        )
    )
    dep = made(
        a.op(
            rte,
            "dependency.create",
            args={
                "need": "Payment API",
                "requesting_team_id": atlas,
                "requesting_feature_id": checkout,
                "provider_team_id": borealis,
                "provider_feature_id": gateway,
                "needed_by_iteration_id": one,
            },
        )
    )
    assert a.op(rte, "dependency.accept", target=dep, base_version=1, args={}).status_code == 200
    made(a.op(rte, "dependency.create", args={"need": "Card scheme sign-off", "requesting_team_id": borealis,
                                              "external_party": "VISA"}))  # fmt: skip
    objective = made(
        a.op(
            rte,
            "objective.create",
            args={"team_id": atlas, "statement": "Pay in 2 s", "feature_ids": [checkout]},
        )
    )
    assert (
        a.op(rte, "objective.set_bv", target=objective, base_version=1, args={"value": 8}).status_code == 200
    )
    risk = made(a.op(rte, "risk.create", args={"title": "Vendor late", "team_id": borealis}))
    assert (
        a.op(
            rte, "risk.roam", target=risk, base_version=1, args={"roam": "owned", "owner": "Dia"}
        ).status_code
        == 200
    )
    made(a.op(rte, "milestone.create", args={"title": "Release <1>", "iteration_id": two}))
    ledger = made(b.op(b.rte_session, "team.create", args={"name": "Ledger team"}))
    args = {"title": "Reconcile", "team_id": ledger, "iteration_id": iterations(b)[0]}
    reconcile = made(b.op(b.rte_session, "feature.create", args=args))

    with server.client(sm) as c:
        body = {"title": "Instant <payments>", "description": "SEPA Instant"}
        cap = c.post(f"/api/solutions/{solution['id']}/capabilities", json=body)
        assert cap.status_code == 201, cap.text
        cap_id = cap.json()["id"]
        assert c.post(f"/api/solutions/{solution['id']}/capabilities/{cap_id}/split").status_code == 200
        later = c.post(f"/api/solutions/{solution['id']}/capabilities", json={"title": "Fraud checks"})
        assert later.status_code == 201
    feature = a.read()["items"]["feature"][f"cap-{cap_id}"]
    moved = a.op(
        rte, "feature.update", target=f"cap-{cap_id}", base_version=feature["version"],
        args={"team_id": atlas, "iteration_id": two},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text

    # A team of A asks B's team for work across the trains; B accepts it on its own board (its mirror).
    ask = {
        "need": "Ledger <API>",
        "requesting_team_id": atlas,
        "requesting_feature_id": checkout,
        "provider_train": f"{b.id}/{ledger}",
        "needed_by_iteration_id": two,
    }
    across = made(a.op(rte, "dependency.create", args=ask))
    mirror = b.read()["items"]["dependency"][f"x-{across}"]
    accepted = b.op(
        b.rte_session,
        "dependency.accept",
        target=mirror["id"],
        base_version=mirror["version"],
        args={"provider_feature_id": reconcile},  # B's feature delivers it
    )
    assert accepted.status_code == 200, accepted.text
    assert a.read()["items"]["dependency"][across]["status"] == "accepted"

    # Post-PI Planning: a solution objective from A's, BV from a solution Business Owner, a risk, a vote.
    bo = role_session(server, solution, "business_owner", "Bea")
    plan = f"/api/solutions/{solution['id']}"
    with server.client(sm) as c:
        body = {"title": "Instant <payments> live", "draws_from": [f"{a.id}/{objective}"]}
        goal = c.post(f"{plan}/objectives", json=body)
        assert goal.status_code == 201, goal.text
    with server.client(bo) as c:
        assert c.put(f"{plan}/objectives/{goal.json()['id']}/bv", json={"planned_bv": 9}).status_code == 200
    with server.client(supplier) as c:
        raised = c.post(f"{plan}/risks", json={"title": "Our <API> may be late", "description": "x"})
        assert raised.status_code == 201, raised.text
    with server.client(solution["ste_session"]) as c:
        roamed = c.put(f"{plan}/risks/{raised.json()['id']}/roam", json={"roam": "owned", "owner": "Rita"})
        assert roamed.status_code == 200, roamed.text
        vote = c.post(f"{plan}/vote").json()["id"]
        assert c.post(f"{plan}/vote/{vote}/ballots", json={"value": 4}).status_code == 200
        assert c.post(f"{plan}/vote/{vote}/close").status_code == 200
    return Built(solution, a, b, supplier)


def get(
    server: LiveServer, solution: dict[str, Any], path: str, session: str | None = None
) -> httpx.Response:
    with server.client(session or solution["ste_session"]) as c:
        return c.get(f"/api/solutions/{solution['id']}/{path}")


def export(server: LiveServer, solution: dict[str, Any]) -> dict[str, Any]:
    got = get(server, solution, "export.json")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/json"
    assert "attachment" in got.headers["content-disposition"]
    return dict(got.json())


def import_file(server: LiveServer, body: bytes, **params: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/solutions/import", content=body, params=params, timeout=60)


# --- the JSON and its round trip ---------------------------------------------------------------------


def test_the_json_holds_the_solution_and_every_trains_board(server: LiveServer, built: Built) -> None:
    doc = export(server, built.solution)
    assert (doc["schema"], doc["version"]) == ("piboard-solution", 1)
    assert doc["solution"] == {
        "id": built.solution["id"],
        "name": "Payments <Platform>",
        "pi_name": "PI 2027.1",
    }
    assert [t["name"] for t in doc["trains"]] == ["Cards <ART>", "Ledger & Co"]  # joining order
    assert [t["board"]["schema"] for t in doc["trains"]] == ["piboard/1", "piboard/1"]
    assert [t["board"]["board"]["id"] for t in doc["trains"]] == [built.a.id, built.b.id]
    titles = {f["title"] for f in doc["trains"][0]["board"]["features"]}
    assert {"Checkout <fast>", "Gateway", "Instant <payments>"} <= titles
    instant, fraud = doc["capabilities"]
    assert instant["title"] == "Instant <payments>" and instant["created_by"] == "Mia"
    assert [(f["board_id"], f["feature_id"], f["progress"]) for f in instant["features"]] == [
        (built.a.id, f"cap-{instant['id']}", "planned"),
        (built.b.id, f"cap-{instant['id']}", "funnel"),
    ]
    assert [f["feature_id"] for f in fraud["features"]] == [None, None]
    kinds = [link["kind"] for link in doc["links"]]
    assert kinds == ["ste", "solution_management", "supplier", "train", "business_owner"]
    (goal,) = doc["objectives"]
    a_objective = doc["trains"][0]["board"]["objectives"][0]["id"]
    assert goal["draws_from"] == [f"{built.a.id}/{a_objective}"] and goal["planned_bv"] == 9
    (risk,) = doc["risks"]
    assert (risk["title"], risk["roam"], risk["owner"], risk["raised_by"]) == (
        "Our <API> may be late",
        "owned",
        "Rita",
        "Acme & Sons",
    )
    assert doc["vote"] == {
        "rounds": [
            {
                "number": 1,
                "status": "revealed",
                "voted": 1,
                "average": 4.0,
                "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
            }
        ]
    }
    text = json.dumps(doc)
    for link in doc["links"]:
        assert set(link) == {"id", "kind", "label", "created_at"}  # metadata only: no token, no address
    assert built.solution["ste_join_url"].rsplit("/", 1)[1] not in text and "/s/join/" not in text


def test_an_import_makes_a_new_solution_equal_to_the_exported_one(server: LiveServer, built: Built) -> None:
    before = export(server, built.solution)
    answer = import_file(server, json.dumps(before).encode(), ste_name="Ines")
    assert answer.status_code == 201, answer.text
    new = answer.json()
    assert new["id"] != built.solution["id"] and new["name"] == "Payments <Platform>"
    assert [t["from"] for t in new["trains"]] == [built.a.id, built.b.id]
    assert not {t["board_id"] for t in new["trains"]} & {built.a.id, built.b.id}
    you = read(server, {"id": new["id"], "ste_session": new["ste_session"]}).json()
    assert you["you"] == {"name": "Ines", "role": "ste"}
    token = new["trains"][0]["rte_join_url"].rsplit("/", 1)[1]
    rte = httpx.post(f"{server.url}/api/join", json={"token": token, "name": "Rita"})
    assert rte.status_code == 200 and rte.json()["participant"]["role"] == "rte", rte.text

    after = export(server, {"id": new["id"], "ste_session": new["ste_session"]})
    # The vote's results are for the reader: ballots are people's, and never leave (as a train's).
    assert after.pop("vote") == {"rounds": []} and before.pop("vote")["rounds"]
    assert canonical(after) == canonical(before, id_map(server, before, after))
    instant = after["capabilities"][0]
    assert [f["feature_id"] for f in instant["features"]] == [
        f"cap-{instant['id']}"
    ] * 2  # as a split names it


# Moments and counters that an import must make anew, and who raised a risk (the import, by the op path).
NOT_COMPARED = {"exported_at", "joined_at", "created_at", "seq", "mirrored_seq", "raised_by"}


def id_map(server: LiveServer, old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
    """Which new id each id of ``old`` became: the solution's, each train's board's, each capability's
    and link's by their order; each board item's by the order the import's events created them."""
    ids = {old["solution"]["id"]: new["solution"]["id"]}
    for part in ("capabilities", "links", "objectives", "risks"):
        ids.update({o["id"]: n["id"] for o, n in zip(old[part], new[part], strict=True)})
    op_path = server.services.op_path
    for o, n in zip(old["trains"], new["trains"], strict=True):
        ids[o["board_id"]] = n["board_id"]
        events = op_path.events_since(n["board_id"], 0, limit=10_000)
        created: dict[str, list[str]] = {}
        for event in events[1:]:
            for change in event.changes:
                if change.before is None and change.after is not None:
                    created.setdefault(change.kind, []).append(change.id)
        for section, kind in SECTIONS.items():
            # A cross-train request's mirror is written by the solution (x-<request>), after the import.
            rows = [r for r in o["board"][section] if not r["id"].startswith("x-")]
            made = [c for c in created.get(kind, []) if not c.startswith("x-")]
            ids.update({r["id"]: c for r, c in zip(rows, made, strict=True)})
        # How a solution objective names a train's objective it draws from.
        for row in o["board"]["objectives"]:
            ids[f"{o['board_id']}/{row['id']}"] = f"{n['board_id']}/{ids[row['id']]}"
    for o, n in zip(old["trains"], new["trains"], strict=True):
        # How a cross-train request names the other train's team, and its mirror the request.
        for row in o["board"]["teams"]:
            ids[f"{o['board_id']}/{row['id']}"] = f"{n['board_id']}/{ids[row['id']]}"
        for row in o["board"]["dependencies"]:
            if not row["id"].startswith("x-"):
                ids[f"{o['board_id']}/{row['id']}"] = f"{n['board_id']}/{ids[row['id']]}"
                ids[f"x-{row['id']}"] = f"x-{ids[row['id']]}"
    return ids


def canonical(doc: Any, ids: dict[str, str] | None = None) -> Any:
    """``doc`` with every id passed through ``ids`` and the moments an import makes anew left out."""
    if isinstance(doc, dict):
        return {(ids or {}).get(k, k): canonical(v, ids) for k, v in doc.items() if k not in NOT_COMPARED}
    if isinstance(doc, list):
        return [canonical(v, ids) for v in doc]
    if isinstance(doc, str) and ids:
        return ids.get(doc, doc)
    return doc


def test_a_split_after_the_import_finds_the_imported_features(server: LiveServer, built: Built) -> None:
    new = import_file(server, json.dumps(export(server, built.solution)).encode()).json()
    solution = {"id": new["id"], "ste_session": new["ste_session"]}
    doc = export(server, solution)
    instant = doc["capabilities"][0]
    with server.client(new["ste_session"]) as c:
        again = c.post(f"/api/solutions/{new['id']}/capabilities/{instant['id']}/split")
    assert again.status_code == 200, again.text
    assert set(again.json()["features"].values()) == {f"cap-{instant['id']}"}
    seqs = [t["board"]["board"]["seq"] for t in export(server, solution)["trains"]]
    assert seqs == [t["board"]["board"]["seq"] for t in doc["trains"]]  # nothing made twice


# --- CSV, picture, report ----------------------------------------------------------------------------


def test_the_csv_zip_has_capabilities_by_train_and_each_trains_features(
    server: LiveServer, built: Built
) -> None:
    got = get(server, built.solution, "export.zip")
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        names = zf.namelist()
        assert names == [
            "capabilities.csv",
            "trains.csv",
            "trains/01-cards-art-features.csv",
            "trains/02-ledger-co-features.csv",
        ]
        rows = list(csv.DictReader(io.StringIO(zf.read("capabilities.csv").decode("utf-8-sig"))))
        a_features = zf.read("trains/01-cards-art-features.csv").decode("utf-8-sig")
    assert [
        (r["capability"], r["train"], r["feature"], r["team"], r["iteration"], r["progress"]) for r in rows
    ] == [
        ("Instant <payments>", "Cards <ART>", "Instant <payments>", "Atlas <team>", "Iteration 2", "planned"),
        ("Instant <payments>", "Ledger & Co", "Instant <payments>", "", "", "funnel"),
        ("Fraud checks", "Cards <ART>", "", "", "", "not split"),
        ("Fraud checks", "Ledger & Co", "", "", "", "not split"),
    ]
    assert "Checkout <fast>" in a_features and "Reconcile" not in a_features
    one = get(server, built.solution, "capabilities.csv")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/csv")
    assert one.content.decode("utf-8-sig").splitlines()[0].startswith("capability,capability_id,train")


def test_the_picture_draws_each_train_and_its_features_escaped(server: LiveServer, built: Built) -> None:
    got = get(server, built.solution, "solution.svg")
    assert got.status_code == 200 and got.headers["content-type"] == "image/svg+xml"
    svg = got.text
    for text in (
        "Cards &lt;ART&gt;",
        "Ledger &amp; Co",
        "Checkout &lt;fast&gt;",
        "Reconcile",
        "Payments &lt;Platform&gt;",
    ):
        assert text in svg
    assert "<ART>" not in svg and "<fast>" not in svg
    assert svg.count('<svg class="train"') == 2
    assert svg.count('<g class="legend">') == 1  # once, under the last train
    from xml.etree import ElementTree

    ElementTree.fromstring(got.content)  # well-formed
    png = get(server, built.solution, "solution.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_the_report_has_a_section_per_train(server: LiveServer, built: Built) -> None:
    got = get(server, built.solution, "report.html")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
    html = got.text
    assert html.count('<section class="train"') == 2
    first, second = html.split('<section class="train"')[1:]
    assert "PI report — Cards &lt;ART&gt;" in first and "Checkout &lt;fast&gt;" in first
    assert "PI report — Ledger &amp; Co" in second and "Checkout" not in second
    assert "Instant &lt;payments&gt;" in html and "<ART>" not in html
    pdf = get(server, built.solution, "report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --- who may --------------------------------------------------------------------------------------------


FORMATS = ("export.json", "export.zip", "capabilities.csv", "solution.svg", "report.html")


@pytest.mark.parametrize("path", FORMATS)
def test_the_solutions_roles_download_and_nobody_else(server: LiveServer, built: Built, path: str) -> None:
    for role in ("solution_management", "solution_architect", "business_owner"):
        session = role_session(server, built.solution, role, f"Someone of {role}")
        assert get(server, built.solution, path, session).status_code == 200, role
    assert get(server, built.solution, path, built.solution["ste_session"]).status_code == 200
    # A supplier sees what the solution page shows, not every train's whole board.
    refused = get(server, built.solution, path, built.supplier)
    assert refused.status_code == 403 and "download the solution's exports" in refused.text
    with server.client() as c:
        nobody = c.get(f"/api/solutions/{built.solution['id']}/{path}")
    assert nobody.status_code == 401 and "join this solution first" in nobody.text
    other = make_solution(server, "Other")
    assert get(server, built.solution, path, other["ste_session"]).status_code == 401
    assert get(server, built.solution, path, built.a.rte_session).status_code == 401  # a train's session


def test_the_download_menu_lists_every_format_for_whom_may(server: LiveServer, built: Built) -> None:
    from server.transfer.solution_files import SOLUTION_FORMATS

    with server.client(built.supplier) as c:
        assert 'id="downloads"' not in c.get(f"/s/{built.solution['id']}/").text  # no menu it may not use
    architect = role_session(server, built.solution, "solution_architect", "Ada")  # downloads of her own
    with server.client(architect) as c:
        page = c.get(f"/s/{built.solution['id']}/")
    assert page.status_code == 200
    menu = page.text.split('id="downloads"', 1)[1].split("</details>", 1)[0]
    for fmt in SOLUTION_FORMATS.values():
        assert f'href="/api/solutions/{built.solution["id"]}/{fmt.path}"' in menu and fmt.label in menu
        assert get(server, built.solution, fmt.path, architect).status_code == 200


# --- every field of an import, checked: a refused file makes nothing -------------------------------------


TABLES = ("solution", "solution_train", "solution_link", "solution_member", "capability", "board", "event")


def counts(server: LiveServer) -> dict[str, int]:
    with server.services.solutions.engine.connect() as conn:
        return {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() or 0) for t in TABLES}


@pytest.fixture(scope="module")
def exported(server: LiveServer, built: Built) -> dict[str, Any]:
    return export(server, built.solution)


def edit(change: Any) -> Any:
    """A file: the export as JSON text after ``change(doc)`` (which edits the document in place)."""

    def make(doc: dict[str, Any]) -> bytes:
        doc = copy.deepcopy(doc)
        change(doc)
        return json.dumps(doc).encode()

    return make


def text(old: str, new: str) -> Any:
    """A file: the export as JSON text with ``old`` (once) written as ``new``: what JSON cannot say."""

    def make(doc: dict[str, Any]) -> bytes:
        written = json.dumps(doc)
        assert old in written
        return written.replace(old, new, 1).encode()

    return make


def at(path: str, value: Any) -> Any:
    """``edit``: the value at ``path`` ("trains.0.joined_by") set to ``value`` (or removed: REMOVE)."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            doc = doc[int(key)] if isinstance(doc, list) else doc[key]
        if value is REMOVE:
            del doc[last]
        else:
            doc[int(last) if isinstance(doc, list) else last] = value

    return edit(change)


REMOVE = object()
TINY_BOARD = {"schema": "piboard/1", "meta": {"name": "T"}}
BAD_FILES: dict[str, tuple[Any, str]] = {
    "not JSON": (lambda d: b'{"schema": ', "not valid JSON"),
    "not an object": (lambda d: b"[1, 2]", "one JSON object"),
    "not UTF-8": (lambda d: b'{"schema": "\xff"}', "not UTF-8"),
    "NaN": (text('"pi_name": "PI 2027.1"', '"pi_name": NaN'), "NaN"),
    "Infinity in a board": (text('"planning_target"', '"x": -Infinity, "planning_target"'), "Infinity"),
    "1e999": (text('"version": 1', '"version": 1e999'), "too large"),
    "5,000 digits": (text('"version": 1', '"version": 1' + "0" * 5000), "4,300 digits"),
    "nested deep": (
        text('"cadence": {', '"cadence": ' + "[" * 200 + "]" * 200 + ', "c": {'),
        "nested deeper",
    ),
    "version as text": (at("version", "1"), "version '1'"),
    "version true": (at("version", True), "version True"),
    "a newer version": (at("version", 2), "version 2"),
    "a board's file": (at("schema", "piboard/1"), "not a piboard solution export"),
    "no solution": (at("solution", REMOVE), "has no 'solution'"),
    "a name as a number": (at("solution.name", 5), "solution.name: the name must be text"),
    "an empty name": (at("solution.name", "  "), "solution.name"),
    "a bell in the name": (at("solution.name", "Pay\u0007ments"), "control character"),
    "a lone surrogate": (text('"Payments <Platform>"', '"Pay\\ud800"'), "broken character"),
    "a long PI": (at("solution.pi_name", "p" * 121), "longer than 120"),
    "an unknown section": (at("tokens", ["abc"]), "'tokens' is not a field piboard knows"),
    "a link's token": (at("links.0.token", "abc"), "'token' is not a field"),
    "a link of no kind": (at("links.0.kind", "owner"), "links[0].kind"),
    "a link's kind a list": (at("links.0.kind", ["ste"]), "links[0].kind"),
    "a long label": (at("links.1.label", "l" * 81), "longer than 80"),
    "trains as an object": (at("trains", {}), "trains: must be a list"),
    "a train as text": (at("trains.0", "train"), "trains[0]: must be an object"),
    "a board as text": (at("trains.0.board", '{"schema": "piboard/1"}'), "board export (an object)"),
    "a board of no schema": (at("trains.0.board.schema", "nope"), "not a piboard export"),
    "a board's feature without id": (at("trains.0.board.features.0.id", None), "has no 'id'"),
    "who joined as a list": (at("trains.0.joined_by", ["RTE"]), "trains[0].joined_by"),
    "who joined on two lines": (at("trains.0.joined_by", "R\nTE"), "trains[0].joined_by"),
    "a joining time of no date": (at("trains.0.joined_at", "yesterday"), "trains[0].joined_at"),
    "a train twice": (at("trains.1.board_id", "TRAIN-A"), "appears twice"),
    "too many trains": (
        at("trains", [{"board_id": f"b{n}", "joined_by": "R", "board": TINY_BOARD} for n in range(51)]),
        "at most 50",
    ),
    "a capability's title empty": (at("capabilities.0.title", ""), "capabilities[0].title"),
    "a capability's title too long": (at("capabilities.0.title", "t" * 201), "longer than 200"),
    "a capability's title null": (at("capabilities.0.title", None), "capabilities[0].title"),
    "a capability id as a number": (at("capabilities.0.id", 7), "capabilities[0].id"),
    "a feature of no train": (at("capabilities.0.features.0.board_id", "nowhere"), "no train 'nowhere'"),
    "a feature not on its train": (at("capabilities.0.features.1.feature_id", "nope"), "no feature 'nope'"),
    "a board id as an object": (at("capabilities.0.features.0.board_id", {"a": 1}), "must be an id"),
    "a feature twice": (at("capabilities.1.features.0.feature_id", "CAP-FEATURE"), "another capability's"),
    "a feature's title the board refuses": (
        at("trains.1.board.features.0.title", ""),
        "trains[1].board.features[0]",
    ),
    "a story's points as text": (at("trains.0.board.stories.0.points", "many"), "trains[0].board.stories[0]"),
    "a request to another train as a number": (
        at("trains.0.board.dependencies.2.provider_train", 5),
        "must be text",
    ),
    "a request to no team of a train": (
        at("trains.0.board.dependencies.2.provider_train", "TRAIN-B/x"),
        "no team 'x'",
    ),
    "objectives as text": (at("objectives", "all"), "objectives: must be a list"),
    "an objective of no train": (
        at("objectives.0.draws_from", ["nowhere/x"]),
        "must name a train's objective",
    ),
    "an objective not on its train": (at("objectives.0.draws_from", ["TRAIN-A/x"]), "no objective 'x'"),
    "an objective's BV of 11": (at("objectives.0.planned_bv", 11), "objectives[0].planned_bv"),
    "an objective's BV as a float": (at("objectives.0.actual_bv", 2.5), "objectives[0].actual_bv"),
    "an objective committed as text": (at("objectives.0.committed", "yes"), "objectives[0].committed"),
    "an objective's title empty": (at("objectives.0.title", ""), "objectives[0].title"),
    "a risk owned by nobody": (at("risks.0.owner", ""), "needs an owner"),
    "a risk of no ROAM": (at("risks.0.roam", "ignored"), "risks[0].roam"),
    "a risk's title a list": (at("risks.0.title", ["x"]), "risks[0].title"),
    "a risk's ballots": (at("risks.0.ballots", {"m": 5}), "'ballots' is not a field"),
    "the vote as a list": (at("vote", [1]), "vote: must be an object"),
}


def named(doc: dict[str, Any]) -> dict[str, Any]:
    """The export with the placeholders the cases name: the first train's board id, its capability
    feature."""
    doc = copy.deepcopy(doc)
    first = doc["trains"][0]["board_id"]
    for train in doc["trains"]:
        if train["board_id"] == first:
            train["board_id"] = "TRAIN-A"
    for capability in doc["capabilities"]:
        for feature in capability["features"]:
            if feature["board_id"] == first:
                feature["board_id"] = "TRAIN-A"
    for objective in doc["objectives"]:
        objective["draws_from"] = [r.replace(first, "TRAIN-A", 1) for r in objective["draws_from"]]
    second = doc["trains"][1]["board_id"]
    doc["trains"][1]["board_id"] = "TRAIN-B"
    for capability in doc["capabilities"]:
        for feature in capability["features"]:
            if feature["board_id"] == second:
                feature["board_id"] = "TRAIN-B"
    for dep in doc["trains"][0]["board"]["dependencies"]:
        dep["provider_train"] = dep.get("provider_train", "").replace(second, "TRAIN-B")
    for dep in doc["trains"][1]["board"]["dependencies"]:
        dep["requester_train"] = dep.get("requester_train", "").replace(first, "TRAIN-A")
    doc["capabilities"][0]["features"][0]["feature_id"] = "CAP-FEATURE"
    for feature in doc["trains"][0]["board"]["features"]:
        if feature["id"].startswith("cap-"):
            feature["id"] = "CAP-FEATURE"
    return doc


def test_the_named_export_itself_imports(server: LiveServer, exported: dict[str, Any]) -> None:
    """The cases below break one thing each of a file that imports."""
    doc = named(exported)
    assert doc["trains"][0]["board"]["dependencies"][2]["provider_train"].startswith("TRAIN-B/")
    answer = import_file(server, json.dumps(doc).encode())
    assert answer.status_code == 201, answer.text
    a, b = (t["board_id"] for t in answer.json()["trains"])
    (request,) = [d for d in server.services.op_path.state(a).dependencies if d.provider_train]
    assert request.provider_train.startswith(f"{b}/") and request.status.value == "accepted"
    mirror = server.services.op_path.state(b).get(type(request), f"x-{request.id}")
    assert mirror is not None and mirror.requester_train == f"{a}/{request.id}"
    (reconcile,) = [f for f in server.services.op_path.state(b).features if f.title == "Reconcile"]
    assert mirror.provider_feature_id == reconcile.id and mirror.status.value == "accepted"


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_refused_file_says_why_and_makes_nothing(
    server: LiveServer, exported: dict[str, Any], case: str
) -> None:
    make, why = BAD_FILES[case]
    body = make(named(exported))
    before = counts(server)
    refused = import_file(server, body)
    assert refused.status_code == 422, refused.text
    assert why in refused.text, refused.text
    assert counts(server) == before


def test_a_file_too_large_or_empty_and_a_bad_importers_name_make_nothing(
    server: LiveServer, exported: dict[str, Any]
) -> None:
    before = counts(server)
    too_large = import_file(server, b" " * MAX_IMPORT + json.dumps(exported).encode())
    assert too_large.status_code == 413 and "max_import_bytes" in too_large.text
    assert import_file(server, b"").status_code == 422
    bad_name = import_file(server, json.dumps(exported).encode(), ste_name="In\u0007es")
    assert bad_name.status_code == 422 and "ste_name" in bad_name.text
    assert counts(server) == before


def test_a_solution_without_trains_exports_and_imports(server: LiveServer) -> None:
    empty = make_solution(server, "Nothing yet")
    for path in ("export.zip", "capabilities.csv", "solution.svg", "report.html"):
        assert get(server, empty, path).status_code == 200, path
    doc = export(server, empty)
    assert (doc["trains"], doc["capabilities"], doc["objectives"], doc["risks"]) == ([], [], [], [])
    answer = import_file(server, json.dumps(doc).encode())
    assert answer.status_code == 201, answer.text
    assert answer.json()["trains"] == []


def test_piboard_import_solution_on_the_command_line(tmp_path: Path, exported: dict[str, Any]) -> None:
    from tests.integration.test_cli import env_for

    env = env_for(tmp_path)
    source = tmp_path / "solution.json"
    source.write_text(json.dumps(exported), encoding="utf-8")

    def piboard(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "server.cli", "import", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    done = piboard("--solution", str(source))
    assert done.returncode == 0, done.stderr
    ste, *rtes = done.stdout.splitlines()
    assert "/s/join/" in ste and len(rtes) == 2 and all("/join/" in r for r in rtes)
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM solution_train").fetchone() == (2,)
        assert db.execute("SELECT count(*) FROM capability_feature").fetchone() == (2,)
        # The cross-train request's mirror, written by the solution on the providing train.
        assert db.execute(
            "SELECT count(*) FROM item WHERE kind = 'dependency' AND item_id LIKE 'x-%'"
        ).fetchone() == (1,)
    source.write_text(json.dumps({**exported, "version": 9}), encoding="utf-8")
    refused = piboard("--solution", str(source))
    assert refused.returncode == 1 and "Not imported" in refused.stderr and "version 9" in refused.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM solution").fetchone() == (1,)


def test_the_import_takes_a_forms_file_too(server: LiveServer, exported: dict[str, Any]) -> None:
    files = {"file": ("solution.json", json.dumps(exported).encode(), "application/json")}
    answer = httpx.post(f"{server.url}/api/solutions/import", files=files, timeout=60)
    assert answer.status_code == 201, answer.text
    before = counts(server)
    wrong_field = httpx.post(f"{server.url}/api/solutions/import", files={"upload": ("x.json", b"{}")})
    assert wrong_field.status_code == 422 and "'file'" in wrong_field.text
    assert counts(server) == before

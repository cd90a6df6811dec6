"""The export and import doors over REST, on a real server: every file read back with a real parser."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import struct
import subprocess
import zipfile
from html import escape
from typing import Any
from xml.etree import ElementTree

from server.transfer.board_json import REFS, SECTIONS
from tests.conftest import BoardHandle, LiveServer, create_board, start_server


def rows_of(content: bytes, bom: bool = True) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff") == bom, "a BOM for spreadsheets (Excel reads UTF-8 right); none for Jira"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def by_kind(read: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return (
        list(read["items"][kind].values()) if isinstance(read["items"][kind], dict) else read["items"][kind]
    )


def moved_board(server: LiveServer) -> tuple[BoardHandle, dict[str, Any], dict[str, Any]]:
    """The demo ART, a baseline taken, then one feature moved to another iteration."""
    board = create_board(server, "Aurora Ü ART", demo=True)
    assert board.op(board.rte_session, "baseline.take").status_code == 200
    read = board.read()
    features = [f for f in by_kind(read, "feature") if f["iteration_id"] and f["team_id"]]
    iterations = sorted(by_kind(read, "iteration"), key=lambda i: i["number"])
    feature = features[0]
    target = next(i for i in iterations if i["id"] != feature["iteration_id"] and not i["is_ip"])
    moved = board.op(
        board.rte_session,
        "feature.move",
        target=feature["id"],
        base_version=feature["version"],
        args={"iteration_id": target["id"]},
    )
    assert moved.status_code == 200, moved.text
    return board, feature, target


def test_every_export_reads_back_and_matches_the_board(live_server: LiveServer) -> None:
    board, moved, target = moved_board(live_server)
    read = board.read()
    features = by_kind(read, "feature")
    stories = by_kind(read, "story")
    risks = by_kind(read, "risk")
    dependencies = by_kind(read, "dependency")
    teams = by_kind(read, "team")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    member = board.join("team", "Tia", teams[0]["id"])

    with live_server.client(member) as c:

        def get(path: str, media_type: str, filename: str) -> bytes:
            r = c.get(f"/api/boards/{board.id}{path}")
            assert r.status_code == 200, (path, r.text[:300])
            assert r.headers["content-type"].startswith(media_type), path
            assert f'filename="aurora-u-art-{today}{filename}"' in r.headers["content-disposition"]
            return r.content

        doc = json.loads(get("/export.json", "application/json", ".json"))
        assert doc["schema"] == "piboard/1"
        assert {f["title"] for f in doc["features"]} == {f["title"] for f in features}
        assert len(doc["stories"]) == len(stories) and len(doc["risks"]) == len(risks)
        changes = {(c["id"], c["change"]) for c in doc["baseline"]["changes"]}
        carried = {s["id"] for s in stories if s["feature_id"] == moved["id"] and s["iteration_id"]}
        assert carried, "the moved feature has planned stories"
        assert changes == {(moved["id"], "moved")} | {(sid, "moved") for sid in carried}, (
            "the move after the baseline (with its stories), and nothing else"
        )

        archive = zipfile.ZipFile(io.BytesIO(get("/export.zip", "application/zip", "-csv.zip")))
        assert archive.testzip() is None
        assert {"features.csv", "stories.csv", "dependencies.csv", "risks.csv", "baseline.csv"} <= set(
            archive.namelist()
        )
        zipped_features = rows_of(archive.read("features.csv"))
        assert len(zipped_features) == len(features)

        feature_rows = rows_of(get("/export/features.csv", "text/csv", "-features.csv"))
        assert feature_rows == zipped_features
        row = next(r for r in feature_rows if r["Title"] == moved["title"])
        assert target["name"] in json.dumps(row), "the feature's new iteration"
        assert row["Since baseline"] == "moved", "the baseline column says it moved"
        baseline_rows = rows_of(get("/export/baseline.csv", "text/csv", "-baseline.csv"))
        assert [r for r in baseline_rows if moved["title"] in r.values()], baseline_rows
        assert len(rows_of(get("/export/stories.csv", "text/csv", "-stories.csv"))) == len(stories)
        assert len(rows_of(get("/export/risks.csv", "text/csv", "-risks.csv"))) == len(risks)
        dep_rows = rows_of(get("/export/dependencies.csv", "text/csv", "-dependencies.csv"))
        assert len(dep_rows) == len(dependencies)
        derived = read["derived"]
        conflicts = sum(1 for r in dep_rows if "conflict" in " ".join(r.values()).lower())
        assert conflicts >= 1, "the demo ART has dependency conflicts, and the CSV shows them"
        assert derived, "the board is read with its derived state"

        jira_rows = rows_of(get("/export/jira.csv", "text/csv", "-jira.csv"), bom=False)
        assert len(jira_rows) == len(features) + len(stories)

        svg = get("/board.svg", "image/svg+xml", ".svg")
        root = ElementTree.fromstring(svg)
        assert root.tag.endswith("svg")
        texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
        assert all(t["name"] in texts for t in teams)

        png = get("/board.png", "image/png", ".png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width > 800 and height > 400

        html = get("/report.html", "text/html", "-report.html").decode("utf-8")
        assert "Aurora Ü ART" in html
        changes_part = html.split("Changes since the baseline", 1)[1]
        assert escape(moved["title"]) in changes_part.split("</table>", 1)[0], "the move, in its table"

        pdf = get("/report.pdf", "application/pdf", "-report.pdf")
        assert pdf.startswith(b"%PDF")
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        words = re.sub(r"\s+", " ", text.decode("utf-8"))
        assert all(t["name"] in words for t in teams)
        assert "Changes since the baseline" in words

        assert c.get(f"/api/boards/{board.id}/export/nonsense.csv").status_code == 404

    with live_server.client() as anonymous:
        assert anonymous.get(f"/api/boards/{board.id}/export.json").status_code == 401


def test_no_baseline_no_baseline_csv(live_server: LiveServer) -> None:
    board = create_board(live_server, "Plain")
    with board.rte() as c:
        r = c.get(f"/api/boards/{board.id}/export/baseline.csv")
        assert r.status_code == 404 and "baseline" in r.json()["reason"]
        assert "baseline" not in c.get(f"/api/boards/{board.id}/export.json").json()


# --- JSON import -----------------------------------------------------------------------------------------


def content_names(doc: dict[str, Any]) -> dict[str, str]:
    """Each id in an export -> a name made of the item's content, its references named the same way.

    Two boards equal modulo ids give their items the same names, whatever order the ids come in."""
    kinds = {kind: section for section, kind in SECTIONS.items()}
    rows = {(kind, row["id"]): row for section, kind in SECTIONS.items() for row in doc[section]}
    names: dict[tuple[str, str], str] = {}

    def name(kind: str, item_id: str) -> str:
        if (kind, item_id) not in names:
            row = {k: v for k, v in rows[(kind, item_id)].items() if k not in ("id", "raised_by")}
            for field, ref_kind in REFS.get(kind, {}).items():
                if row.get(field):
                    row[field] = name(ref_kind, row[field])
            if kind == "objective":
                row["feature_ids"] = sorted(name("feature", f) for f in row["feature_ids"])
            if kind == "member":
                row["days_off"] = {name("iteration", k): v for k, v in row["days_off"].items()}
            digest = hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()[:16]
            names[(kind, item_id)] = f"{kinds[kind]}:{digest}"
        return names[(kind, item_id)]

    return {item_id: name(kind, item_id) for kind, item_id in rows}


def swap_ids(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(k, k): swap_ids(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [swap_ids(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def unordered(value: Any) -> Any:
    """Lists in no particular order (sets of ids, rows in storage order): sorted."""
    if isinstance(value, dict):
        return {k: unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The plan of an export, ids named by content: equal for equal boards."""
    sections = {section: doc[section] for section in SECTIONS}
    for risk in sections["risks"]:
        risk.pop("raised_by", None)  # who raised it on the new board: the importer
    meta = {k: doc["meta"][k] for k in ("name", "pi_name", "start", "end", "planning_target", "locked")}
    return {"meta": meta, **unordered(swap_ids(sections, content_names(doc)))}


def list_boards(server: LiveServer) -> list[dict[str, Any]]:
    with server.client() as c:
        return list(c.get("/api/boards").json())


def test_json_export_imports_as_an_equal_board(live_server: LiveServer) -> None:
    board, _, _ = moved_board(live_server)
    with board.rte() as c:
        exported = c.get(f"/api/boards/{board.id}/export.json").content
    boards_before = len(list_boards(live_server))
    with live_server.client() as c:
        made = c.post("/api/boards/import", content=exported, headers={"content-type": "application/json"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["board"]["id"] != board.id and body["rte_join_url"].startswith(live_server.url + "/join/")
    with live_server.client(body["rte_session"]) as c:
        again = c.get(f"/api/boards/{body['board']['id']}/export.json").json()
        derived_new = c.get(f"/api/boards/{body['board']['id']}").json()["derived"]
    old = json.loads(exported)
    assert comparable(again) == comparable(old)
    # What board/ derives from the plan (loads, conflicts, cascade, ROAM counts) is the same too.
    derived_old = board.read()["derived"]
    assert unordered(swap_ids(derived_new, content_names(again))) == unordered(
        swap_ids(derived_old, content_names(old))
    )
    assert len(list_boards(live_server)) == boards_before + 1

    # The same file as a browser sends it: a multipart form with a file field.
    with live_server.client() as c:
        made = c.post("/api/boards/import", files={"file": ("plan.json", exported, "application/json")})
    assert made.status_code == 201, made.text


def test_a_broken_board_file_is_refused_and_nothing_is_made(live_server: LiveServer) -> None:
    board = create_board(live_server, "Source")
    with board.rte() as c:
        doc = c.get(f"/api/boards/{board.id}/export.json").json()
    before = list_boards(live_server)
    client = live_server.client()

    broken = b'{\n  "schema": "piboard/1",\n  "meta": {"name": "x"},\n  "teams": [\n}'
    r = client.post("/api/boards/import", content=broken, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"] == "file_refused" and r.json()["problems"][0]["line"] == 5

    doc["teams"] = [{"id": "t1", "name": "A"}]
    doc["members"] = [{"id": "m1", "name": "Ann", "team_id": "t1", "fte": 7.5}]
    r = client.post("/api/boards/import", json=doc)
    assert r.status_code == 422, r.text
    assert "members[0]" in r.json()["problems"][0]["message"], "which row an op would be refused for"

    doc["members"] = [{"id": "m1", "name": "Ann", "team_id": "no-such-team"}]
    assert "no team" in client.post("/api/boards/import", json=doc).json()["problems"][0]["message"]
    assert client.post("/api/boards/import", content=b"").status_code == 422
    client.close()
    assert list_boards(live_server) == before, "no board was made, not even an empty one"


def test_import_limits_and_admin_token(tmp_path: Any) -> None:
    server = start_server(
        f"sqlite:///{tmp_path / 'limits.db'}", admin_token="s3cret", max_import_bytes=300 * 1024
    )
    try:
        board = None
        with server.client() as c:
            made = c.post("/api/boards", json={"name": "Small"}, headers={"X-Admin-Token": "s3cret"})
            board = BoardHandle(server, made.json()["board"]["id"], made.json()["rte_session"])
        with board.rte() as c:
            doc = c.get(f"/api/boards/{board.id}/export.json").content
        # Whitespace is valid JSON: a file between the op limit (256 KiB) and the import limit passes.
        padded = doc[:-2] + b" " * (280 * 1024) + doc[-2:]
        with server.client() as c:
            r = c.post("/api/boards/import", content=padded)
            assert r.status_code == 403, "imports need the admin token, like board creation"
            r = c.post("/api/boards/import", content=padded, headers={"X-Admin-Token": "s3cret"})
            assert r.status_code == 201, r.text
            huge = doc[:-2] + b" " * (400 * 1024) + doc[-2:]
            r = c.post("/api/boards/import", content=huge, headers={"X-Admin-Token": "s3cret"})
            assert r.status_code == 413
        with board.rte() as c:
            r = c.post(f"/api/boards/{board.id}/import/jira", files={"file": ("big.csv", huge, "text/csv")})
            assert r.status_code == 413, "a Jira file has the same limit"
        with board.rte() as c:
            # The larger limit is the import routes' only: an op body keeps max_body_bytes.
            r = c.post(
                f"/api/boards/{board.id}/ops", content=padded, headers={"content-type": "application/json"}
            )
            assert r.status_code == 413
    finally:
        server.stop()


def test_exports_are_rate_limited_per_participant(live_server: LiveServer) -> None:
    board = create_board(live_server, "Busy")
    with board.rte() as c:
        codes = [c.get(f"/api/boards/{board.id}/export/risks.csv").status_code for _ in range(40)]
    assert codes[0] == 200 and 429 in codes
    other = board.join("observer", "Olga")
    with live_server.client(other) as c:
        assert c.get(f"/api/boards/{board.id}/export/risks.csv").status_code == 200, "a bucket per person"

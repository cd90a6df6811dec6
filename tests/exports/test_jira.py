"""Jira CSV import: four exports in the shapes Jira Cloud and Data Center write (see
``tests/exports/jira/README.md``) import onto a new board with the default mapping; a re-import
updates by key with a diff and conflicts; broken files are refused with their lines."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from exports_boards import RTE, Builder

from board.core import Op
from board.model import BoardState, Dependency, Feature, Iteration, Story, Team
from board.ops import IMPORT_MAPPING_KEYS, apply_op
from server.transfer.common import FileRefused
from server.transfer.jira import preview_jira
from server.transfer.jira_export import export_jira_csv
from server.transfer.jira_file import MAX_ROWS
from server.transfer.jira_ops import import_ops
from server.transfer.jira_preview import JiraPreview

FIXTURES = Path(__file__).with_name("jira")
FILES = ["cloud_all_fields.csv", "cloud_team_managed.csv", "dc_company_managed.csv", "cloud_custom_type.csv"]
POINT_HEADERS = re.compile(r"story.?points?|story point estimate", re.IGNORECASE)


def new_board(name: str = "Imported") -> Builder:
    b = Builder("jira")
    b.op("board.create", name=name)
    return b


def apply(b: Builder, preview: JiraPreview) -> None:
    for op in import_ops(preview, b.state, new_id=_ids()):
        ctx = b.context()
        apply_op(b.state, op, RTE, ctx)
        b.state.seq = ctx.seq


def _ids() -> Any:
    counter = iter(range(1, 1_000_000))
    return lambda: f"j{next(counter)}"


def read(name: str) -> tuple[list[str], list[dict[str, list[str]]]]:
    """The fixture as plain CSV (the test's own reading): every header's filled values per row."""
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = []
    for row in rows[1:]:
        cells: dict[str, list[str]] = {}
        for header, value in zip(rows[0], row, strict=True):
            if value.strip():
                cells.setdefault(header, []).append(value.strip())
        out.append(cells)
    return rows[0], out


def file_points(header: list[str], row: dict[str, list[str]]) -> int:
    for h in dict.fromkeys(header):
        if POINT_HEADERS.search(h.replace("_", " ")) and row.get(h):
            return int(float(row[h][0]))
    return 0


def on_board(state: BoardState) -> dict[str, Feature | Story]:
    items: list[Feature | Story] = [*state.of(Feature).values(), *state.of(Story).values()]
    return {x.external_key: x for x in items if x.external_key}


@pytest.mark.parametrize("name", FILES)
def test_each_export_imports_onto_a_new_board(name: str) -> None:
    header, rows = read(name)
    b = new_board()
    preview = preview_jira((FIXTURES / name).read_bytes(), b.state)
    apply(b, preview)
    items = on_board(b.state)
    fates = {r.key: r for r in preview.rows}

    # Every issue is on the board, counted into its story, or listed with its reason.
    for row in rows:
        key = row["Issue key"][0]
        kind = row["Issue Type"][0]
        if kind in ("Sub-task", "Subtask"):
            assert fates[key].fate == "counted", key
        elif key in items:
            assert items[key].title == " ".join(row["Summary"][0].split())
        else:
            assert fates[key].fate == "skip" and fates[key].reason, key
    skipped_points = sum(
        file_points(header, row) for row in rows if fates[row["Issue key"][0]].fate == "skip"
    )
    # Every point of the file is on the board (sub-tasks in their stories) or with a skipped row.
    board_points = sum(s.points for s in b.state.stories)
    assert board_points + skipped_points == sum(file_points(header, row) for row in rows) > 0
    assert preview.points() == {
        "file": board_points + skipped_points,
        "board": board_points,
        "not_imported": skipped_points,
    }

    # Every sprint of the file is an iteration of that name, in the order the sprints ran.
    sprints = {s for row in rows for s in row.get("Sprint", [])}
    assert {i.name for i in b.state.iterations} == sprints
    numbers = [int(re.findall(r"\d+", i.name)[-1]) for i in b.state.iterations]
    assert numbers == sorted(numbers)
    for row in rows:
        item = items.get(row["Issue key"][0])
        if isinstance(item, Story) and row.get("Sprint"):
            iteration = b.state.get(Iteration, item.iteration_id)
            assert iteration is not None and iteration.name == row["Sprint"][-1]

    # Blocks links: across teams a dependency, inside a team an order, to the outside an external party.
    pairs = set()
    for row in rows:
        me = row["Issue key"][0]
        pairs |= {(me, other) for other in row.get("Outward issue link (Blocks)", [])}
        pairs |= {(other, me) for other in row.get("Inward issue link (Blocks)", [])}
    deps = {d.external_key: d for d in b.state.of(Dependency).values()}
    for provider, requester in pairs:
        needs = items.get(requester)
        gives = items.get(provider)
        if needs is None or (gives is None and provider in fates):
            continue
        if gives is None:
            assert deps[f"{provider}>{requester}"].external_party == provider
        elif gives.team_id == needs.team_id:
            assert isinstance(needs, Story) and gives.id in needs.after
        else:
            dep = deps[f"{provider}>{requester}"]
            assert (dep.provider_team_id, dep.requesting_team_id) == (gives.team_id, needs.team_id)
    assert pairs and deps


def test_team_managed_defaults_sprint_zero_default_team_and_placeholder_points() -> None:
    b = new_board()
    preview = preview_jira((FIXTURES / "cloud_team_managed.csv").read_bytes(), b.state)
    assert preview.mapping.points_columns == ["Custom field (${field_Story_Points})"]
    assert preview.mapping.team_column == "" and preview.mapping.default_team == "Orbit Mobile"
    assert preview.new_iterations[0] == (1, "OM Sprint 0 — Setup")
    apply(b, preview)
    assert [t.name for t in b.state.teams] == ["Orbit Mobile"]


@pytest.mark.parametrize("name", FILES)
def test_sending_back_every_shown_choice_gives_the_same_preview(name: str) -> None:
    """What the mapping step does on every change: it sends each choice as shown."""
    data = (FIXTURES / name).read_bytes()
    state = new_board().state
    preview = preview_jira(data, state)
    shown = preview.choices()
    for choice in shown:
        assert choice.current in [value for value, _ in choice.options], choice
    again = preview_jira(data, state, [f"{c.name}={c.current}" for c in shown])
    assert [(r.key, r.fate, r.values) for r in again.rows] == [
        (r.key, r.fate, r.values) for r in preview.rows
    ]


def test_relevant_columns_and_links_not_used_are_listed() -> None:
    preview = preview_jira((FIXTURES / "cloud_all_fields.csv").read_bytes(), new_board().state)
    assert preview.mapping.points_columns == [
        "Custom field (Story Points)",
        "Custom field (Story point estimate)",
    ]
    points = next(c for c in preview.choices() if c.name == "points")
    assert points.options[0] == (
        points.current,
        "Custom field (Story Points), then Custom field (Story point estimate)",
    )
    assert preview.unused_columns == [
        "Original estimate (3 rows filled)",
        "Assignee (22 rows filled)",
        "Fix versions (19 rows filled)",
        "Custom field (Epic Name) (3 rows filled)",
        "Cloners links (1): counted, not imported",
        "Duplicate links (1): counted, not imported",
        "Relates links (1): counted, not imported",
    ]


def test_a_mapping_choice_changes_the_preview() -> None:
    data = (FIXTURES / "cloud_custom_type.csv").read_bytes()
    b = new_board()
    proposed = preview_jira(data, b.state)
    assert proposed.counts()["create"] == 10
    skipped = preview_jira(data, b.state, ["type:Work Request=skip"])
    assert skipped.counts()["create"] == 0
    assert {r.reason for r in skipped.rows} == {"issue type 'Work Request' is mapped to skip"}
    one_team = preview_jira(data, b.state, ["team=none", "default-team=Ops"])
    assert {r.values["team"] for r in one_team.rows} == {"Ops"} and one_team.new_teams == ["Ops"]
    no_teams = preview_jira(data, b.state, ["team=none", "default-team="])
    assert {r.reason for r in no_teams.rows} == {"no team: choose a team column or a default team"}
    with pytest.raises(Exception, match="choose one of"):
        preview_jira(data, b.state, ["type:Work Request=epic"])


def test_the_mapping_is_remembered_per_board() -> None:
    data = (FIXTURES / "cloud_custom_type.csv").read_bytes()
    b = new_board()
    preview = preview_jira(data, b.state, ["status:To Do=in_progress"])
    ctx = b.context()
    remember = Op("board.update", None, b.state.meta.version, {"import_mapping": preview.mapping.memory()})
    apply_op(b.state, remember, RTE, ctx)
    again = preview_jira(data, b.state)
    assert again.mapping.statuses["To Do"] == "in_progress"


# --- re-import by key ------------------------------------------------------------------------------------


TEAM_MANAGED = (FIXTURES / "cloud_team_managed.csv").read_text(encoding="utf-8-sig")


def changed(text: str, key: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` on the row of ``key`` only."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        if row[1] == key:
            row[:] = [new if cell == old else cell for cell in row]
    return _csv(rows)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def imported_board() -> Builder:
    b = new_board()
    apply(b, preview_jira(TEAM_MANAGED.encode(), b.state))
    return b


def test_an_identical_second_import_changes_nothing() -> None:
    b = imported_board()
    again = preview_jira(TEAM_MANAGED.encode(), b.state)
    assert {r.fate for r in again.rows} == {"unchanged", "counted"}
    assert import_ops(again, b.state) == [] and again.counts()["dependencies"] == 0
    assert {link.fate for link in again.links} == {"kept"}


def test_re_import_shows_and_applies_changed_points_moved_sprint_new_and_removed_issues() -> None:
    b = imported_board()
    text = changed(TEAM_MANAGED, "OM-4", "5.0", "8.0")
    text = changed(text, "OM-6", "OM Sprint 2", "OM Sprint 1")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    new = list(rows[4])
    new[0:3] = ["Password reset", "OM-11", "10010"]
    rows = [r for r in rows if r[1] != "OM-8"] + [new]
    preview = preview_jira(_csv(rows).encode(), b.state, ["removed=delete"])
    fates = {r.key: r for r in preview.rows}
    assert [(c.field, c.board, c.file, c.conflict) for c in fates["OM-4"].changes] == [
        ("points", 5, 8, False)
    ]
    assert [(c.field, c.board, c.file) for c in fates["OM-6"].changes] == [("iteration", 3, 2)]
    assert fates["OM-11"].fate == "create" and fates["OM-3"].fate == "unchanged"
    assert [(g.key, g.action) for g in preview.gone] == [("OM-8", "delete")]
    apply(b, preview)
    items = on_board(b.state)
    assert items["OM-4"].points == 8 if isinstance(items["OM-4"], Story) else False
    sprint_1 = next(i for i in b.state.iterations if i.name == "OM Sprint 1")
    assert items["OM-6"].iteration_id == sprint_1.id
    assert "OM-11" in items and "OM-8" not in items
    assert len([x for x in items if x == "OM-4"]) == 1


def test_a_board_side_edit_is_a_conflict_and_applied_as_chosen() -> None:
    b = imported_board()
    story = on_board(b.state)["OM-5"]
    b.op("story.update", story.id, points=3)
    edited = changed(TEAM_MANAGED, "OM-5", "8.0", "13.0")
    keep = preview_jira(edited.encode(), b.state)
    conflict = next(r for r in keep.rows if r.key == "OM-5").conflicts
    assert [(c.field, c.board, c.file, c.winner) for c in conflict] == [("points", 3, 14, "board")]
    apply(b, keep)
    assert b.state.of(Story)[story.id].points == 3
    # Chosen the file's: the same conflict, now taken from the file.
    b2 = imported_board()
    story2 = on_board(b2.state)["OM-5"]
    b2.op("story.update", story2.id, points=3)
    take = preview_jira(edited.encode(), b2.state, ["conflict:OM-5.points=file"])
    apply(b2, take)
    assert b2.state.of(Story)[story2.id].points == 14


def test_a_board_side_edit_survives_an_unchanged_file() -> None:
    b = imported_board()
    story = on_board(b.state)["OM-6"]
    b.op("story.update", story.id, title="Welcome tour, shorter")
    again = preview_jira(TEAM_MANAGED.encode(), b.state)
    assert next(r for r in again.rows if r.key == "OM-6").fate == "unchanged"
    assert import_ops(again, b.state) == []


# --- export, and a fresh board from it -------------------------------------------------------------------


def comparable(state: BoardState) -> dict[str, Any]:
    def team(team_id: str | None) -> str:
        found = state.get(Team, team_id)
        return found.name if found else ""

    def sprint(iteration_id: str | None) -> str:
        found = state.get(Iteration, iteration_id)
        return found.name if found else ""

    keys = {x.id: x.external_key for x in on_board(state).values()}
    planned = {x.iteration_id for x in [*state.features, *state.stories]}
    return {
        "teams": sorted(t.name for t in state.teams),
        # A CSV of issues names the sprints that hold work; an empty iteration has no row to be in.
        "iterations": sorted((i.number, i.name) for i in state.iterations if i.id in planned),
        "features": sorted(
            (f.external_key, f.title, team(f.team_id), sprint(f.iteration_id), f.state.value)
            for f in state.features
        ),
        "stories": sorted(
            (
                s.external_key,
                s.title,
                s.points,
                team(s.team_id),
                sprint(s.iteration_id),
                s.status.value,
                keys.get(s.feature_id or ""),
                sorted(keys[x] for x in s.after),
            )
            for s in state.stories
        ),
        "dependencies": sorted(
            (
                d.external_key,
                team(d.requesting_team_id),
                team(d.provider_team_id),
                d.external_party,
                keys.get(d.provider_story_id or d.provider_feature_id or ""),
            )
            for d in state.of(Dependency).values()
        ),
    }


@pytest.mark.parametrize("name", FILES)
def test_export_then_a_fresh_board_from_it_equals_the_board(name: str) -> None:
    b = new_board()
    apply(b, preview_jira((FIXTURES / name).read_bytes(), b.state))
    exported = export_jira_csv(b.state)
    fresh = new_board()
    apply(fresh, preview_jira(exported, fresh.state))
    assert comparable(fresh.state) == comparable(b.state)


def test_the_sample_export_of_the_demo_art_imports_whole() -> None:
    sample = Path(__file__).parents[2] / "docs" / "samples" / "jira-demo-art.csv"
    b = new_board()
    preview = preview_jira(sample.read_bytes(), b.state)
    apply(b, preview)
    assert {r.fate for r in preview.rows} == {"create"} and len(b.state.teams) == 8
    assert len(b.state.stories) > 200 and len(b.state.of(Dependency)) == preview.counts()["dependencies"] > 10
    assert preview.points()["file"] == sum(s.points for s in b.state.stories)


# --- broken files: refused, with line numbers, nothing applied ------------------------------------------


def refused(data: bytes) -> list[str]:
    with pytest.raises(FileRefused) as exc:
        preview_jira(data, new_board().state)
    return [str(p) for p in exc.value.problems]


def small_file() -> bytes:
    """The Data Center fixture, to append a broken row to."""
    return (FIXTURES / "dc_company_managed.csv").read_bytes()


def last_line(data: bytes) -> int:
    """The line a row appended to ``data`` starts on."""
    return data.count(b"\n") + 1


def test_unbalanced_quotes() -> None:
    data = small_file()
    broken = data + b'"Never closed,PAY-77,1,Story\r\nmore text\r\n'
    problems = refused(broken)
    assert problems == [
        f"line {last_line(data)}: a quoted field opens here and is never closed (unbalanced quotes)"
    ]


def test_quote_in_the_middle_of_a_field() -> None:
    data = small_file()
    problems = refused(data + b'Bad "quote" here,"PAY-5"x,1,Story\r\n')
    assert problems[0].startswith("line ") and "broken CSV" in problems[0]


def test_wrong_columns() -> None:
    problems = refused(b"Card name,List,Labels\r\nDo it,Todo,x\r\n")
    assert problems[0] == "line 1: no 'Summary' column"
    assert "line 1: no 'Issue Type' column" in problems
    assert any("does not look like a Jira CSV export" in p and "Card name" in p for p in problems)


def test_row_with_too_many_fields() -> None:
    data = small_file()
    problems = refused(data + b"x,PAY-50,1,Story,,,,,,,,,,,,,extra,extra2\r\n")
    assert problems == [
        f"line {last_line(data)}: this row has 18 fields, the header has 51 (a quote out of place?)"
    ]


def test_bad_encoding() -> None:
    data = small_file()
    latin1 = data + "Café crème,PAY-60,60,Story,,,,,,,,,,,,\r\n".encode("latin-1")
    problems = refused(latin1)
    assert problems[0].startswith(f"line {last_line(data)}: the CSV file is not UTF-8")


def test_too_large() -> None:
    problems = refused(b"Summary,Issue key,Issue Type\r\n" + b"x" * (8 * 1024 * 1024))
    assert "limit is 8 MB" in problems[0]


def test_too_many_rows() -> None:
    body = "".join(f"S{n},K-{n},Story\r\n" for n in range(MAX_ROWS + 1))
    problems = refused(("Summary,Issue key,Issue Type\r\n" + body).encode())
    assert f"more than {MAX_ROWS} issues" in problems[0]


def test_empty_and_binary() -> None:
    assert refused(b"") == ["line 1: the file is empty"]
    assert "NUL" in refused(b"Summary,Issue key\r\n\x00\x01")[0]


def test_a_semicolon_export_from_a_european_excel_reads_the_same() -> None:
    text = (FIXTURES / "cloud_custom_type.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    b = new_board()
    semicolons = preview_jira(buf.getvalue().encode(), b.state)
    commas = preview_jira(text.encode(), b.state)
    assert [(r.key, r.values) for r in semicolons.rows] == [(r.key, r.values) for r in commas.rows]


def test_sprints_written_as_jira_server_objects_give_names_dates_and_order() -> None:
    """Older Jira Server exports write each sprint as its Java object, dates included."""

    def as_object(name: str, start: str, end: str) -> str:
        return (
            f"com.atlassian.greenhopper.service.sprint.Sprint@5e1c9a3b[id={name[-2:]},rapidViewId=7,"
            f"state=CLOSED,name={name},startDate={start}T09:00:00.000+01:00,endDate={end}T17:00:00.000+01:00,"
            f"completeDate=<null>,activatedDate={start}T09:05:00.000+01:00,sequence={name[-2:]},goal=]"
        )

    text = (FIXTURES / "dc_company_managed.csv").read_text(encoding="utf-8")
    dates = {
        11: ("2024-02-19", "2024-03-01"),
        12: ("2024-03-04", "2024-03-15"),
        13: ("2024-03-18", "2024-03-29"),
    }
    dates[14] = ("2024-04-01", "2024-04-26")
    for n, (start, end) in dates.items():
        text = text.replace(f"Payments Sprint {n},", f'"{as_object(f"Payments Sprint {n}", start, end)}",')
    b = new_board()
    apply(b, preview_jira(text.encode(), b.state))
    got = [(i.number, i.name, i.start, i.end, i.weeks) for i in b.state.iterations]
    assert got == [
        (11, "Payments Sprint 11", "2024-02-19", "2024-03-01", 2),
        (12, "Payments Sprint 12", "2024-03-04", "2024-03-15", 2),
        (13, "Payments Sprint 13", "2024-03-18", "2024-03-29", 2),
        (14, "Payments Sprint 14", "2024-04-01", "2024-04-26", 4),
    ]


def test_a_file_with_more_choices_than_a_board_remembers_still_imports() -> None:
    rows = "".join(f"Thing {n},X-{n},Type {n}\r\n" for n in range(IMPORT_MAPPING_KEYS + 50))
    data = f"Summary,Issue key,Issue Type\r\n{rows}".encode()
    b = new_board()
    preview = preview_jira(data, b.state, ["default-team=Ops"])
    memory = preview.mapping.memory()
    assert len(memory) == IMPORT_MAPPING_KEYS and memory["default-team"] == "Ops"
    apply(b, preview)
    ctx = b.context()
    apply_op(b.state, Op("board.update", None, b.state.meta.version, {"import_mapping": memory}), RTE, ctx)
    assert len(b.state.stories) == IMPORT_MAPPING_KEYS + 50


def test_a_link_to_an_outside_issue_with_a_long_name_is_made_once() -> None:
    far = "OUTSIDE-" + "9" * 120
    text = f'Summary,Issue key,Issue Type,Team,Inward issue link (Blocks)\r\nWait,W-1,Story,Ops,"{far}"\r\n'
    b = new_board()
    apply(b, preview_jira(text.encode(), b.state))
    again = preview_jira(text.encode(), b.state)
    assert [link.fate for link in again.links] == ["kept"] and import_ops(again, b.state) == []


def test_sprints_map_onto_a_prepared_boards_iterations_by_name_then_number() -> None:
    b = new_board()
    for n in range(1, 6):
        b.op("iteration.create", number=n, name="IP" if n == 5 else f"Iteration {n}", is_ip=n == 5)
    b.op("iteration.create", number=6, name="OM Sprint 2")
    preview = preview_jira((FIXTURES / "cloud_team_managed.csv").read_bytes(), b.state)
    assert preview.mapping.sprints == {"OM Sprint 0 — Setup": "new", "OM Sprint 1": "1", "OM Sprint 2": "6"}
    assert preview.new_iterations == [(7, "OM Sprint 0 — Setup")]

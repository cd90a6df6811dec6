"""Jira CSV: a file written as Jira writes it imports right; broken ones are refused with lines."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from exports_boards import HOSTILE_FORMULA, HOSTILE_SCRIPT, RTE, Builder

from board.dependencies import dependency_state
from board.model import BoardState, DependencyState, Feature, FeatureKind, Story, StoryStatus
from server.exports.common import FileRefused
from server.exports.jira import MAX_ROWS, export_jira_csv, preview_jira, read_jira_csv

HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Sprint",
    "Sprint",
    "Custom field (Story Points)",
    "Parent",
    "Custom field (Epic Link)",
    "Component/s",
    "Component/s",
    "Outward issue link (Blocks)",
    "Outward issue link (Blocks)",
    "Inward issue link (Blocks)",
    "Description",
]


def issue(summary: str, key: str, num: int, kind: str = "Story", **cols: Any) -> list[str]:
    sprints = cols.get("sprints", [])
    blocks = cols.get("blocks", [])
    return [
        summary,
        key,
        str(num),
        kind,
        cols.get("status", "To Do"),
        sprints[0] if sprints else "",
        sprints[1] if len(sprints) > 1 else "",
        cols.get("points", ""),
        cols.get("parent", ""),
        cols.get("epic", ""),
        cols.get("team", ""),
        "",
        blocks[0] if blocks else "",
        blocks[1] if len(blocks) > 1 else "",
        cols.get("blocked_by", ""),
        cols.get("description", ""),
    ]


ROWS = [
    issue("Checkout revamp", "PAY-1", 10001, "Epic", team="Borealis"),
    issue(
        "Cart API",
        "PAY-2",
        10002,
        epic="PAY-1",
        sprints=["ART Sprint 1", "ART Sprint 2"],
        points="5",
        team="Borealis",
        status="In Progress",
        description='Line one, with a comma\nLine "two" quoted\n\nLine four',
    ),
    issue(
        "Checkout UI",
        "PAY-3",
        10003,
        parent="10001",
        sprints=["Iteration 3"],
        points="3.0",
        team="Apollo",
        blocked_by="PAY-2",
    ),
    issue("Fraud checks", "PAY-4", 10004, "Epic", team="Apollo", sprints=["Iteration 1"], blocks=["PAY-3"]),
    issue(
        "Fraud rules engine", "PAY-5", 10005, epic="PAY-4", sprints=["Sprint 4"], points="8", status="Done"
    ),
    issue("Ghost work", "PAY-6", 10006, team="Ghost Team", points="2"),
    issue("A sub-task", "PAY-7", 10007, "Sub-task", parent="10002"),
    issue("Big initiative", "PAY-8", 10008, "Initiative"),
    issue(
        "Odd points", "PAY-9", 10009, team="Borealis", points="abc", sprints=["Sprint 9"], blocks=["PAY-99"]
    ),
    issue(
        "Fraud API", "PAY-10", 10010, epic="PAY-1", team="Borealis", sprints=["Iteration 1"], blocks=["PAY-5"]
    ),
    issue(HOSTILE_FORMULA, "PAY-11", 10011, team="Borealis", description=HOSTILE_SCRIPT),
]


def jira_csv(rows: list[list[str]], header: list[str] = HEADER) -> tuple[bytes, dict[str, int]]:
    """The file as Jira writes it (UTF-8 with BOM, quotes where needed), and each key's line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    lines = {}
    for row in rows:
        lines[row[1]] = buf.getvalue().count("\n") + 1
        writer.writerow(row)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"), lines


def setup_board() -> Builder:
    b = Builder()
    b.op("board.create", name="Jira target")
    for n in range(1, 5):
        b.op("iteration.create", number=n, name=f"Iteration {n}")
    b.op("iteration.create", number=5, name="IP", is_ip=True)
    b.op("team.create", name="Apollo")
    b.op("team.create", name="Borealis")
    return b


def apply(b: Builder, ops: list[Any]) -> None:
    for op in ops:
        b.op(op.type, op.target, **op.args)


def by_key(state: BoardState) -> dict[str, Any]:
    items: list[Feature | Story] = [*state.of(Feature).values(), *state.of(Story).values()]
    return {x.external_key: x for x in items}


def names(state: BoardState) -> tuple[dict[str, str], dict[str, int]]:
    return {t.id: t.name for t in state.teams}, {i.id: i.number for i in state.iterations}


def test_a_jira_export_imports_with_teams_iterations_points_and_dependencies() -> None:
    data, lines = jira_csv(ROWS)
    assert (lines["PAY-2"], lines["PAY-3"], lines["PAY-4"]) == (3, 7, 8), "PAY-2 spans 4 lines"
    b = setup_board()
    preview = preview_jira(data, b.state)
    assert {f.key for f in preview.features} == {"PAY-1", "PAY-4"}
    assert {s.key for s in preview.stories} == {"PAY-2", "PAY-3", "PAY-5", "PAY-9", "PAY-10", "PAY-11"}
    skipped = {p.key: p for p in preview.skipped}
    assert (
        skipped["PAY-6"].line == lines["PAY-6"] and "no team named 'Ghost Team'" in skipped["PAY-6"].message
    )
    assert skipped["PAY-7"].line == lines["PAY-7"] and "sub-tasks" in skipped["PAY-7"].message
    assert skipped["PAY-8"].line == lines["PAY-8"] and "Initiative" in skipped["PAY-8"].message
    assert "PAY-99" in skipped["PAY-9"].message and skipped["PAY-9"].line == lines["PAY-9"]
    assert "within team Apollo" in skipped["PAY-4"].message
    warnings = {(p.key, p.line): p.message for p in preview.warnings}
    assert "not a number" in warnings[("PAY-9", lines["PAY-9"])]
    assert "rounded" not in " ".join(warnings.values()), "3.0 is a whole number"
    assert any("ART Sprint 2" in m for m in warnings.values()), "carried over: the last sprint wins"

    apply(b, preview.ops(b.state))
    state = b.state
    teams, its = names(state)
    got = by_key(state)
    epic = got["PAY-1"]
    assert (teams[epic.team_id], its[epic.iteration_id]) == ("Borealis", 2), "delivered with its last story"
    cart = got["PAY-2"]
    assert (teams[cart.team_id], its[cart.iteration_id], cart.points) == ("Borealis", 2, 5)
    assert cart.feature_id == epic.id and cart.status == StoryStatus.IN_PROGRESS
    ui = got["PAY-3"]
    assert (teams[ui.team_id], its[ui.iteration_id], ui.points, ui.feature_id) == ("Apollo", 3, 3, epic.id)
    rules = got["PAY-5"]
    assert teams[rules.team_id] == "Apollo", "inherits the epic's team"
    assert its[rules.iteration_id] == 4 and rules.status == StoryStatus.DONE
    assert got["PAY-9"].iteration_id is None and got["PAY-9"].points == 0
    assert got["PAY-11"].title == HOSTILE_FORMULA
    fraud = got["PAY-4"]
    assert (teams[fraud.team_id], its[fraud.iteration_id]) == ("Apollo", 1)

    deps = {(d.provider_story_id, d.requesting_team_id): d for d in state.dependencies}
    assert len(deps) == 2
    d1 = deps[(cart.id, ui.team_id)]
    assert teams[d1.provider_team_id] == "Borealis" and d1.requesting_feature_id == epic.id
    assert its[d1.needed_by_iteration_id] == 3 and dependency_state(state, d1) == DependencyState.COMMITTED
    d2 = deps[(got["PAY-10"].id, rules.team_id)]
    assert d2.requesting_feature_id == fraud.id and d2.need.startswith("PAY-10: Fraud API")


def test_re_import_leaves_existing_issues_and_links_to_them() -> None:
    data, _ = jira_csv(ROWS)
    b = setup_board()
    apply(b, preview_jira(data, b.state).ops(b.state))
    again = preview_jira(data, b.state)
    assert again.empty
    assert sum("already on the board as a" in p.message for p in again.skipped) == 8
    assert sum("both already on the board" in p.message for p in again.skipped) == 3


def test_unknown_teams_can_be_created() -> None:
    data, _ = jira_csv(ROWS)
    b = setup_board()
    preview = preview_jira(data, b.state, create_teams=True)
    assert preview.teams == ["Ghost Team"]
    apply(b, preview.ops(b.state))
    assert "Ghost Team" in {t.name for t in b.state.teams}
    assert "PAY-6" in by_key(b.state)


def test_preview_is_serialisable() -> None:
    data, _ = jira_csv(ROWS)
    out = preview_jira(data, setup_board().state).to_dict()
    assert out["features"][0]["kind"] == "feature" and isinstance(out["skipped"][0]["line"], int)


# --- broken files: refused, with line numbers, nothing applied ------------------------------------------


def refused(data: bytes) -> list[str]:
    with pytest.raises(FileRefused) as exc:
        preview_jira(data, setup_board().state)
    return [str(p) for p in exc.value.problems]


def test_unbalanced_quotes() -> None:
    data, lines = jira_csv(ROWS[:4])
    broken = data + b'"Never closed,PAY-77,1,Story\r\nmore text\r\n'
    problems = refused(broken)
    assert problems == [
        f"line {lines['PAY-4'] + 1}: a quoted field opens here and is never closed (unbalanced quotes)"
    ]


def test_quote_in_the_middle_of_a_field() -> None:
    data, _ = jira_csv(ROWS[:2])
    problems = refused(data + b'Bad "quote" here,"PAY-5"x,1,Story\r\n')
    assert problems[0].startswith("line ") and "broken CSV" in problems[0]


def test_wrong_columns() -> None:
    problems = refused(b"Card name,List,Labels\r\nDo it,Todo,x\r\n")
    assert problems[0] == "line 1: no 'Summary' column"
    assert "line 1: no 'Issue Type' column" in problems
    assert any("does not look like a Jira CSV export" in p and "Card name" in p for p in problems)


def test_row_with_too_many_fields() -> None:
    data, lines = jira_csv(ROWS[:3])
    problems = refused(data + b"x,PAY-50,1,Story,,,,,,,,,,,,,extra,extra2\r\n")
    assert problems == [
        f"line {lines['PAY-3'] + 1}: this row has 18 fields, the header has 16 (a quote out of place?)"
    ]


def test_bad_encoding() -> None:
    data, lines = jira_csv(ROWS[:3])
    latin1 = data + "Café crème,PAY-60,60,Story,,,,,,,,,,,,\r\n".encode("latin-1")
    problems = refused(latin1)
    assert problems[0].startswith(f"line {lines['PAY-3'] + 1}: the CSV file is not UTF-8")


def test_too_large() -> None:
    problems = refused(b"Summary,Issue key,Issue Type\r\n" + b"x" * (5 * 1024 * 1024))
    assert "limit is 5 MB" in problems[0]


def test_too_many_rows() -> None:
    body = "".join(f"S{n},K-{n},Story\r\n" for n in range(MAX_ROWS + 1))
    problems = refused(("Summary,Issue key,Issue Type\r\n" + body).encode())
    assert f"more than {MAX_ROWS} issues" in problems[0]


def test_empty_and_binary() -> None:
    assert refused(b"") == ["line 1: the file is empty"]
    assert "NUL" in refused(b"Summary,Issue key\r\n\x00\x01")[0]


def test_semicolon_export_from_a_european_excel() -> None:
    text = (
        "Summary;Issue key;Issue Type;Team;Sprint;Story Points\r\nA story;X-1;Story;Apollo;Iteration 2;5\r\n"
    )
    b = setup_board()
    preview = preview_jira(text.encode(), b.state)
    assert [(s.key, s.team, s.iteration, s.points) for s in preview.stories] == [("X-1", "Apollo", 2, 5)]


# --- export for Jira's importer, and back -----------------------------------------------------------------


def test_export_reads_back_as_jira_csv(board: BoardState) -> None:
    data = export_jira_csv(board)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    assert header[:11] == [
        "Issue id",
        "Issue key",
        "Summary",
        "Issue Type",
        "Status",
        "Parent",
        "Sprint",
        "Story Points",
        "Team",
        "Labels",
        "Description",
    ]
    assert header[11:] and set(header[11:]) == {'Link "blocks"'}
    assert len(rows) == 1 + len(board.features) + len(board.stories)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    issues = read_jira_csv(data)
    assert {i.summary for i in issues} >= {"Single sign-on", HOSTILE_FORMULA, "@SUM(1+1)"}


def test_export_then_import_gives_the_same_plan(board: BoardState) -> None:
    data = export_jira_csv(board)
    b = Builder("target")
    b.op("board.create", name="Next PI")
    for it in board.iterations:
        b.op("iteration.create", number=it.number, name=it.name, is_ip=it.is_ip)
    for team in board.teams:
        b.op("team.create", name=team.name)
    preview = preview_jira(data, b.state)
    assert not preview.skipped, preview.skipped
    apply(b, preview.ops(b.state))

    def plan(state: BoardState) -> set[tuple[Any, ...]]:
        teams, its = names(state)
        titles = {f.id: f.title for f in state.features}
        out: set[tuple[Any, ...]] = set()
        for f in state.features:
            out.add(("F", f.title, teams.get(f.team_id or ""), its.get(f.iteration_id or ""), f.feature_kind))
        for s in state.stories:
            out.add(("S", s.title, teams[s.team_id or ""], its.get(s.iteration_id or ""), s.points, s.status))
            out.add(("SF", s.title, titles.get(s.feature_id or "")))
        return out

    assert plan(b.state) == plan(board)
    assert any(f.feature_kind == FeatureKind.ENABLER for f in b.state.features)
    linked = {
        (d.provider_team_id and names(board)[0][d.provider_team_id], d.requesting_feature_id)
        for d in board.dependencies
        if (d.provider_story_id or d.provider_feature_id) and d.requesting_feature_id
    }
    assert len(b.state.dependencies) == len(linked) == 2
    assert RTE.role.value == "rte"


def test_links_to_issues_already_on_the_board() -> None:
    first, _ = jira_csv(ROWS[:2])  # PAY-1 epic and PAY-2 story (Borealis)
    b = setup_board()
    apply(b, preview_jira(first, b.state).ops(b.state))
    later, _ = jira_csv(
        [issue("Checkout UI", "PAY-3", 10003, team="Apollo", sprints=["Iteration 3"], blocked_by="PAY-2")]
    )
    preview = preview_jira(later, b.state)
    assert [(d.provider_key, d.requester_key) for d in preview.dependencies] == [("PAY-2", "PAY-3")]
    apply(b, preview.ops(b.state))
    dep = b.state.dependencies[0]
    assert dep.provider_story_id == by_key(b.state)["PAY-2"].id

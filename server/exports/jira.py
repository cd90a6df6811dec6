"""Jira: import features and stories from a Jira CSV export (with a preview), and export a CSV
that Jira's CSV importer takes back.

``preview_jira(data, state)`` reads the file as Jira writes it (quoted multi-line fields,
repeated ``Sprint`` and link columns) and says what will be created and what cannot be
mapped and why, each with the line it starts on. A broken file raises
:class:`~server.exports.common.FileRefused` with every problem and its line; nothing is
applied. ``preview.ops(state)`` gives the ops that apply the preview.
"""

from __future__ import annotations

import csv
import io
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from board.model import (
    BoardState,
    Dependency,
    Feature,
    FeatureKind,
    FeatureState,
    Iteration,
    Story,
    StoryStatus,
    Team,
)
from board.ops import Op
from server.exports.common import FileRefused, Problem, decode_text, neutralise, unneutralise

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_FIELD = 128 * 1024

# Our name for a column -> the headers Jira uses for it (case-insensitive), in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": ("Summary",),
    "key": ("Issue key", "Key"),
    "id": ("Issue id", "Issue ID"),
    "type": ("Issue Type", "Issuetype"),
    "status": ("Status",),
    "sprint": ("Sprint", "Custom field (Sprint)"),
    "points": (
        "Story Points",
        "Custom field (Story Points)",
        "Custom field (Story point estimate)",
        "Story point estimate",
    ),
    "parent": ("Parent", "Parent id", "Parent key", "Custom field (Epic Link)", "Epic Link", "Parent Link"),
    "team": ("Team", "Custom field (Team)", "Team Name", "Component/s", "Components", "Component"),
    "blocks": ("Outward issue link (Blocks)", 'Link "blocks"', "Link blocks"),
    "blocked_by": ("Inward issue link (Blocks)", 'Link "is blocked by"', "Link is blocked by"),
    "description": ("Description",),
    "labels": ("Labels",),
}

FEATURE_TYPES = {"epic", "feature", "capability", "enabler"}
STORY_TYPES = {"story", "task", "bug", "spike", "improvement", "technical debt", "enabler story"}
SUBTASK_TYPES = {"sub-task", "subtask", "sub task"}
DONE_STATUSES = {"done", "closed", "resolved", "complete", "completed", "accepted"}
PROGRESS_STATUSES = {"in progress", "in review", "in development", "review", "testing", "in test", "doing"}

_NUMBER = re.compile(r"(\d+)(?!.*\d)")


# --- reading the file --------------------------------------------------------------------------------


@dataclass
class JiraIssue:
    line: int
    key: str
    issue_id: str
    summary: str
    type: str
    status: str
    sprints: list[str]
    points: str
    parent: str
    team: str
    blocks: list[str]
    blocked_by: list[str]
    description: str
    labels: list[str]

    @property
    def ref(self) -> str:
        return self.key or self.issue_id or f"line {self.line}"


def read_jira_csv(data: bytes | str) -> list[JiraIssue]:
    """Parse a Jira CSV export; :class:`FileRefused` with line numbers if it is broken."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise FileRefused(
            [Problem(None, f"the file is {size / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")]
        )
    text = decode_text(data, "CSV file")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRefused([Problem(line, "the file holds NUL bytes: it is not a CSV text file")])
    if not text.strip():
        raise FileRefused([Problem(1, "the file is empty")])
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    records: list[tuple[int, list[str]]] = []
    start = 1
    old_limit = csv.field_size_limit(MAX_FIELD)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                message = str(exc)
                if "unexpected end of data" in message or "EOF" in message:
                    problems.append(
                        Problem(start, "a quoted field opens here and is never closed (unbalanced quotes)")
                    )
                elif "field larger than" in message:
                    problems.append(Problem(start, f"a field is larger than {MAX_FIELD // 1024} KB"))
                else:
                    problems.append(Problem(reader.line_num, f"broken CSV: {message}"))
                break
            if any(cell.strip() for cell in row):
                records.append((start, row))
                if len(records) > MAX_ROWS + 1:
                    raise FileRefused([Problem(start, f"the file has more than {MAX_ROWS} issues; split it")])
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(old_limit)
    if problems:
        raise FileRefused(problems)
    if not records:
        raise FileRefused([Problem(1, "the file is empty")])
    header_line, header = records[0]
    columns = _columns(header, header_line)
    issues = []
    width = len(header)
    for line, row in records[1:]:
        if len(row) != width:
            problems.append(
                Problem(
                    line, f"this row has {len(row)} fields, the header has {width} (a quote out of place?)"
                )
            )
            continue
        issues.append(_issue(line, row, columns))
    if problems:
        raise FileRefused(problems)
    return issues


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") and "summary" in first.lower() else ","


def _columns(header: list[str], line: int) -> dict[str, list[int]]:
    names = [h.strip().lower() for h in header]
    found: dict[str, list[int]] = {}
    for ours, headers in COLUMNS.items():
        # Every column of every alias, in order of preference: the first non-empty cell wins
        # (a file may hold both "Parent" and "Epic Link", or several "Component/s").
        idx = [n for h in headers for n, name in enumerate(names) if name == h.lower()]
        if idx:
            found[ours] = idx
    problems = []
    for required in ("summary", "type"):
        if required not in found:
            problems.append(Problem(line, f"no '{COLUMNS[required][0]}' column"))
    if "key" not in found and "id" not in found:
        problems.append(Problem(line, "no 'Issue key' or 'Issue id' column"))
    if problems:
        shown = ", ".join(h for h in header[:12] if h)
        problems.append(
            Problem(line, f"this does not look like a Jira CSV export (columns found: {shown or 'none'})")
        )
        raise FileRefused(problems)
    return found


def _issue(line: int, row: list[str], cols: dict[str, list[int]]) -> JiraIssue:
    def one(name: str) -> str:
        for i in cols.get(name, []):
            value = unneutralise(row[i].strip())
            if value:
                return value
        return ""

    def many(name: str) -> list[str]:
        out = []
        for i in cols.get(name, []):
            for part in re.split(r"[,\s]+", row[i].strip()) if name in ("blocks", "blocked_by") else [row[i]]:
                part = unneutralise(part.strip())
                if part and part not in out:
                    out.append(part)
        return out

    return JiraIssue(
        line=line,
        key=one("key"),
        issue_id=one("id"),
        summary=one("summary"),
        type=one("type"),
        status=one("status"),
        sprints=many("sprint"),
        points=one("points"),
        parent=one("parent"),
        team=one("team"),
        blocks=many("blocks"),
        blocked_by=many("blocked_by"),
        description=unneutralise(row[cols["description"][0]]) if "description" in cols else "",
        labels=[x for label in many("labels") for x in label.split()],
    )


# --- the preview ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedFeature:
    line: int
    ref: str  # issue key, else issue id: how other rows of the file name it
    key: str
    title: str
    team: str | None
    iteration: int | None
    kind: FeatureKind
    state: FeatureState
    description: str


@dataclass(frozen=True)
class PlannedStory:
    line: int
    ref: str
    key: str
    title: str
    feature_key: str | None
    team: str
    iteration: int | None
    points: int
    status: StoryStatus


@dataclass(frozen=True)
class PlannedDependency:
    line: int
    need: str
    provider_key: str
    requester_key: str
    provider_team: str
    requesting_team: str
    needed_by: int | None


@dataclass
class JiraPreview:
    """What an import will create, and what it cannot map (and why), each with its line."""

    teams: list[str] = field(default_factory=list)
    features: list[PlannedFeature] = field(default_factory=list)
    stories: list[PlannedStory] = field(default_factory=list)
    dependencies: list[PlannedDependency] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Issues already on the board (by key): key -> (kind, id), used to link new items to them.
    existing: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.teams or self.features or self.stories or self.dependencies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "teams": list(self.teams),
            "features": [_plain(f) for f in self.features],
            "stories": [_plain(s) for s in self.stories],
            "dependencies": [_plain(d) for d in self.dependencies],
            "skipped": [p.to_dict() for p in self.skipped],
            "warnings": [p.to_dict() for p in self.warnings],
        }

    def ops(self, state: BoardState, *, new_id: Callable[[], str] | None = None) -> list[Op]:
        """The ops that apply this preview to ``state`` (the board it was previewed against)."""
        return _ops(self, state, new_id or (lambda: uuid.uuid4().hex[:20]))


def _plain(obj: Any) -> dict[str, Any]:
    out = {}
    for k, v in vars(obj).items():
        out[k] = v.value if hasattr(v, "value") else v
    return out


def preview_jira(data: bytes | str, state: BoardState, *, create_teams: bool = False) -> JiraPreview:
    """Read a Jira CSV export and map it onto ``state``: sprints → iterations, teams by name.

    ``create_teams``: teams named in the file but missing on the board are created
    (otherwise their issues are listed as not mapped).
    """
    issues = read_jira_csv(data)
    return _map(issues, state, create_teams)


class _Mapper:
    def __init__(self, state: BoardState, preview: JiraPreview, create_teams: bool) -> None:
        self.state = state
        self.preview = preview
        self.create_teams = create_teams
        self.teams = {t.name.lower(): t.name for t in state.of(Team).values()}
        self.iterations = state.iterations

    def team(self, name: str) -> str | None:
        if not name:
            return None
        found = self.teams.get(name.lower())
        if found is None and self.create_teams and len(name) <= 60:
            self.teams[name.lower()] = name
            self.preview.teams.append(name)
            found = name
        return found

    def iteration(self, issue: JiraIssue) -> Iteration | None:
        if not issue.sprints:
            return None
        sprint = issue.sprints[-1]
        if len(issue.sprints) > 1:
            self.preview.warnings.append(
                Problem(
                    issue.line,
                    f"in several sprints ({', '.join(issue.sprints)}): planned in the last, '{sprint}'",
                    issue.ref,
                )
            )
        by_name = [i for i in self.iterations if i.name and i.name.lower() == sprint.lower()]
        if by_name:
            return by_name[0]
        match = _NUMBER.search(sprint)
        if match:
            number = int(match.group(1))
            by_number = [i for i in self.iterations if i.number == number]
            if by_number:
                return by_number[0]
        self.preview.warnings.append(
            Problem(
                issue.line,
                f"sprint '{sprint}' matches no iteration by name or number: left in the backlog",
                issue.ref,
            )
        )
        return None


def _kind(issue: JiraIssue) -> str | None:
    t = issue.type.strip().lower()
    if t in FEATURE_TYPES:
        return "feature"
    if t in STORY_TYPES:
        return "story"
    return None


def _points(issue: JiraIssue, preview: JiraPreview) -> int:
    raw = issue.points.replace(",", ".").strip()
    if not raw:
        return 0
    try:
        value = float(raw)
    except ValueError:
        preview.warnings.append(
            Problem(issue.line, f"story points '{raw}' are not a number: set to 0", issue.ref)
        )
        return 0
    if not math.isfinite(value) or not 0 <= value <= 100:
        preview.warnings.append(
            Problem(issue.line, f"story points {raw} are outside 0–100: set to 0", issue.ref)
        )
        return 0
    if not value.is_integer():
        rounded = math.ceil(value)
        preview.warnings.append(Problem(issue.line, f"story points {raw} rounded up to {rounded}", issue.ref))
        return rounded
    return int(value)


def _status(issue: JiraIssue) -> StoryStatus:
    s = issue.status.strip().lower()
    if s in DONE_STATUSES:
        return StoryStatus.DONE
    if s in PROGRESS_STATUSES:
        return StoryStatus.IN_PROGRESS
    return StoryStatus.TODO


def _title(issue: JiraIssue, preview: JiraPreview) -> str:
    title = " ".join(issue.summary.split())
    if len(title) > 200:
        preview.warnings.append(
            Problem(issue.line, "summary longer than 200 characters: shortened", issue.ref)
        )
        title = title[:199].rstrip() + "…"
    return title


def _map(issues: list[JiraIssue], state: BoardState, create_teams: bool) -> JiraPreview:
    preview = JiraPreview()
    m = _Mapper(state, preview, create_teams)
    by_ref: dict[str, JiraIssue] = {}
    for issue in issues:
        for ref in (issue.key, issue.issue_id):
            if ref:
                by_ref.setdefault(ref, issue)
    on_board: dict[str, tuple[str, str]] = {}
    for f in state.of(Feature).values():
        if f.external_key:
            on_board[f.external_key] = ("feature", f.id)
    for s in state.of(Story).values():
        if s.external_key:
            on_board[s.external_key] = ("story", s.id)

    # Pass 1: which rows map at all.
    mapped: dict[int, str] = {}  # line -> "feature" | "story"
    seen_keys: set[str] = set()
    for issue in issues:
        kind = _kind(issue)
        if issue.key and issue.key in seen_keys:
            preview.skipped.append(Problem(issue.line, "this issue key appears twice in the file", issue.ref))
            continue
        if issue.key:
            seen_keys.add(issue.key)
        if not issue.summary.strip():
            preview.skipped.append(Problem(issue.line, "no Summary", issue.ref))
        elif issue.type.strip().lower() in SUBTASK_TYPES:
            preview.skipped.append(
                Problem(issue.line, "sub-tasks are not planned on the board (their story is)", issue.ref)
            )
        elif kind is None:
            preview.skipped.append(
                Problem(
                    issue.line,
                    f"issue type '{issue.type or '(empty)'}' is not mapped: features come from Epics, "
                    "stories from Stories, Tasks, Bugs and Spikes",
                    issue.ref,
                )
            )
        elif issue.key and issue.key in on_board:
            preview.existing[issue.key] = on_board[issue.key]
            preview.skipped.append(
                Problem(
                    issue.line,
                    f"already on the board as a {on_board[issue.key][0]}: left as it is",
                    issue.ref,
                )
            )
        elif len(issue.key) > 40:
            preview.skipped.append(Problem(issue.line, "issue key longer than 40 characters", issue.ref))
        else:
            mapped[issue.line] = kind

    def parent_of(issue: JiraIssue) -> JiraIssue | None:
        parent = by_ref.get(issue.parent) if issue.parent else None
        return parent if parent is not None and mapped.get(parent.line) == "feature" else None

    # Pass 2: stories (they tell a feature without its own sprint where it is delivered).
    story_team: dict[int, str] = {}
    story_iteration: dict[int, Iteration | None] = {}
    children: dict[int, list[JiraIssue]] = {}
    feature_team: dict[int, str | None] = {}
    for issue in issues:
        if mapped.get(issue.line) == "feature":
            feature_team[issue.line] = m.team(issue.team) if issue.team else None
            if issue.team and feature_team[issue.line] is None:
                preview.warnings.append(
                    Problem(
                        issue.line,
                        f"no team named '{issue.team}' on this board: the feature has no team",
                        issue.ref,
                    )
                )
    for issue in issues:
        if mapped.get(issue.line) != "story":
            continue
        parent = parent_of(issue)
        team = m.team(issue.team) if issue.team else None
        if team is None and not issue.team and parent is not None:
            team = feature_team.get(parent.line)
        if team is None:
            why = (
                f"no team named '{issue.team}' on this board"
                if issue.team
                else "no team: fill Team or Component/s (or the epic's)"
            )
            preview.skipped.append(Problem(issue.line, why, issue.ref))
            del mapped[issue.line]
            continue
        story_team[issue.line] = team
        story_iteration[issue.line] = m.iteration(issue)
        if parent is not None:
            children.setdefault(parent.line, []).append(issue)
        elif issue.parent and issue.parent not in on_board:
            preview.warnings.append(
                Problem(
                    issue.line, f"parent '{issue.parent}' is not an epic in this file: no feature", issue.ref
                )
            )

    for issue in issues:
        if mapped.get(issue.line) != "feature":
            continue
        team = feature_team[issue.line]
        kids = children.get(issue.line, [])
        if team is None and not issue.team:
            kid_teams = {story_team[k.line] for k in kids}
            team = kid_teams.pop() if len(kid_teams) == 1 else None
        it = m.iteration(issue)
        if it is None and not issue.sprints and team is not None:
            planned = [story_iteration[k.line] for k in kids if story_team[k.line] == team]
            numbers = [i for i in planned if i is not None and not i.is_ip]
            it = max(numbers, key=lambda i: i.number) if numbers else None
        if it is not None and it.is_ip:
            preview.warnings.append(
                Problem(issue.line, "the IP iteration holds no feature work: left in the backlog", issue.ref)
            )
            it = None
        feature_team[issue.line] = team
        is_enabler = issue.type.lower() == "enabler" or "enabler" in [x.lower() for x in issue.labels]
        state_ = (
            FeatureState.DONE
            if _status(issue) == StoryStatus.DONE
            else FeatureState.IN_PROGRESS
            if _status(issue) == StoryStatus.IN_PROGRESS
            else FeatureState.PLANNED
            if it is not None
            else FeatureState.FUNNEL
        )
        preview.features.append(
            PlannedFeature(
                line=issue.line,
                ref=_issue_ref(issue),
                key=issue.key,
                title=_title(issue, preview),
                team=team,
                iteration=it.number if it else None,
                kind=FeatureKind.ENABLER if is_enabler else FeatureKind.FEATURE,
                state=state_,
                description=issue.description[:4000],
            )
        )
    for issue in issues:
        if mapped.get(issue.line) != "story":
            continue
        parent = parent_of(issue)
        feature_key = _issue_ref(parent) if parent else (issue.parent if issue.parent in on_board else None)
        if issue.parent in on_board:
            preview.existing[issue.parent] = on_board[issue.parent]
        it = story_iteration[issue.line]
        preview.stories.append(
            PlannedStory(
                line=issue.line,
                ref=_issue_ref(issue),
                key=issue.key,
                title=_title(issue, preview),
                feature_key=feature_key,
                team=story_team[issue.line],
                iteration=it.number if it else None,
                points=_points(issue, preview),
                status=_status(issue),
            )
        )

    # Pass 3: "blocks" links across teams become dependencies.
    planned_refs: dict[str, tuple[str, str | None, int | None, str | None]] = {}
    for pf in preview.features:
        planned_refs[pf.ref] = ("feature", pf.team, pf.iteration, None)
    for ps in preview.stories:
        planned_refs[ps.ref] = ("story", ps.team, ps.iteration, ps.feature_key)

    def on_board_ref(key: str) -> tuple[str, str | None, int | None, str | None] | None:
        """An issue already on the board (by key), as a link end."""
        if key not in on_board:
            return None
        kind, item_id = on_board[key]
        item: Feature | Story | None = (
            state.get(Feature, item_id) if kind == "feature" else state.get(Story, item_id)
        )
        if item is None:
            return None
        preview.existing[key] = on_board[key]
        it = state.get(Iteration, item.iteration_id)
        team_ = state.get(Team, item.team_id)
        return kind, team_.name if team_ else None, it.number if it else None, None

    ids_to_ref = {i.issue_id: _issue_ref(i) for i in issues if i.issue_id}
    pairs: dict[tuple[str, str], int] = {}
    for issue in issues:
        me = _issue_ref(issue)
        for other in issue.blocks:
            pairs.setdefault((me, ids_to_ref.get(other, other)), issue.line)
        for other in issue.blocked_by:
            pairs.setdefault((ids_to_ref.get(other, other), me), issue.line)
    for (provider, requester), line in pairs.items():
        p = planned_refs.get(provider) or on_board_ref(provider)
        r = planned_refs.get(requester) or on_board_ref(requester)
        if provider in on_board and requester in on_board:
            preview.skipped.append(
                Problem(line, f"link '{provider}' blocks '{requester}': both already on the board", provider)
            )
            continue
        missing = [ref for ref, got in ((provider, p), (requester, r)) if got is None]
        if missing or p is None or r is None:
            preview.skipped.append(
                Problem(
                    line,
                    f"link '{provider}' blocks '{requester}': "
                    f"{', '.join(missing)} is not imported from this file",
                    provider,
                )
            )
            continue
        if not p[1] or not r[1]:
            preview.skipped.append(
                Problem(line, f"link '{provider}' blocks '{requester}': both ends need a team", provider)
            )
            continue
        if p[1] == r[1]:
            preview.skipped.append(
                Problem(
                    line,
                    f"link '{provider}' blocks '{requester}' within team {p[1]}: "
                    "a story order, not a dependency",
                    provider,
                )
            )
            continue
        provider_issue = by_ref.get(provider)
        need = f"{provider}: {' '.join(provider_issue.summary.split())}" if provider_issue else provider
        preview.dependencies.append(
            PlannedDependency(
                line=line,
                need=need[:300],
                provider_key=provider,
                requester_key=requester,
                provider_team=p[1],
                requesting_team=r[1],
                needed_by=r[2] if r[0] == "story" else None,
            )
        )
    preview.skipped.sort(key=lambda p: (p.line or 0, p.message))
    preview.warnings.sort(key=lambda p: (p.line or 0, p.message))
    return preview


def _issue_ref(issue: JiraIssue) -> str:
    return issue.key or issue.issue_id or f"line {issue.line}"


def _ops(preview: JiraPreview, state: BoardState, new_id: Callable[[], str]) -> list[Op]:
    teams = {t.name.lower(): t.id for t in state.of(Team).values()}
    iterations = {i.number: i.id for i in state.of(Iteration).values()}
    ops: list[Op] = []
    problems: list[Problem] = []

    def add(op_type: str, args: dict[str, Any]) -> None:
        ops.append(Op(op_type, args=args, client_op_id=f"jira:{len(ops)}:{op_type}"))

    for name in preview.teams:
        if name.lower() not in teams:
            teams[name.lower()] = new_id()
            add("team.create", {"id": teams[name.lower()], "name": name})

    def team(name: str | None, line: int) -> str | None:
        if name is None:
            return None
        if name.lower() not in teams:
            problems.append(Problem(line, f"team '{name}' is no longer on the board"))
            return None
        return teams[name.lower()]

    def iteration(number: int | None, line: int) -> str | None:
        if number is None:
            return None
        if number not in iterations:
            problems.append(Problem(line, f"iteration {number} is no longer on the board"))
        return iterations.get(number)

    refs: dict[str, tuple[str, str]] = dict(preview.existing)
    for f in preview.features:
        fid = new_id()
        refs[f.ref] = ("feature", fid)
        args: dict[str, Any] = {
            "id": fid,
            "title": f.title,
            "description": f.description,
            "feature_kind": f.kind.value,
            "state": f.state.value,
            "team_id": team(f.team, f.line),
            "iteration_id": iteration(f.iteration, f.line),
            "external_key": f.key,
        }
        add("feature.create", args)
    story_feature: dict[str, str | None] = {}
    for s in preview.stories:
        sid = new_id()
        refs[s.ref] = ("story", sid)
        feature = refs.get(s.feature_key or "")
        story_feature[sid] = feature[1] if feature and feature[0] == "feature" else None
        add(
            "story.create",
            {
                "id": sid,
                "title": s.title,
                "feature_id": story_feature[sid],
                "team_id": team(s.team, s.line),
                "iteration_id": iteration(s.iteration, s.line),
                "points": s.points,
                "status": s.status.value,
                "external_key": s.key,
            },
        )
    for d in preview.dependencies:
        pkind, pid = refs[d.provider_key]
        rkind, rid = refs[d.requester_key]
        args = {
            "id": new_id(),
            "need": d.need,
            "requesting_team_id": team(d.requesting_team, d.line),
            "provider_team_id": team(d.provider_team, d.line),
            "requesting_feature_id": rid if rkind == "feature" else story_feature.get(rid),
            "needed_by_iteration_id": iteration(d.needed_by, d.line),
        }
        args["provider_story_id" if pkind == "story" else "provider_feature_id"] = pid
        add("dependency.create", args)
    if problems:
        raise FileRefused(problems)
    return ops


# --- export for Jira's CSV importer ------------------------------------------------------------------


def export_jira_csv(state: BoardState) -> bytes:
    """Features as Epics and stories as Stories, with parents, sprints, points, teams and
    "blocks" links by ``Issue id`` (map them in Jira's CSV importer). Text cells are neutralised
    against spreadsheet formulas (a leading apostrophe; :func:`preview_jira` strips it again)."""
    features = state.features
    stories = sorted(state.stories, key=lambda s: (s.feature_id or "", s.title))
    ids: dict[str, str] = {}
    for n, item in enumerate([*features, *stories], start=1):
        ids[item.id] = str(n)
    blocks: dict[str, list[str]] = {}
    for dep in state.of(Dependency).values():
        provider = dep.provider_story_id or dep.provider_feature_id
        requester = dep.requesting_feature_id
        if provider in ids and requester in ids:
            blocks.setdefault(provider, []).append(ids[requester])
    width = max((len(v) for v in blocks.values()), default=0) or 1
    header = [
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
        *['Link "blocks"'] * width,
    ]

    def sprint(iteration_id: str | None) -> str:
        it = state.get(Iteration, iteration_id)
        return (it.name or f"Iteration {it.number}") if it else ""

    def team(team_id: str | None) -> str:
        t = state.get(Team, team_id)
        return t.name if t else ""

    status_of = {
        FeatureState.FUNNEL: "To Do",
        FeatureState.PLANNED: "To Do",
        FeatureState.IN_PROGRESS: "In Progress",
        FeatureState.DONE: "Done",
        StoryStatus.TODO: "To Do",
        StoryStatus.IN_PROGRESS: "In Progress",
        StoryStatus.DONE: "Done",
    }
    rows: list[list[str]] = []
    for f in features:
        links = blocks.get(f.id, [])
        rows.append(
            [
                ids[f.id],
                f.external_key,
                f.title,
                "Epic",
                status_of[f.state],
                "",
                sprint(f.iteration_id),
                "",
                team(f.team_id),
                "enabler" if f.feature_kind == FeatureKind.ENABLER else "",
                _description(f),
                *links,
                *[""] * (width - len(links)),
            ]
        )
    for s in stories:
        links = blocks.get(s.id, [])
        rows.append(
            [
                ids[s.id],
                s.external_key,
                s.title,
                "Story",
                status_of[s.status],
                ids.get(s.feature_id or "", ""),
                sprint(s.iteration_id),
                str(s.points),
                team(s.team_id),
                "",
                "",
                *links,
                *[""] * (width - len(links)),
            ]
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buf.getvalue().encode("utf-8")


def _description(f: Feature) -> str:
    if f.acceptance:
        return f"{f.description}\n\nAcceptance criteria:\n{f.acceptance}".strip()
    return f.description

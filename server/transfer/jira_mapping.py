"""How the rows of a Jira export become a board's items: detected from the file, changed by a
person, remembered per board.

Every choice is one short text, the same at every door: ``type:Incident=story``,
``status:In QA=in_progress``, ``sprint:Sprint 0 - Setup=new``, ``team=Team Name``,
``default-team=Phoenix``, ``points=Custom field (Story Points)``, ``removed=delete``,
``conflict:ABC-12.points=file``. The web form sends them as ``map`` fields, the CLI as
``--map``, and the board remembers them (``Meta.import_mapping``) for the next import.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from board.errors import Invalid
from board.model import BoardState, Iteration, StoryStatus, holds_feature_work
from board.ops import IMPORT_MAPPING_KEYS
from server.transfer.jira_file import JiraFile, JiraRow

KINDS = ("feature", "story", "subtask", "skip")
# What a Jira status may map to (a blocked story needs a reason, which a file does not give).
STATUSES = (StoryStatus.TODO.value, StoryStatus.IN_PROGRESS.value, StoryStatus.DONE.value)
SPRINT_TARGETS = ("new", "backlog")
REMOVED = ("keep", "delete")
SIDES = ("board", "file")
# The fields a re-import compares; a conflict names one of them.
COMPARED = ("title", "team", "iteration", "points", "status", "parent")

TYPE_HEADERS = ("Issue Type", "Issuetype")
KEY_HEADERS = ("Issue key", "Key")
ID_HEADERS = ("Issue id", "Issue ID")
STATUS_HEADERS = ("Status",)
STATUS_CATEGORY_HEADERS = ("Status Category",)
SPRINT_HEADERS = ("Sprint", "Custom field (Sprint)")
PARENT_HEADERS = ("Parent", "Parent id", "Parent key", "Custom field (Epic Link)", "Epic Link", "Parent Link")
PROJECT_HEADERS = ("Project name", "Project key")
# Where a team may be named, in order of preference.
TEAM_HEADERS = (
    "Team",
    "Custom field (Team)",
    "Team Name",
    "Custom field (Team Name)",
    "Component/s",
    "Components",
)
LINK_HEADER = re.compile(r"^(inward|outward) issue link \((.+)\)$", re.IGNORECASE)

# Older Jira Server exports write a sprint as the Java object it is:
# com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=12,...,name=Sprint 12,startDate=2024-03-04T…,…]
_SPRINT_OBJECT = re.compile(r"^com\.atlassian\.greenhopper\.service\.sprint\.Sprint@\w*\[(.*)\]$", re.DOTALL)
_SPRINT_FIELD = re.compile(r"(\w+)=(.*?)(?=,\w+=|$)", re.DOTALL)
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Sprint:
    name: str
    start: str | None = None
    end: str | None = None


def sprint_of(value: str) -> Sprint:
    """A Sprint cell: a name, or (older Jira Server) the sprint object with its name and dates."""
    found = _SPRINT_OBJECT.match(value)
    if found is None:
        return Sprint(value)
    fields = dict(_SPRINT_FIELD.findall(found.group(1)))

    def day(name: str) -> str | None:
        date = _ISO_DATE.match(fields.get(name, ""))
        return date.group(1) if date else None

    return Sprint(fields.get("name", "").strip() or value, day("startDate"), day("endDate"))


def sprints_of(jira: JiraFile, row: JiraRow) -> list[Sprint]:
    """The sprints an issue was in, oldest first (as Jira writes its Sprint columns)."""
    return [sprint_of(v) for header in SPRINT_HEADERS for v in jira.values(row, header)]


_FEATURE_TYPES = {"epic", "feature", "capability", "enabler", "initiative"}
_SUBTASK_TYPES = {"sub-task", "subtask", "sub task", "sub-bug"}
_SKIPPED_TYPES = {"test", "test set", "test plan", "test execution", "precondition"}
_DONE = {"done", "closed", "resolved", "complete", "completed", "accepted", "released"}
_IN_PROGRESS = {
    "in progress",
    "in review",
    "in development",
    "code review",
    "review",
    "testing",
    "in test",
    "in qa",
    "doing",
    "blocked",
}
_POINTS_WORDS = re.compile(r"story.?points?|story_points|point estimate|\bsp\b", re.IGNORECASE)
_ESTIMATE_WORDS = re.compile(r"estimat|points?", re.IGNORECASE)


@dataclass
class JiraMapping:
    team_column: str = ""
    default_team: str = ""
    create_teams: bool = True
    points_columns: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    sprints: dict[str, str] = field(default_factory=dict)
    removed: str = "keep"
    conflicts: dict[str, str] = field(default_factory=dict)

    def kind_of(self, issue_type: str) -> str:
        return self.types.get(issue_type, "story")

    def status_of(self, status: str) -> StoryStatus:
        return StoryStatus(self.statuses.get(status, StoryStatus.TODO.value))

    def side_of(self, key: str, field_name: str) -> str:
        """Whose value wins a conflict: the person's choice for it, for all, or the board's."""
        return self.conflicts.get(f"{key}.{field_name}", self.conflicts.get("*", "board"))

    def memory(self) -> dict[str, Any]:
        """What the board remembers for the next import (not the one-off conflict choices)."""
        out: dict[str, Any] = {
            "team": self.team_column or "none",
            "default-team": self.default_team,
            "create-teams": "yes" if self.create_teams else "no",
            "points": "|".join(self.points_columns),
        }
        out.update({f"type:{k}": v for k, v in self.types.items()})
        out.update({f"status:{k}": v for k, v in self.statuses.items()})
        # "new" is not remembered: once made, the iteration is found by its name.
        out.update({f"sprint:{k}": v for k, v in self.sprints.items() if v != "new"})
        kept = {k: v for k, v in out.items() if len(k) <= 200 and len(str(v)) <= 200}
        # Team and points first, then types, statuses and sprints, as many as a board keeps.
        return dict(list(kept.items())[:IMPORT_MAPPING_KEYS])


@dataclass(frozen=True)
class Candidates:
    """What the file offers to choose from: shown next to each choice."""

    team_columns: list[str]
    points_columns: list[str]
    types: dict[str, int]
    statuses: dict[str, int]
    sprints: list[str]
    link_types: dict[str, int]
    # A sprint's dates, when the file carries them.
    sprint_dates: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def candidates(jira: JiraFile) -> Candidates:
    types: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    sprints: dict[str, Sprint] = {}
    for row in jira.rows:
        types[jira.value(row, *TYPE_HEADERS) or "(empty)"] += 1
        status = jira.value(row, *STATUS_HEADERS)
        if status:
            statuses[status] += 1
        for sprint in sprints_of(jira, row):
            sprints.setdefault(sprint.name, sprint)
    links: Counter[str] = Counter()
    for header in jira.distinct_headers():
        match = LINK_HEADER.match(header)
        if match:
            links[match.group(2)] += sum(len(jira.values(row, header)) for row in jira.rows)
    return Candidates(
        team_columns=[h for h in (*TEAM_HEADERS, *PROJECT_HEADERS) if jira.has(h)],
        points_columns=_points_candidates(jira),
        types=dict(types),
        statuses=dict(statuses),
        sprints=sprint_order(list(sprints.values())),
        link_types=dict(links),
        sprint_dates={s.name: (s.start, s.end) for s in sprints.values() if s.start or s.end},
    )


def _points_candidates(jira: JiraFile) -> list[str]:
    """Headers naming story points come first (in the file's order), then other estimates."""
    headers = jira.distinct_headers()
    points = [h for h in headers if _POINTS_WORDS.search(h.replace("_", " ")) or _POINTS_WORDS.search(h)]
    estimates = [h for h in headers if _ESTIMATE_WORDS.search(h) and h not in points]
    return points + estimates


def sprint_order(sprints: list[Sprint]) -> list[str]:
    """Sprint names in the order the sprints ran: by start date when every sprint has one, else by
    the last number in their names when every name has one (Jira lists an issue's sprints by their
    own ids, not by when they ran), else as the file met them."""
    if sprints and all(s.start for s in sprints):
        return [s.name for s in sorted(sprints, key=lambda s: s.start or "")]
    numbers = [re.findall(r"\d+", s.name) for s in sprints]
    if sprints and all(numbers):
        order = sorted(zip([int(n[-1]) for n in numbers], range(len(sprints)), strict=True))
        return [sprints[i].name for _, i in order]
    return [s.name for s in sprints]


def detect(
    jira: JiraFile,
    state: BoardState,
    remembered: dict[str, Any] | None = None,
    offer: Candidates | None = None,
) -> JiraMapping:
    """The mapping piboard proposes for ``jira`` on ``state``, then the board's remembered choices.
    ``offer``: the file's ``candidates``, when the caller has them already (they read every row)."""
    offer = offer or candidates(jira)
    mapping = JiraMapping(
        team_column=_team_column(jira, offer),
        default_team=detect_project(jira),
        points_columns=[h for h in offer.points_columns if _POINTS_WORDS.search(h.replace("_", " "))],
        types={t: _default_kind(t) for t in offer.types},
        statuses={s: _default_status(jira, s) for s in offer.statuses},
        sprints={s: _default_sprint(s, state) for s in offer.sprints},
    )
    memory = [f"{k}={v}" for k, v in (remembered or {}).items()]
    return choose(mapping, memory, jira=jira, strict=False)


def _team_column(jira: JiraFile, offer: Candidates) -> str:
    for header in offer.team_columns:
        if header in PROJECT_HEADERS:
            continue
        if any(jira.values(row, header) for row in jira.rows):
            return header
    return ""


def detect_project(jira: JiraFile) -> str:
    """The project most rows of the file belong to (its name)."""
    names = Counter(jira.value(row, *PROJECT_HEADERS) for row in jira.rows)
    names.pop("", None)
    return names.most_common(1)[0][0][:60] if names else ""


def _default_kind(issue_type: str) -> str:
    name = issue_type.strip().lower()
    if name in _FEATURE_TYPES:
        return "feature"
    if name in _SUBTASK_TYPES:
        return "subtask"
    if name in _SKIPPED_TYPES or name == "(empty)":
        return "skip"
    return "story"


def _default_status(jira: JiraFile, status: str) -> str:
    """By Jira's own status category when the file has it (Cloud does), else by the name."""
    categories = Counter(
        jira.value(row, *STATUS_CATEGORY_HEADERS).lower()
        for row in jira.rows
        if jira.value(row, *STATUS_HEADERS) == status
    )
    category = categories.most_common(1)[0][0] if categories else ""
    name = status.strip().lower()
    if category == "done" or (not category and name in _DONE):
        return StoryStatus.DONE.value
    if category == "in progress" or (not category and name in _IN_PROGRESS):
        return StoryStatus.IN_PROGRESS.value
    return StoryStatus.TODO.value


def _default_sprint(sprint: str, state: BoardState) -> str:
    """The iteration of the sprint's name; else of the sprint's number ("Sprint 3" -> 3, never the
    IP iteration); else a new one."""
    found = iteration_named(state, sprint)
    if found is not None:
        return str(found.number)
    number = re.findall(r"\d+", sprint)
    by_number = [
        it for it in state.iterations if number and it.number == int(number[-1]) and holds_feature_work(it)
    ]
    return str(by_number[0].number) if by_number else "new"


def iteration_named(state: BoardState, sprint: str) -> Iteration | None:
    """The board's iteration a sprint made (its name, as an iteration keeps it: at most 60 characters)."""
    name = sprint.strip()[:60].strip().lower()
    return next((it for it in state.iterations if it.name and it.name.strip().lower() == name), None)


def choose(
    mapping: JiraMapping, choices: list[str], *, jira: JiraFile | None = None, strict: bool = True
) -> JiraMapping:
    """``mapping`` changed by ``choices`` (see the module's doc). ``strict``: a choice that does
    not parse is refused with its reason; otherwise (remembered choices) it is passed over."""
    out = dataclasses.replace(
        mapping,
        points_columns=list(mapping.points_columns),
        types=dict(mapping.types),
        statuses=dict(mapping.statuses),
        sprints=dict(mapping.sprints),
        conflicts=dict(mapping.conflicts),
    )
    for choice in choices:
        try:
            _choose_one(out, choice, jira)
        except Invalid:
            if strict:
                raise
    return out


def _choose_one(mapping: JiraMapping, choice: str, jira: JiraFile | None) -> None:
    if "=" not in choice:
        raise Invalid(f"mapping '{choice[:80]}' must look like name=value, e.g. type:Incident=story")
    name, value = (part.strip() for part in choice.split("=", 1))
    section, _, subject = name.partition(":")
    section = section.lower()
    if section == "type" and subject:
        mapping.types[subject] = _one_of(value.lower(), KINDS, choice)
    elif section == "status" and subject:
        mapping.statuses[subject] = _one_of(value.lower().replace(" ", "_"), STATUSES, choice)
    elif section == "sprint" and subject:
        target = value.lower()
        if target not in SPRINT_TARGETS and not (target.isdigit() and 1 <= int(target) <= 30):
            raise Invalid(f"mapping '{choice[:80]}': a sprint maps to an iteration 1–30, new or backlog")
        mapping.sprints[subject] = target
    elif section == "team" and not subject:
        if value.lower() in ("", "none"):
            mapping.team_column = ""
        elif jira is not None and not jira.has(value):
            raise Invalid(f"mapping '{choice[:80]}': the file has no column '{value[:80]}'")
        else:
            mapping.team_column = value
    elif section == "default-team" and not subject:
        if len(value) > 60:
            raise Invalid("a team name has at most 60 characters")
        mapping.default_team = value
    elif section == "create-teams" and not subject:
        mapping.create_teams = _one_of(value.lower(), ("yes", "no"), choice) == "yes"
    elif section == "points" and not subject:
        columns = [c.strip() for c in value.split("|") if c.strip()]
        missing = [c for c in columns if jira is not None and not jira.has(c)]
        if missing:
            raise Invalid(f"mapping '{choice[:80]}': the file has no column '{missing[0][:80]}'")
        mapping.points_columns = columns
    elif section == "removed" and not subject:
        mapping.removed = _one_of(value.lower(), REMOVED, choice)
    elif section == "conflicts" and not subject:
        mapping.conflicts["*"] = _one_of(value.lower(), SIDES, choice)
    elif section == "conflict" and "." in subject:
        key, _, field_name = subject.rpartition(".")
        _one_of(field_name, COMPARED, choice)
        mapping.conflicts[f"{key}.{field_name}"] = _one_of(value.lower(), SIDES, choice)
    else:
        raise Invalid(
            f"mapping '{choice[:80]}' is not one of type:T=, status:S=, sprint:S=, team=, "
            "default-team=, create-teams=, points=, removed=, conflicts=, conflict:KEY.field="
        )


def _one_of(value: str, allowed: tuple[str, ...], choice: str) -> str:
    if value not in allowed:
        raise Invalid(f"mapping '{choice[:80]}': choose one of {', '.join(allowed)}")
    return value

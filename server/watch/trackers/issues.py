"""A tracker's issue as the sync reads it, the same shape for Jira and Azure DevOps.

Each client (:mod:`.jira`, :mod:`.azure`) turns its product's JSON into :class:`TrackedIssue`; the
sync maps these onto the board with the Jira import's own mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from server.transfer.jira_file import JiraFile, JiraRow


@dataclass(frozen=True)
class SprintRef:
    """A Jira sprint or an Azure DevOps iteration: its tracker id, its name, its dates when known."""

    id: str
    name: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class TrackedIssue:
    """One issue (Jira) or work item (Azure DevOps)."""

    tracker_id: str  # stable across a change of key: Jira's issue id, Azure DevOps' work item id
    key: str  # Jira's "ABC-12"; Azure DevOps' id as text
    project: str  # Jira's project key; Azure DevOps' team project name
    issue_type: str  # "Epic", "Story", "Feature", "User Story", "Product Backlog Item", "Bug", ...
    summary: str
    status: str  # the product's own status or state name ("In Progress", "Active")
    # The status's category, the same three words for both: "new", "indeterminate" or "done".
    status_category: str
    points: float | None = None
    team: str = ""  # the value of the team field (Jira) or the Area Path's last node (Azure DevOps)
    sprint: SprintRef | None = None  # the open or latest sprint (Jira) or the Iteration Path (Azure)
    parent_key: str | None = None  # the epic or feature above it
    blocks: tuple[str, ...] = field(default=())  # keys of the issues this one blocks
    updated: datetime | None = None


# How a tracked issue reads as a row of a Jira export, so the Jira import's mapping and preview serve
# both trackers (and the first sync is that import's preview-then-apply).
_CATEGORY_WORDS = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
POINTS_COLUMN = "Custom field (Story Points)"
TEAM_COLUMN = "Team"
_HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Status Category",
    "Project key",
    TEAM_COLUMN,
    "Sprint",
    "Parent",
]


def sprint_cell(sprint: SprintRef, name: str | None = None) -> str:
    """A sprint as an older Jira Server export writes it, the only form that carries its dates."""
    fields = [f"id={sprint.id}", f"name={name or sprint.name}"]
    if sprint.start:
        fields.append(f"startDate={sprint.start.isoformat()}T00:00:00.000Z")
    if sprint.end:
        fields.append(f"endDate={sprint.end.isoformat()}T00:00:00.000Z")
    return f"com.atlassian.greenhopper.service.sprint.Sprint@{sprint.id}[{','.join(fields)}]"


def as_jira_file(
    issues: list[TrackedIssue], *, points: bool = True, sprint_names: dict[str, str] | None = None
) -> JiraFile:
    """``issues`` as the rows of a Jira export. ``points``: the points field exists (a changed field
    configuration may have removed it: then no points column, and the board keeps its points).
    ``sprint_names``: a sprint id's name as the board first knew it, so a renamed sprint stays the
    iteration it was."""
    links = max((len(issue.blocks) for issue in issues), default=0)
    header = [*_HEADER, *([POINTS_COLUMN] if points else []), *["Outward issue link (Blocks)"] * links]
    rows = []
    for line, issue in enumerate(issues, start=2):
        sprint = ""
        if issue.sprint is not None:
            sprint = sprint_cell(issue.sprint, (sprint_names or {}).get(issue.sprint.id))
        cells = [
            issue.summary,
            issue.key,
            issue.tracker_id,
            issue.issue_type,
            issue.status,
            _CATEGORY_WORDS.get(issue.status_category, ""),
            issue.project,
            issue.team,
            sprint,
            issue.parent_key or "",
        ]
        if points:
            cells.append("" if issue.points is None else f"{issue.points:g}")
        cells += [*issue.blocks, *[""] * (links - len(issue.blocks))]
        rows.append(JiraRow(line, cells))
    return JiraFile(header, rows)

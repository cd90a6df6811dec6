"""A tracker's issue as the sync reads it, the same shape for Jira and Azure DevOps.

Each client (:mod:`.jira`, :mod:`.azure`) turns its product's JSON into :class:`TrackedIssue`; the
sync maps these onto the board with the Jira import's own mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


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

"""Shapes at the edge: what the REST door takes and gives. Table rows never leave the server."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from board import Op
from board.model import Role
from server.watch.trackers.sync import SyncReport
from server.watch.webhooks import Delivery


class OpIn(BaseModel):
    """One op, as every door takes it (the websocket too)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+\.[a-z_]+$")
    target: str | None = Field(default=None, max_length=100)
    base_version: int | None = Field(default=None, ge=0, le=2**31)
    args: dict[str, Any] = Field(default_factory=dict)
    client_op_id: str = Field(default="", max_length=80, pattern=r"^[A-Za-z0-9._:-]*$")

    def to_op(self) -> Op:
        return Op(self.type, self.target, self.base_version, self.args, self.client_op_id)


class OpAck(BaseModel):
    seq: int
    client_op_id: str
    duplicate: bool = False
    changes: list[dict[str, Any]] = Field(default_factory=list)


class Refusal(BaseModel):
    error: str
    reason: str
    detail: dict[str, Any] | None = None


class BoardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    pi_name: str = Field(default="", max_length=120)
    rte_name: str = Field(default="RTE", min_length=1, max_length=80, description="the maker's name: the RTE")
    demo: bool = False


class BoardPublic(BaseModel):
    id: str
    name: str
    seq: int


class BoardCreated(BaseModel):
    board: BoardPublic
    rte_join_url: str
    rte_session: str


class JoinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=8, max_length=100)
    name: str = Field(min_length=1, max_length=80)
    remote: bool = Field(default=False, description="takes part from elsewhere, not in the room")


class ParticipantPublic(BaseModel):
    id: str
    name: str
    role: Role
    team_id: str | None


class Joined(BaseModel):
    board_id: str
    participant: ParticipantPublic
    session: str


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    team_id: str | None = Field(default=None, max_length=40)
    label: str = Field(default="", max_length=80)


class LinkPublic(BaseModel):
    id: str
    role: Role
    team_id: str | None
    label: str
    revoked: bool
    join_url: str | None = None


class EventPublic(BaseModel):
    seq: int
    op: dict[str, Any]
    changes: list[dict[str, Any]]
    actor: dict[str, Any]
    at: str


class BoardRead(BaseModel):
    id: str
    seq: int
    items: dict[str, dict[str, dict[str, Any]]]
    derived: dict[str, Any]
    problems: list[dict[str, str]] = Field(
        default_factory=list,
        description="stored rows that could not be read as stored (repaired or left out)",
    )


class WebhookUpdate(BaseModel):
    url: str = Field(default="", max_length=500, description="an incoming-webhook URL; empty: no webhook")


class WebhookPublic(BaseModel):
    url: str
    deliveries: list[Delivery]


class TrackerIn(BaseModel):
    """A board's connection to its tracker, as the RTE gives it (the token once; empty keeps it)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    product: str = Field(max_length=20, description="jira_cloud, jira_dc or azure")
    url: str = Field(max_length=300, description="the Jira site or the Azure DevOps organisation URL")
    user: str = Field(default="", max_length=200, description="Jira Cloud: the account's e-mail")
    token: str = Field(default="", max_length=2000, description="API token or personal access token")
    scope: dict[str, str | list[str]] = Field(
        description="Jira: jql, team_field; Azure DevOps: project, area_paths, wiql", max_length=5
    )
    choices: list[str] = Field(
        default_factory=list, max_length=200, description="the import's mapping choices"
    )
    interval_s: int = Field(default=60, ge=10, le=3600)
    write_back: bool = False


class TrackerPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    choices: list[str] | None = Field(default=None, max_length=200)


class TrackerPublic(BaseModel):
    """A connection as the RTE sees it: never the token."""

    connected: bool
    product: str = ""
    product_label: str = ""
    url: str = ""
    user: str = ""
    scope: dict[str, Any] = Field(default_factory=dict)
    choices: list[str] = Field(default_factory=list)
    interval_s: int = 0
    write_back: bool = False
    state: str = ""
    message: str = ""
    reachable: bool = True
    last_synced_at: datetime | None = None
    last_attempt_at: datetime | None = None
    webhook_url: str = ""
    webhook_user: str = ""
    webhook_secret: str = ""


class TrackerSyncReport(BaseModel):
    read: int
    applied: int
    relinked: list[str]
    unlinked: list[str]
    skipped: list[str]
    waiting: bool
    requests: int
    failed: str

    @classmethod
    def of(cls, report: SyncReport) -> TrackerSyncReport:
        return cls(**dataclasses.asdict(report))


class TrackerLogLine(BaseModel):
    at: datetime
    kind: str
    text: str


class WrittenBackPublic(BaseModel):
    key: str
    text: str

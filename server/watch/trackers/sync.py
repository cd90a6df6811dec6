"""The sync between a board and its tracker: the first sync as an import, then every change as an op.

The first sync is the Jira import's preview-then-apply, by the RTE, of every issue in scope laid out
as a Jira export (:func:`.issues.as_jira_file`), so the mapping, the preview and the choices are
the import's own, for Jira and Azure DevOps alike. After it, :meth:`TrackerSync.poll` reads what
changed since the last poll (with an overlap: Jira compares dates to the minute, and clocks differ),
previews it against the board as it is, keeps what the tracker owns (``board.tracker``), and submits
it through the one edit path as the tracker's actor ("Jira", "Azure DevOps"), so history, undo,
alerts, webhooks and every screen follow.

Outcomes the sync defines:

- an issue whose key changed (moved to another project in scope) keeps its board item: found by its
  tracker id, the item's key follows;
- an issue deleted, or moved out of scope, leaves its item on the board unlinked (a planned item is
  never lost to a tracker's clean-up), with a log line saying so;
- a renamed sprint stays the iteration it was: sprints are remembered by their tracker id;
- a removed points field (one the first sync read from) leaves the board's points as they are, and
  the log says why;
- a new issue in scope becomes a new item; one of a team the board lacks is skipped with the reason,
  and read again at each poll until the RTE adds the team;
- while the plan is locked for the final review the sync waits (nothing is read as done), and what
  it found (moves, issues gone) is found again once the plan is unlocked;
- 401/403 pauses the sync with the tracker's reason; no answer keeps the board working and says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from board import Actor, BoardState, Op
from board.errors import IllegalTransition, PiboardError, Stale
from board.model import Feature, Story
from board.roles import PLAN_LOCKED, Role
from board.tracker import LINK_FIELDS, owned_fields
from server.store.op_path import BatchRefused, OpPath, new_id
from server.store.trackers import TrackerStatus, TrackerStore
from server.transfer.jira import preview_jira_file
from server.transfer.jira_import import jira_apply, jira_preview
from server.transfer.jira_items import keyed_items
from server.transfer.jira_ops import import_ops
from server.transfer.jira_preview import SKIP, JiraPreview
from server.watch.trackers.errors import TrackerAuthError, TrackerError, TrackerUnreachable
from server.watch.trackers.issues import TrackedIssue, as_jira_file
from server.watch.trackers.readers import TrackerReader, family, open_reader

# Read again what changed this long before the last poll began: Jira's JQL dates are to the minute,
# and the tracker's clock is not ours. Re-reading an unchanged issue changes nothing.
OVERLAP = timedelta(minutes=2)
# Deletes and moves out of scope do not show as changes: every so often (and at once after a delete
# webhook) the sync asks which of its linked issues are still in scope.
RECONCILE_EVERY = timedelta(minutes=10)
# The first sync's read is kept this long for its apply, so the RTE applies what they previewed.
FIRST_READ_KEPT_S = 600.0
# A poll that meets edits made meanwhile (a stale version) builds its ops again, this many times.
STALE_TRIES = 3
# Per product, the choices the import starts from (the RTE's own come after and win).
DEFAULT_CHOICES = {"jira": [], "azure": ["type:Task=subtask"]}
# A poll's own choices: it never makes teams (a story of an unknown team is skipped, and logged); a
# conflict goes to the tracker (of which only the fields it owns are kept).
POLL_CHOICES = ["create-teams=no", "conflicts=file"]

IMPORT_OFFER = "choose to create teams"

ReaderFactory = Callable[[TrackerStatus, str], TrackerReader]


def sync_actor(product_name: str) -> Actor:
    """The tracker as the board shows it: its own name, the RTE's role, held to what it owns."""
    return Actor(
        id=f"tracker:{product_name.lower().replace(' ', '-')}", name=product_name, role=Role.RTE, tracker=True
    )


def default_reader(status: TrackerStatus, token: str) -> TrackerReader:
    s = status.settings
    return open_reader(s.product, s.url, s.user, token, s.scope)


@dataclass
class FirstRead:
    at: datetime
    issues: list[TrackedIssue]
    has_points: bool
    requests: int
    points_fields: frozenset[str] = frozenset()


@dataclass
class SyncReport:
    """What one pass did: for the log, the CLI and the bench."""

    read: int = 0
    applied: int = 0  # ops committed
    relinked: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    waiting: bool = False
    requests: int = 0
    failed: str = ""

    def summary(self) -> str:
        if self.failed:
            return self.failed
        if self.waiting:
            return f"{self.read} changed; waiting: {PLAN_LOCKED}"
        parts = [f"{self.read} read", f"{self.applied} changes applied"]
        if self.relinked:
            parts.append(f"{len(self.relinked)} moved")
        if self.unlinked:
            parts.append(f"{len(self.unlinked)} gone from scope")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)


class TrackerSync:
    def __init__(
        self,
        op_path: OpPath,
        store: TrackerStore,
        *,
        reader: ReaderFactory = default_reader,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_status: Callable[[str], None] = lambda board_id: None,
    ) -> None:
        self.op_path = op_path
        self.store = store
        self.reader = reader
        self.clock = clock
        # Told when a board's standing with its tracker changed (reachable, paused): pages redraw it.
        self.on_status = on_status
        self._first: dict[str, tuple[float, FirstRead]] = {}
        self._guard = threading.Lock()

    # --- the first sync: an import, previewed and applied by the RTE ---------------------------------

    def first_preview(
        self, board_id: str, actor: Actor, *, fresh: bool = True
    ) -> tuple[JiraPreview, FirstRead]:
        """Read every issue in scope and preview importing them, as ``actor`` (the RTE)."""
        status = self._status(board_id)
        first = self._first_read(status, fresh=fresh)
        _, preview = jira_preview(
            self.op_path,
            board_id,
            as_jira_file(first.issues, points=first.has_points),
            actor,
            self._choices(status),
        )
        return preview, first

    def first_apply(self, board_id: str, actor: Actor) -> tuple[JiraPreview, int]:
        """Apply the previewed first sync (read again if the preview is old); from now on the board is
        synced: the tracker owns its fields, and polls begin."""
        status = self._status(board_id)
        first = self._first_read(status, fresh=False)
        jira = as_jira_file(first.issues, points=first.has_points)
        preview, committed = jira_apply(self.op_path, board_id, jira, actor, self._choices(status))
        taken = {row.key for row in preview.rows if row.fate != SKIP}
        memory = {
            "ids": {i.tracker_id: i.key for i in first.issues if i.key in taken},
            "sprints": self._sprints(status.memory, first.issues),
            "points_fields": sorted(first.points_fields),
            "reconciled_at": first.at.isoformat(),
        }
        self.store.update_state(
            board_id,
            state="syncing",
            message="",
            reachable=True,
            cursor=first.at,
            last_synced_at=first.at,
            last_attempt_at=first.at,
            poll_due_at=first.at + timedelta(seconds=status.settings.interval_s),
            reconcile=False,
            memory=memory,
        )
        with self._guard:
            self._first.pop(board_id, None)
        self.store.log(
            board_id, "first-sync", f"{len(first.issues)} issues read; {len(committed)} changes applied"
        )
        self.on_status(board_id)
        return preview, len(committed)

    def _first_read(self, status: TrackerStatus, *, fresh: bool) -> FirstRead:
        with self._guard:
            kept = self._first.get(status.board_id)
        if kept is not None and not fresh and time.monotonic() - kept[0] < FIRST_READ_KEPT_S:
            return kept[1]
        reader = self._open(status)
        try:
            at = self.clock()
            issues = reader.all_issues()
            fields = reader.points_fields()
            first = FirstRead(at, issues, bool(fields), reader.requests_made(), fields)
        finally:
            reader.close()
        with self._guard:
            self._first[status.board_id] = (time.monotonic(), first)
        return first

    # --- every poll after it -----------------------------------------------------------------------

    def poll(self, board_id: str) -> SyncReport:
        """Bring the board up to date with what changed in the tracker; never raises for the tracker's
        faults (they become the connection's state and message)."""
        status = self._status(board_id)
        if status.state != "syncing":
            return SyncReport(failed=f"the sync is {status.state}")
        started = self.clock()
        report = SyncReport()
        try:
            reader = self._open(status)
        except TrackerError as exc:
            return self._failed(status, started, exc, report)
        try:
            report = self._poll(status, reader, started, report)
        except TrackerError as exc:
            report = self._failed(status, started, exc, report)
        finally:
            report.requests = reader.requests_made()
            reader.close()
        return report

    def _poll(
        self, status: TrackerStatus, reader: TrackerReader, started: datetime, report: SyncReport
    ) -> SyncReport:
        board_id = status.board_id
        since = (status.cursor or started) - OVERLAP
        changed = reader.changed_since(since)
        memory = _memory(status.memory)
        if memory["skipped"]:  # read again until they land: the RTE may have added their team since
            seen = {issue.tracker_id for issue in changed}
            changed += [i for i in reader.issues(memory["skipped"]) if i.tracker_id not in seen]
        report.read = len(changed)
        # A points field the first sync read from and now gone (a changed field configuration) would
        # read as no points at all: the board keeps its points instead.
        fields = reader.points_fields()
        lost_fields = sorted(set(memory["points_fields"]) - fields)
        has_points = bool(fields) and not lost_fields
        reconcile_due = status.reconcile or started - _when(memory.get("reconciled_at")) >= RECONCILE_EVERY
        gone: set[str] = set()
        if reconcile_due and memory["ids"]:
            linked = list(memory["ids"])
            gone = set(linked) - reader.still_in_scope(linked)
        memory["sprints"] = self._sprints(memory, changed)
        for attempt in range(STALE_TRIES):
            try:
                self._apply_changes(status, changed, gone, has_points, memory, report)
                break
            except Stale:
                if attempt == STALE_TRIES - 1:
                    raise
            except IllegalTransition as exc:
                if exc.reason != PLAN_LOCKED:
                    raise
                report.waiting = True
                break
        # A reconcile the plan's lock held up is owed still: what it found gone is found again.
        reconciled = reconcile_due and not report.waiting
        if not has_points and changed:
            why = "has no story points field"
            if lost_fields:
                why = f"no longer has the points field {', '.join(lost_fields)}"
            self.store.log(board_id, "points", f"{reader.product} {why}: the board keeps its points")
        values: dict[str, Any] = {
            "last_attempt_at": started,
            "reachable": True,
            "message": "",
            "poll_due_at": started + timedelta(seconds=status.settings.interval_s),
            "memory": {
                **memory,
                "reconciled_at": started.isoformat() if reconciled else memory.get("reconciled_at"),
            },
        }
        if reconciled:
            values["reconcile"] = False
        if not report.waiting:
            values.update(cursor=started, last_synced_at=started)
        self.store.update_state(board_id, **values)
        if report.read or report.unlinked or report.waiting:
            self.store.log(board_id, "poll", report.summary())
        if not status.reachable or status.message:
            self.on_status(board_id)
        return report

    def _apply_changes(
        self,
        status: TrackerStatus,
        changed: list[TrackedIssue],
        gone: set[str],
        has_points: bool,
        memory: dict[str, Any],
        report: SyncReport,
    ) -> None:
        """Submit one try of a poll's changes. A refusal of the whole (a stale version, the plan's
        lock) leaves ``memory`` and ``report`` as they were for what it refused, so a later try (or
        poll) builds those ops again: the links first, then what changed."""
        board_id = status.board_id
        actor = sync_actor(status.product_name)
        state = self.op_path.state(board_id)
        ids = dict(memory["ids"])
        links, relinked, unlinked = self._relink_ops(state, changed, gone, ids)
        if links:
            report.applied += self._submit(board_id, links, actor, report.skipped)
            state = self.op_path.state(board_id)
        memory["ids"] = ids
        report.relinked += relinked
        report.unlinked += unlinked
        for text in unlinked:
            self.store.log(
                board_id,
                "gone",
                f"{text} is no longer in the tracker's scope (deleted or moved out): "
                "kept on the board, no longer synced",
            )
        if not changed:
            memory["skipped"] = []
            return
        jira = as_jira_file(changed, points=has_points, sprint_names=memory["sprints"])
        choices = self._choices(status) + POLL_CHOICES
        preview = preview_jira_file(jira, state, choices, partial=True)
        skipped = [
            # A poll never makes teams (the import would offer to): the RTE adds the team.
            f"{row.key}: {row.reason.replace(IMPORT_OFFER, 'the RTE adds the team on Admin')}"
            for row in preview.rows
            if row.fate == SKIP and row.kind in ("feature", "story")
        ]
        ops = _owned_ops(import_ops(preview, state, new_id=new_id), state, has_points)
        report.applied += self._submit(board_id, ops, actor, skipped)
        report.skipped += skipped
        by_key = {i.key: i.tracker_id for i in changed}
        memory["skipped"] = [
            by_key[row.key]
            for row in preview.rows
            if row.key in by_key and row.fate == SKIP and row.kind in ("feature", "story")
        ]
        for row in preview.rows:
            if row.fate != SKIP and row.key in by_key:
                memory["ids"][by_key[row.key]] = row.key

    @staticmethod
    def _relink_ops(
        state: BoardState, changed: list[TrackedIssue], gone: set[str], ids: dict[str, str]
    ) -> tuple[list[Op], list[str], list[str]]:
        """A moved issue's item takes its new key; a gone issue's item is kept, unlinked. Returns the
        ops and what they say (moved, gone), and changes ``ids`` (tracker id -> key) to match."""
        items = {item.external_key: item for item in keyed_items(state)}
        ops: list[Op] = []
        relinked: list[str] = []
        unlinked: list[str] = []
        for issue in changed:
            old = ids.get(issue.tracker_id)
            item = items.get(old) if old else None
            if old and old != issue.key and item is not None and issue.key not in items:
                ops.append(Op(f"{item.kind}.update", item.id, item.version, {"external_key": issue.key}))
                relinked.append(f"{old} is now {issue.key}")
                ids[issue.tracker_id] = issue.key
        for tracker_id in sorted(gone):
            key = ids.pop(tracker_id, None)
            item = items.get(key) if key else None
            if item is not None:
                ops.append(
                    Op(f"{item.kind}.update", item.id, item.version, {"external_key": "", "imported": {}})
                )
                unlinked.append(f"{key} ({item.title[:60]})")
        return ops, relinked, unlinked

    def _submit(self, board_id: str, ops: list[Op], actor: Actor, skipped: list[str]) -> int:
        """Submit ``ops`` in one batch; an op the board refuses is left out with its reason (added to
        ``skipped``), the rest go in."""
        run = new_id()
        pending = [
            Op(op.type, op.target, op.base_version, op.args, f"sync:{run}:{n}") for n, op in enumerate(ops)
        ]
        while pending:
            try:
                return len(self.op_path.submit_batch(board_id, pending, actor))
            except BatchRefused as exc:
                cause = exc.cause
                if isinstance(cause, Stale | IllegalTransition):
                    raise cause from None
                refused = pending[exc.index]
                skipped.append(f"{refused.type} refused: {cause.reason}")
                pending = [
                    op for n, op in enumerate(pending) if n != exc.index and op.target != refused.target
                ]
            except PiboardError as cause:  # a batch of one raises its refusal itself
                if isinstance(cause, Stale | IllegalTransition) or len(pending) != 1:
                    raise
                skipped.append(f"{pending[0].type} refused: {cause}")
                return 0
        return 0

    # --- faults ----------------------------------------------------------------------------------

    def _failed(
        self, status: TrackerStatus, started: datetime, exc: TrackerError, report: SyncReport
    ) -> SyncReport:
        board_id = status.board_id
        retry = started + timedelta(seconds=status.settings.interval_s)
        if isinstance(exc, TrackerUnreachable):
            report.failed = f"{exc.product} unreachable: {exc.message}"
            self.store.update_state(
                board_id, reachable=False, message=report.failed, last_attempt_at=started, poll_due_at=retry
            )
        elif isinstance(exc, TrackerAuthError):
            report.failed = (
                f"paused: {exc.product} refused the token ({exc.message}); give a new token on Admin"
            )
            self.store.update_state(
                board_id, state="paused", message=report.failed, last_attempt_at=started, poll_due_at=None
            )
        else:
            report.failed = (
                f"paused: {exc.product} refused the sync's request ({exc.message}); check the scope on Admin"
            )
            self.store.update_state(
                board_id, state="paused", message=report.failed, last_attempt_at=started, poll_due_at=None
            )
        self.store.log(board_id, "fault", report.failed)
        if status.reachable or status.state != "paused":
            self.on_status(board_id)
        return report

    # --- shared ------------------------------------------------------------------------------------

    def _status(self, board_id: str) -> TrackerStatus:
        status = self.store.status(board_id)
        if status is None:
            raise LookupError(f"board '{board_id}' is not connected to a tracker")
        return status

    def _open(self, status: TrackerStatus) -> TrackerReader:
        credentials = self.store.credentials(status.board_id)
        return self.reader(status, credentials.token.reveal())

    def _choices(self, status: TrackerStatus) -> list[str]:
        return [*DEFAULT_CHOICES[family(status.settings.product)], *status.settings.choices]

    @staticmethod
    def _sprints(memory: dict[str, Any], issues: list[TrackedIssue]) -> dict[str, str]:
        """Each sprint's name as the board first knew it, by the sprint's tracker id."""
        known: dict[str, str] = dict(memory.get("sprints") or {})
        for issue in issues:
            if issue.sprint is not None:
                known.setdefault(issue.sprint.id, issue.sprint.name)
        return known


def _memory(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "ids": dict(stored.get("ids") or {}),
        "sprints": dict(stored.get("sprints") or {}),
        "points_fields": list(stored.get("points_fields") or []),
        "skipped": list(stored.get("skipped") or []),
        "reconciled_at": stored.get("reconciled_at"),
    }


def _when(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _owned_ops(ops: list[Op], state: BoardState, has_points: bool) -> list[Op]:
    """Of an import's ops, what a poll may change: new items in scope, and of linked items only the
    fields the tracker owns now (and the link); versions renumbered for what is left."""
    executing = state.meta.execution_started
    kept: list[Op] = []
    versions: dict[str, int] = {}
    for op in ops:
        kind, _, verb = op.type.partition(".")
        if op.type == "iteration.create":
            kept.append(op)  # a sprint the board has not met yet: the teams work in it
            continue
        if kind not in ("feature", "story") or verb not in ("create", "update"):
            continue  # dependencies, order and removals are the board's; teams are made by the RTE
        if verb == "create":
            args = dict(op.args) if has_points else {k: v for k, v in op.args.items() if k != "points"}
            kept.append(Op(op.type, None, None, args))
            versions[str(args["id"])] = 1
            continue
        allowed = owned_fields(kind, executing=executing) | LINK_FIELDS
        if not has_points:
            allowed -= {"points"}
        args = {k: v for k, v in op.args.items() if k in allowed}
        if set(args) <= LINK_FIELDS:
            continue  # nothing the tracker owns changed
        target = str(op.target)
        if target not in versions:
            item = state.get(Feature, target) if kind == "feature" else state.get(Story, target)
            versions[target] = item.version if item is not None else 0
        kept.append(Op(op.type, target, versions[target], args))
        versions[target] += 1
    return kept

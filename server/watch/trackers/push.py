"""Write the plan to Jira / Azure DevOps: the RTE's opt-in push, previewed, once the plan is locked.

What it writes, for the board's items:

- the sprint (Jira) or Iteration Path (Azure DevOps) of every planned linked story and feature. A board
  iteration is the sprint of its name (as the sprint is named now, or as the sync first knew it), else
  of its number ("Sprint 3" is iteration 3); an iteration with no sprint is said, and not written;
- every dependency, and every story's order after another, as a Blocks link (Jira) or a Successor link
  (Azure DevOps) from the item that finishes first to the one that waits (not a declined dependency,
  nor one on an external party);
- a story's points;
- a new issue for each story and feature born on the board (no tracker key, on a team), with its team,
  sprint, points and parent; its item is then linked to it through the one edit path.

The writes are the difference between the board and what the tracker holds now, read fresh before
writing, so a second push writes nothing. Of what the tracker owns (points, and the sprint once the PI
runs: ``board.tracker``) only what the board changed since the tracker last told (the item's
``imported``, what the sync last read) is written: a change made in the tracker and not synced yet is
never written over, and is said. A feature in no sprint in the tracker that nobody moved on the board
stays so: the import placed it where its stories are. Each write is logged. The push holds the board's
poll lease, so no poll runs meanwhile and takes a new issue for an item of its own.

A new issue's item is linked by the tracker's actor ("Jira", "Azure DevOps"), as the sync links; while
the plan is locked, which holds the tracker's changes, by the RTE who pushed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from board import Actor, BoardState, Op
from board.errors import Forbidden, IllegalTransition, PiboardError, Stale
from board.model import DependencyStatus, Feature, Iteration, Story, Team
from board.roles import Role, held_by_lock
from board.tracker import owned_fields
from server.store.op_path import OpPath, new_id
from server.store.trackers import TrackerStatus, TrackerStore
from server.transfer.jira_items import board_values
from server.watch.trackers.errors import TrackerError, TrackerRefused
from server.watch.trackers.sync import sync_actor
from server.watch.trackers.writers import Held, NewIssue, Sprint, TrackerWriter, open_writer

NEW = "new"  # the issue of a write whose issue the push makes
CREATE, SPRINT, POINTS, BLOCKS = "create", "sprint", "points", "blocks"
LINK_NAMES = {"Jira": "Blocks link", "Azure DevOps": "Successor link"}
# A push holds the board's poll lease this long at most (a process that dies mid-push frees it then).
LEASE_S = 300.0
# Linking a new issue's item meets an edit made meanwhile (a stale version): read it again, this often.
STALE_TRIES = 3
LAST_NUMBER = re.compile(r"(\d+)\D*$")

WriterFactory = Callable[[TrackerStatus, str], TrackerWriter]


def default_writer(status: TrackerStatus, token: str) -> TrackerWriter:
    s = status.settings
    return open_writer(s.product, s.url, s.user, token, s.scope)


@dataclass(frozen=True)
class Write:
    """One write, as the preview lists it and the log keeps it."""

    issue: str  # the tracker's key, or NEW
    what: str  # CREATE, SPRINT, POINTS or BLOCKS
    before: str
    after: str  # SPRINT, POINTS: the value written; BLOCKS: the issue that waits; CREATE: what is made
    item_id: str  # the board item written (BLOCKS: the one that finishes first)
    title: str
    then_id: str = ""  # BLOCKS: the board item that waits
    sprint: Sprint | None = None
    points: int | None = None
    new: NewIssue | None = None

    def needs(self) -> list[str]:
        """The board items whose issues must exist before this write."""
        if self.what == BLOCKS:
            return [self.item_id, self.then_id]
        return [self.new.parent_id] if self.new is not None and self.new.parent_id else []

    def text(self, product: str) -> str:
        if self.what == CREATE:
            return f"create {self.after}" if self.issue == NEW else f"{self.issue} created: {self.after}"
        if self.what == BLOCKS:
            first = self.issue if self.issue != NEW else f"new '{self.title}'"
            return f"{first} blocks {self.after} ({LINK_NAMES.get(product, 'link')})"
        return f"{self.issue}: {self.what} {self.before or 'none'} → {self.after}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue": self.issue,
            "what": self.what,
            "from": self.before,
            "to": self.after,
            "item_id": self.item_id,
            "title": self.title,
        }


@dataclass(frozen=True)
class PushPlan:
    """What a push would write now, and what it would not and why (``notes``)."""

    writes: list[Write]
    notes: list[str]
    keys: dict[str, str]  # a linked board item's id -> its tracker key

    def to_dict(self) -> dict[str, Any]:
        return {"writes": [w.to_dict() for w in self.writes], "notes": list(self.notes)}


@dataclass
class PushReport:
    written: list[Write] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped: str = ""  # the tracker stopped answering (or took the token back) midway
    requests: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.written)} writes"]
        if self.failed:
            parts.append(f"{len(self.failed)} refused")
        if self.stopped:
            parts.append(self.stopped)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "written": [w.to_dict() for w in self.written],
            "failed": list(self.failed),
            "notes": list(self.notes),
            "stopped": self.stopped,
            "requests": self.requests,
        }


class TrackerPush:
    def __init__(
        self,
        op_path: OpPath,
        store: TrackerStore,
        *,
        writer: WriterFactory = default_writer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.op_path = op_path
        self.store = store
        self.writer = writer
        self.clock = clock

    def preview(self, board_id: str) -> PushPlan:
        """Every write a push would make now, per issue (the tracker read fresh)."""
        status = self._status(board_id)
        writer = self._open(status)
        try:
            return self._plan(status, writer)
        finally:
            writer.close()

    def push(self, board_id: str, actor: Actor) -> PushReport:
        """Write the plan to the tracker, as ``actor`` (the RTE), once the plan is locked."""
        if actor.role != Role.RTE or actor.tracker:
            raise Forbidden("only the RTE writes the plan to the tracker")
        meta = self.op_path.state(board_id).meta
        if not (meta.locked or meta.execution_started):
            raise IllegalTransition("lock the plan first: the plan is written once the final review has it")
        status = self._status(board_id)
        owner = f"push-{new_id()}"
        if not self.store.take_lease(board_id, owner, self.clock(), LEASE_S):
            raise IllegalTransition(
                f"the sync is reading {status.product_name} right now: write the plan again in a moment"
            )
        try:
            writer = self._open(status)
            try:
                plan = self._plan(status, writer)
                report = PushReport(notes=plan.notes)
                self._write(status, plan, writer, actor, report)
                report.requests = writer.requests_made()
            finally:
                writer.close()
        finally:
            self.store.release_lease(board_id, owner)
        self.store.log(board_id, "push", report.summary())
        return report

    # --- the writes ----------------------------------------------------------------------------------

    def _plan(self, status: TrackerStatus, writer: TrackerWriter) -> PushPlan:
        held = writer.read()
        return Planner(self.op_path.state(status.board_id), held, status.memory, writer).plan()

    def _write(
        self, status: TrackerStatus, plan: PushPlan, writer: TrackerWriter, actor: Actor, report: PushReport
    ) -> None:
        board_id, product = status.board_id, status.product_name
        keys = dict(plan.keys)
        made: dict[str, str] = {}  # a new issue's tracker id -> its key
        linker = self._linker(board_id, product, actor)
        try:
            for write in plan.writes:
                if any(item_id not in keys for item_id in write.needs()):
                    report.failed.append(f"{write.text(product)}: the issue it needs was not made")
                    continue
                try:
                    done, tracker_id = self._make(write, writer, keys)
                except TrackerRefused as refused:
                    report.failed.append(f"{write.text(product)}: {refused.message}")
                    self.store.log(board_id, "write", f"refused: {write.text(product)}: {refused.message}")
                    continue
                report.written.append(done)
                self.store.log(board_id, "write", done.text(product))
                if tracker_id:
                    made[tracker_id] = done.issue
                    self._link_item(board_id, done, linker, report)
        except TrackerError as stopped:  # unreachable, or the token refused: what is written stays
            report.stopped = f"stopped: {stopped}; push again to write the rest"
            self.store.log(board_id, "write", report.stopped)
        finally:
            self._remember(board_id, made)

    @staticmethod
    def _make(write: Write, writer: TrackerWriter, keys: dict[str, str]) -> tuple[Write, str]:
        """Make ``write``; the write as made (its keys known) and a new issue's tracker id."""
        if write.what == CREATE:
            assert write.new is not None
            parent = keys[write.new.parent_id] if write.new.parent_id else None
            tracker_id, key = writer.create(write.new, parent)
            keys[write.item_id] = key
            return replace(write, issue=key), tracker_id
        if write.what == BLOCKS:
            first, then = keys[write.item_id], keys[write.then_id]
            writer.link(first, then)
            return replace(write, issue=first, after=then), ""
        if write.what == SPRINT:
            assert write.sprint is not None
            writer.set_sprint(write.issue, write.sprint)
        else:
            assert write.points is not None
            writer.set_points(write.issue, write.points)
        return write, ""

    def _linker(self, board_id: str, product: str, rte: Actor) -> Actor:
        """Who links a new issue's item: the tracker, unless the plan's lock holds the tracker's changes;
        then the RTE who pushed."""
        tracker = sync_actor(product)
        return rte if held_by_lock(tracker, self.op_path.state(board_id).meta.locked) else tracker

    def _link_item(self, board_id: str, done: Write, actor: Actor, report: PushReport) -> None:
        """Link the board item of a new issue: its key, and what the tracker now holds of it (the
        ``imported`` the sync compares with)."""
        for _ in range(STALE_TRIES):
            state = self.op_path.state(board_id)
            item = state.get(Feature, done.item_id) or state.get(Story, done.item_id)
            if item is None:
                report.failed.append(f"{done.issue} was made, but '{done.title}' is gone from the board")
                return
            snapshot = board_values(state, item)
            if done.new is not None and done.new.sprint is None:
                snapshot["iteration"] = None  # made in no sprint: the sync reads it in none
            args = {"external_key": done.issue, "imported": snapshot}
            try:
                self.op_path.submit(
                    board_id, Op(f"{item.kind}.update", item.id, item.version, args, new_id()), actor
                )
                return
            except Stale:
                continue
            except PiboardError as refused:
                report.failed.append(f"{done.issue} was made, but '{item.title}' was not linked: {refused}")
                return
        report.failed.append(f"{done.issue} was made, but '{done.title}' kept changing: not linked")

    def _remember(self, board_id: str, made: dict[str, str]) -> None:
        """The sync knows a new issue by its tracker id, as one it read (its ``memory["ids"]``)."""
        if not made:
            return
        memory = dict(self._status(board_id).memory)
        memory["ids"] = {**(memory.get("ids") or {}), **made}
        self.store.update_state(board_id, memory=memory)

    # --- shared --------------------------------------------------------------------------------------

    def _status(self, board_id: str) -> TrackerStatus:
        status = self.store.status(board_id)
        if status is None:
            raise LookupError(f"board '{board_id}' is not connected to a tracker")
        if not status.first_synced:
            raise IllegalTransition(
                f"apply the first sync first: nothing on the board is linked to {status.product_name} yet"
            )
        return status

    def _open(self, status: TrackerStatus) -> TrackerWriter:
        return self.writer(status, self.store.credentials(status.board_id).token.reveal())


class Planner:
    """The writes that bring the tracker to the board: the board against what the tracker holds."""

    def __init__(self, state: BoardState, held: Held, memory: dict[str, Any], writer: TrackerWriter) -> None:
        self.state = state
        self.held = held
        self.product = writer.product
        self.remembered: dict[str, str] = dict(memory.get("sprints") or {})
        self.executing = state.meta.execution_started
        self.notes: list[str] = []
        self.sprints: dict[str, Sprint | None] = {}  # an iteration's id -> its sprint, once matched
        items: list[Feature | Story] = [*state.features, *sorted(state.stories, key=lambda s: s.title)]
        self.items = {item.id: item for item in items}
        self.linked = [item for item in items if item.external_key in held.issues]
        self.born = [item for item in items if not item.external_key and state.get(Team, item.team_id)]
        self.born_ids = {item.id for item in self.born}
        self.keys = {item.id: item.external_key for item in self.linked}
        self.by_key = {item.external_key: item.id for item in items if item.external_key}
        self.types = {kind: self._usual_type(kind, usual) for kind, usual in writer.default_types.items()}
        for item in items:
            if item.external_key and item.external_key not in held.issues:
                self.notes.append(
                    f"{item.external_key} is not in {self.product}'s scope: nothing written to it"
                )

    def plan(self) -> PushPlan:
        writes = [self._create(item) for item in self.born]
        for item in self.linked:
            writes += self._placement(item)
        writes += self._links()
        return PushPlan(writes, self.notes, self.keys)

    def _usual_type(self, kind: str, usual: str) -> str:
        """The issue type the linked items of ``kind`` mostly have in the tracker."""
        types = Counter(
            self.held.issues[i.external_key].issue.issue_type for i in self.linked if i.kind == kind
        )
        return types.most_common(1)[0][0] if types else usual

    # --- placement and points of linked items --------------------------------------------------------

    def _placement(self, item: Feature | Story) -> list[Write]:
        key = item.external_key
        held = self.held.issues[key]
        writes: list[Write] = []
        sprint = self.sprint(item.iteration_id)
        if sprint is not None and not held.in_sprint(sprint):
            names = {s.id: s.name for s in self.held.sprints}
            now = names.get(held.sprint or "") or (held.issue.sprint.name if held.issue.sprint else "")
            iteration = self.state.get(Iteration, item.iteration_id)
            moved = self._changed(item, "iteration", iteration.number if iteration else None)
            if sprint.closed:
                self.notes.append(f"{key}: {sprint.name} is closed in {self.product}: not moved")
            elif isinstance(item, Feature) and held.sprint is None and not moved:
                pass  # in no sprint there: the import placed it where its stories are, nobody moved it
            elif moved or self._board_owns(item, "iteration_id"):
                writes.append(Write(key, SPRINT, now, sprint.name, item.id, item.title, sprint=sprint))
            else:
                self.notes.append(
                    f"{key}: moved to {now} in {self.product} since the last sync; the sync brings it"
                )
        if isinstance(item, Story) and self.held.has_points and (held.issue.points or 0) != item.points:
            before = "" if held.issue.points is None else f"{held.issue.points:g}"
            if self._changed(item, "points", item.points) or self._board_owns(item, "points"):
                writes.append(
                    Write(key, POINTS, before, str(item.points), item.id, item.title, points=item.points)
                )
            else:
                self.notes.append(
                    f"{key}: points changed in {self.product} since the last sync; the sync brings them"
                )
        return writes

    def _board_owns(self, item: Feature | Story, field_name: str) -> bool:
        return field_name not in owned_fields(item.kind, executing=self.executing)

    @staticmethod
    def _changed(item: Feature | Story, name: str, now: Any) -> bool:
        """Whether the board changed ``name`` (iteration, points) since the tracker last told (``imported``,
        what the sync last read); without that snapshot, what the tracker holds stands."""
        return name in item.imported and (item.imported[name] or 0) != (now or 0)

    def sprint(self, iteration_id: str | None) -> Sprint | None:
        """The sprint that is the iteration ``iteration_id``; the first time one is not found, a note."""
        if iteration_id is None:
            return None
        if iteration_id not in self.sprints:
            iteration = self.state.get(Iteration, iteration_id)
            self.sprints[iteration_id] = self._match(iteration) if iteration is not None else None
        return self.sprints[iteration_id]

    def _match(self, iteration: Iteration) -> Sprint | None:
        name = iteration.name.casefold()
        candidates = [
            s for s in self.held.sprints if name and name in (s.name.casefold(), self._first_name(s))
        ]
        if not candidates:
            candidates = [
                s for s in self.held.sprints if not s.closed and _number(s.name) == iteration.number
            ]
        if len(candidates) > 1:  # the sprints the sync met are this train's; then the dates tell
            candidates = [s for s in candidates if self._first_name(s)] or candidates
        if len(candidates) > 1 and iteration.start:
            candidates = [
                s for s in candidates if s.start and s.start.isoformat() == iteration.start
            ] or candidates
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            names = ", ".join(sorted(s.name for s in candidates))
            self.notes.append(
                f"several sprints in {self.product} could be iteration {iteration.number} ({names})"
            )
        else:
            self.notes.append(f"no sprint in {self.product} for iteration {iteration.number}")
        return None

    def _first_name(self, sprint: Sprint) -> str:
        """The sprint's name as the sync first knew it ("" if it never met it). The sync's reader names an
        Azure DevOps iteration by its identifier without hyphens."""
        return (
            self.remembered.get(sprint.id) or self.remembered.get(sprint.id.replace("-", "")) or ""
        ).casefold()

    # --- new issues ----------------------------------------------------------------------------------

    def _create(self, item: Feature | Story) -> Write:
        team = self.state.get(Team, item.team_id)
        assert team is not None, "an item is made in the tracker only once it is on a team"
        sprint = self.sprint(item.iteration_id)
        if sprint is not None and sprint.closed:
            self.notes.append(f"'{item.title}': {sprint.name} is closed in {self.product}: made in no sprint")
            sprint = None
        points = item.points if isinstance(item, Story) and self.held.has_points and item.points else None
        parent_id = None
        if isinstance(item, Story) and self._key(item.feature_id) is not None:
            parent_id = item.feature_id
        issue_type = self.types[item.kind]
        details = [
            team.name,
            sprint.name if sprint else "",
            f"{points} points" if points else "",
            f"under {self._label(parent_id)}" if parent_id else "",
        ]
        after = f"{issue_type} '{item.title}' ({', '.join(d for d in details if d)})"
        new = NewIssue(issue_type, item.title, team.name, sprint, points, parent_id)
        return Write(NEW, CREATE, "", after, item.id, item.title, new=new)

    # --- links ---------------------------------------------------------------------------------------

    def _links(self) -> list[Write]:
        pairs: dict[tuple[str, str], None] = {}  # (finishes first, waits), in order, once each
        for dep in sorted(self.state.dependencies, key=lambda d: d.id):
            first = dep.provider_story_id or dep.provider_feature_id
            then = self._requester(dep.external_key, dep.requesting_feature_id)
            if dep.status != DependencyStatus.DECLINED and first and then:
                pairs[(first, then)] = None
        for story in self.items.values():
            if isinstance(story, Story):
                for first in story.after:
                    pairs[(first, story.id)] = None
        writes = []
        for first, then in pairs:
            first_key, then_key = self._key(first), self._key(then)
            if first == then or first_key is None or then_key is None:
                continue
            if first_key != NEW and then_key in self.held.issues[first_key].issue.blocks:
                continue
            item = self.items[first]
            writes.append(Write(first_key, BLOCKS, "", self._label(then), first, item.title, then_id=then))
        return writes

    def _requester(self, external_key: str, requesting_feature_id: str | None) -> str | None:
        """The item that waits: the issue a dependency came from (its key's end), else the feature."""
        if ">" in external_key:
            found = self.by_key.get(external_key.rsplit(">", 1)[1])
            if found is not None:
                return found
        return requesting_feature_id

    def _key(self, item_id: str | None) -> str | None:
        """An item's tracker key, NEW if the push makes its issue, None if it has none to write to."""
        if item_id is None:
            return None
        if item_id in self.keys:
            return self.keys[item_id]
        return NEW if item_id in self.born_ids else None

    def _label(self, item_id: str | None) -> str:
        """How a write names an item's issue: its key, or the title of the one the push makes."""
        key = self._key(item_id)
        return f"new '{self.items[str(item_id)].title}'" if key is None or key == NEW else key


def _number(name: str) -> int | None:
    """The number a sprint's name ends with ("Sprint 3", "ATL Sprint 3 (Checkout)")."""
    found = LAST_NUMBER.search(name)
    return int(found.group(1)) if found else None

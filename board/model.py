"""What a board holds: one ART's Program Increment.

Every part of the plan is an *item*: a dataclass with an ``id`` and a ``version`` that
goes up by one on every change (the ``base_version`` an op must name). Items are kept
in a :class:`BoardState`, one dict per kind. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar


class Role(str, enum.Enum):
    RTE = "rte"
    PRODUCT_MANAGEMENT = "pm"
    ARCHITECT = "architect"
    BUSINESS_OWNER = "business_owner"
    TEAM = "team"
    OBSERVER = "observer"


class FeatureKind(str, enum.Enum):
    FEATURE = "feature"
    ENABLER = "enabler"


class FeatureState(str, enum.Enum):
    FUNNEL = "funnel"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class StoryStatus(str, enum.Enum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class MilestoneKind(str, enum.Enum):
    RELEASE = "release"
    DEMO = "demo"
    EVENT = "event"
    EXTERNAL = "external"


class DependencyStatus(str, enum.Enum):
    """What people say of a dependency; the shown state is derived (see ``dependency_state``)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    # The provider answered with another iteration than the one needed (see ``promised_iteration_id``).
    PROPOSED = "proposed"
    # The provider will not deliver it; ``answer`` says why.
    DECLINED = "declined"
    DONE = "done"


class DependencyState(str, enum.Enum):
    """What a dependency is now, derived from what people said and the plan (``dependency_state``)."""

    REQUESTED = "requested"
    PROPOSED = "proposed"
    DECLINED = "declined"
    COMMITTED = "committed"
    DONE = "done"
    CONFLICT = "conflict"
    # Only during the PI's execution: the needed-by iteration closed and the provider has not delivered.
    LATE = "late"


class Roam(str, enum.Enum):
    UNROAMED = "unroamed"
    RESOLVED = "resolved"
    OWNED = "owned"
    ACCEPTED = "accepted"
    MITIGATED = "mitigated"


class VoteStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"


class VotePrivacy(str, enum.Enum):
    """Who voted what: never shown (only the distribution), or shown once the round is revealed."""

    ANONYMOUS = "anonymous"
    NAMED = "named"


class HelpStatus(str, enum.Enum):
    OPEN = "open"
    TAKEN = "taken"
    CLOSED = "closed"


class TimerStatus(str, enum.Enum):
    STOPPED = "stopped"
    RUNNING = "running"
    PAUSED = "paused"


@dataclass
class Item:
    kind: ClassVar[str] = ""
    id: str
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not ``dataclasses.asdict``: its deep copy made storing a 20,000-item board
        # take half a second of the interpreter (a snapshot, an export) while edits waited.
        out: dict[str, Any] = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            out[name] = value if type(value) in _SCALARS else _plain(value)
        return out


@dataclass
class Meta(Item):
    """Board-wide settings: a singleton item with id ``meta``."""

    kind: ClassVar[str] = "meta"
    name: str = ""
    pi_name: str = ""
    start: str | None = None
    end: str | None = None
    planning_target: float = 0.8
    locked: bool = False
    rework: bool = False
    baseline_seq: int | None = None
    # When the baseline was taken and by whom (the name the RTE joined with), for the pages to say.
    baseline_at: float | None = None
    baseline_by: str = ""
    current_agenda_item: str | None = None
    timer_status: TimerStatus = TimerStatus.STOPPED
    timer_ends_at: float | None = None
    timer_remaining: float | None = None
    roam_focus: str | None = None
    # Execution: after the baseline the PI runs; velocity below this share of the plan is flagged.
    execution_started: bool = False
    velocity_threshold: float = 0.7
    # A forecast below this chance of an item being done by its iteration is alerted (board.forecast).
    forecast_threshold: float = 0.5
    # The PI the teams' typed earlier throughput (Team.earlier_throughput) is from ("PI 2025.3").
    earlier_pi_name: str = ""
    # The choices of the last Jira import (issue type -> kind, status -> status, ...), proposed
    # again at the next one.
    import_mapping: dict[str, Any] = field(default_factory=dict)
    # When the planning event runs: its first day, when each day starts, in which time zone.
    event_date: str | None = None
    day_start: str = "09:00"
    time_zone: str = "UTC"
    # What the big screen shows (see board.room.SCENES) and, when it rotates, how long each page stays.
    screen_scene: str = "board"
    screen_rotate_seconds: int = 30
    # The confidence vote's privacy, chosen before a round opens; each round keeps the one it opened with.
    vote_privacy: VotePrivacy = VotePrivacy.ANONYMOUS
    # The join link whose QR code the join scene shows (its id: the link itself is the server's).
    screen_join_link: str | None = None
    # The last "bring everyone here": the view every open page moves to, and when it was asked.
    gather_view: str | None = None
    gather_at: float | None = None


@dataclass
class Iteration(Item):
    kind: ClassVar[str] = "iteration"
    number: int = 1
    name: str = ""
    start: str | None = None
    end: str | None = None
    is_ip: bool = False
    weeks: int = 2


# The rule of the Innovation and Planning (IP) iteration, in the words every refusal of it uses.
NO_FEATURE_WORK = "the IP iteration holds no feature work"


def holds_feature_work(iteration: Iteration) -> bool:
    """Whether features and stories may be planned in the iteration: every one but the IP iteration,
    which keeps its time for innovation, PI planning and Inspect & Adapt."""
    return not iteration.is_ip


@dataclass
class Team(Item):
    kind: ClassVar[str] = "team"
    name: str = ""
    color: str = "#4a6fa5"
    # What the team finished per iteration of the earlier PI (points, or stories for a team whose
    # stories carry none), as the RTE typed it: the forecast's history before this PI has any.
    earlier_throughput: list[int] = field(default_factory=list)


@dataclass
class Member(Item):
    kind: ClassVar[str] = "member"
    name: str = ""
    team_id: str | None = None
    role: str = "developer"
    fte: float = 1.0
    # iteration id -> days off in that iteration
    days_off: dict[str, int] = field(default_factory=dict)


@dataclass
class Feature(Item):
    kind: ClassVar[str] = "feature"
    title: str = ""
    description: str = ""
    acceptance: str = ""
    feature_kind: FeatureKind = FeatureKind.FEATURE
    rank: int = 0
    team_id: str | None = None
    iteration_id: str | None = None
    state: FeatureState = FeatureState.FUNNEL
    external_key: str = ""
    # What the last import wrote (title, team, iteration number, state, ...), so a re-import
    # tells an edit made on the board from a change in the file.
    imported: dict[str, Any] = field(default_factory=dict)


@dataclass
class Story(Item):
    kind: ClassVar[str] = "story"
    title: str = ""
    feature_id: str | None = None
    team_id: str | None = None
    iteration_id: str | None = None
    points: int = 0
    status: StoryStatus = StoryStatus.TODO
    blocked_reason: str = ""
    external_key: str = ""
    # Stories of the same team that must be done first (a Jira "blocks" link inside a team).
    after: list[str] = field(default_factory=list)
    imported: dict[str, Any] = field(default_factory=dict)


@dataclass
class Milestone(Item):
    kind: ClassVar[str] = "milestone"
    title: str = ""
    date: str | None = None
    iteration_id: str | None = None
    milestone_kind: MilestoneKind = MilestoneKind.EVENT


def _day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def iteration_span(iteration: Iteration) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of an iteration: its dates, the end taken from its weeks when only the
    start is given; None without a start."""
    start = _day(iteration.start)
    if start is None:
        return None
    end = _day(iteration.end) or start + datetime.timedelta(days=7 * iteration.weeks - 1)
    return start, end


def milestone_iteration(milestone: Milestone, iterations: list[Iteration]) -> str | None:
    """The iteration a milestone is shown in: the one it names, else the one its date falls in (the
    program board, the picture and the report place it by this one rule)."""
    if milestone.iteration_id:
        return milestone.iteration_id
    day = _day(milestone.date)
    if day is None:
        return None
    for it in iterations:
        span = iteration_span(it)
        if span is not None and span[0] <= day <= span[1]:
            return it.id
        if span is None and it.end and milestone.date and milestone.date <= it.end:
            return it.id  # an iteration with only an end takes what comes before it
    return None


@dataclass
class Dependency(Item):
    """A red string: the requesting team needs something from a provider by an iteration."""

    kind: ClassVar[str] = "dependency"
    need: str = ""
    requesting_team_id: str | None = None
    requesting_feature_id: str | None = None
    provider_team_id: str | None = None
    external_party: str = ""
    # None: needed by the iteration the requesting feature is planned in.
    needed_by_iteration_id: str | None = None
    provider_feature_id: str | None = None
    provider_story_id: str | None = None
    # The iteration the provider promised (an external party's promise, or a team's proposal).
    promised_iteration_id: str | None = None
    status: DependencyStatus = DependencyStatus.REQUESTED
    comment: str = ""
    # The provider's words with a proposal or a decline.
    answer: str = ""
    # The Jira link it came from, "PROVIDER-KEY>REQUESTER-KEY", so a re-import finds it again.
    external_key: str = ""
    # Across trains of a solution (board.cross_train): the asking train's dependency names the team it
    # asks, "<board>/<team>"; the providing train's mirror names the request, "<board>/<dependency>".
    provider_train: str = ""
    requester_train: str = ""
    # The other train's seq this side last took (a mirror, an answer): an older one is skipped.
    mirrored_seq: int = 0
    # How the two trains' iterations disagree, in words: it counts as a conflict until they agree.
    cadence_mismatch: str = ""


@dataclass
class Objective(Item):
    kind: ClassVar[str] = "objective"
    team_id: str | None = None
    statement: str = ""
    committed: bool = True
    planned_bv: int | None = None
    actual_bv: int | None = None
    feature_ids: list[str] = field(default_factory=list)


@dataclass
class Risk(Item):
    kind: ClassVar[str] = "risk"
    title: str = ""
    description: str = ""
    team_id: str | None = None
    owner: str = ""
    roam: Roam = Roam.UNROAMED
    raised_by: str = ""


@dataclass
class VoteRound(Item):
    kind: ClassVar[str] = "vote"
    team_id: str | None = None
    status: VoteStatus = VoteStatus.OPEN
    opened_at: float = 0.0
    number: int = 1
    # Set when the round opens, from the board's setting; rounds stored before it read as anonymous.
    privacy: VotePrivacy = VotePrivacy.ANONYMOUS


@dataclass
class Ballot(Item):
    """One person's fist of five in one round. Its value is secret until the round is revealed."""

    kind: ClassVar[str] = "ballot"
    round_id: str = ""
    voter: str = ""
    team_id: str | None = None
    value: int = 0
    reason: str = ""


@dataclass
class AgendaItem(Item):
    kind: ClassVar[str] = "agenda"
    day: int = 1
    order: int = 0
    title: str = ""
    minutes: int = 30


@dataclass
class HelpRequest(Item):
    """A team asks for someone at its table during a breakout: the System Architect, a Business Owner,
    Product Management or the RTE. The queue is answered in the order asked."""

    kind: ClassVar[str] = "help"
    team_id: str | None = None
    needs: Role = Role.ARCHITECT
    note: str = ""
    status: HelpStatus = HelpStatus.OPEN
    asked_by: str = ""
    asked_at: float = 0.0
    taken_by: str = ""


ITEM_TYPES: dict[str, type[Item]] = {
    cls.kind: cls
    for cls in (
        Meta,
        Iteration,
        Team,
        Member,
        Feature,
        Story,
        Milestone,
        Dependency,
        Objective,
        Risk,
        VoteRound,
        Ballot,
        AgendaItem,
        HelpRequest,
    )
}

T = TypeVar("T", bound=Item)


_SCALARS = frozenset({str, int, float, bool, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[Item]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    """A field's value as JSON would hold it: enums by value, containers copied."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def item_from_dict(kind: str, data: dict[str, Any]) -> Item:
    """Rebuild an item from its stored dict; unknown keys (from a newer version) are ignored."""
    cls = ITEM_TYPES[kind]
    known = _field_types(kind)
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name in known:
            kwargs[name] = _coerce(known[name], value)
    return cls(**kwargs)


@functools.cache
def _field_types(kind: str) -> dict[str, Any]:
    """A kind's fields and their types, looked up once (boards are rebuilt item by item)."""
    return {f.name: f.type for f in dataclasses.fields(ITEM_TYPES[kind])}


_ENUMS: dict[str, type[enum.Enum]] = {
    e.__name__: e
    for e in (
        Role,
        FeatureKind,
        FeatureState,
        StoryStatus,
        MilestoneKind,
        DependencyStatus,
        Roam,
        VoteStatus,
        VotePrivacy,
        TimerStatus,
        HelpStatus,
    )
}


def _coerce(type_name: Any, value: Any) -> Any:
    enum_cls = _ENUMS.get(str(type_name))
    if enum_cls is not None and value is not None:
        return enum_cls(value)
    return value


@dataclass
class BoardState:
    """All items of one board, by kind and id, plus the last event ``seq`` they reflect."""

    board_id: str
    seq: int = 0
    items: dict[str, dict[str, Item]] = field(default_factory=lambda: {k: {} for k in ITEM_TYPES})
    # The kinds whose dicts no other state shares (copied since the last ``snapshot``): a batch of
    # ops writes those in place, instead of copying a 20,000-story dict for every op.
    _private_kinds: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    @property
    def meta(self) -> Meta:
        meta = self.items["meta"].get("meta")
        assert isinstance(meta, Meta), "every board has its meta item"
        return meta

    def of(self, cls: type[T]) -> dict[str, T]:
        return self.items[cls.kind]  # type: ignore[return-value]

    def get(self, cls: type[T], item_id: str | None) -> T | None:
        if item_id is None:
            return None
        found = self.items[cls.kind].get(item_id)
        return found if isinstance(found, cls) else None

    @property
    def iterations(self) -> list[Iteration]:
        return sorted(self.of(Iteration).values(), key=lambda i: i.number)

    @property
    def teams(self) -> list[Team]:
        return sorted(self.of(Team).values(), key=lambda t: t.name.lower())

    @property
    def features(self) -> list[Feature]:
        return sorted(self.of(Feature).values(), key=lambda f: (f.rank, f.title))

    @property
    def stories(self) -> list[Story]:
        return list(self.of(Story).values())

    @property
    def dependencies(self) -> list[Dependency]:
        return list(self.of(Dependency).values())

    @property
    def objectives(self) -> list[Objective]:
        return list(self.of(Objective).values())

    @property
    def risks(self) -> list[Risk]:
        return list(self.of(Risk).values())

    @property
    def agenda(self) -> list[AgendaItem]:
        return sorted(self.of(AgendaItem).values(), key=lambda a: (a.day, a.order))

    def snapshot(self) -> BoardState:
        """A cheap copy to apply ops to; from now on both share every per-kind dict, so neither
        writes one in place (``writable`` copies it first)."""
        self._private_kinds = set()
        return BoardState(self.board_id, self.seq, dict(self.items))

    def writable(self, kind: str) -> dict[str, Item]:
        """The items of ``kind``, to change in place: copied first unless no other state shares them."""
        if kind not in self._private_kinds:
            self.items[kind] = dict(self.items[kind])
            self._private_kinds.add(kind)
        return self.items[kind]

    def copy(self) -> BoardState:
        """A deep copy, so a refused op can never leave a half-applied state behind."""
        clone = BoardState(self.board_id, self.seq)
        for kind, by_id in self.items.items():
            clone.items[kind] = {i: dataclasses.replace(it) for i, it in by_id.items()}
            for it in clone.items[kind].values():
                for f in dataclasses.fields(it):
                    v = getattr(it, f.name)
                    if isinstance(v, (dict, list)):
                        setattr(it, f.name, type(v)(v))
        return clone

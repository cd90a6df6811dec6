"""What a Jira import will do, before it does it: every row's fate (created, updated field by field
with conflicts marked, unchanged, counted into its parent, skipped and why), every link's, the items
gone from the file, the teams and iterations it creates, and the choices of the mapping step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.transfer.common import Problem
from server.transfer.jira_mapping import STATUSES, Candidates, JiraMapping

# What each row of the file becomes.
CREATE, UPDATE, UNCHANGED, COUNTED, SKIP = "create", "update", "unchanged", "counted", "skip"
# What each Blocks link becomes.
DEPENDENCY, ORDER, EXTERNAL, KEPT, IGNORED = "dependency", "order", "external", "kept", "ignored"


@dataclass(frozen=True)
class FieldChange:
    """One field a re-import would change, or a conflict between the board and the file."""

    field: str
    board: Any
    file: Any
    conflict: bool
    winner: str  # "file" or "board"


@dataclass
class RowFate:
    line: int
    key: str
    type: str
    fate: str
    kind: str = ""
    title: str = ""
    reason: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    points_in_file: int = 0
    # Written when the item is created, never compared: a feature's description and kind.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[FieldChange]:
        return [c for c in self.changes if c.conflict]


@dataclass(frozen=True)
class LinkFate:
    line: int
    provider: str
    requester: str
    fate: str
    reason: str = ""


@dataclass(frozen=True)
class Gone:
    kind: str
    key: str
    title: str
    action: str


@dataclass(frozen=True)
class Choice:
    """One choice of the mapping step: sent back as ``name=value``."""

    name: str
    label: str
    current: str
    options: list[tuple[str, str]]


@dataclass
class JiraPreview:
    mapping: JiraMapping
    offer: Candidates
    rows: list[RowFate] = field(default_factory=list)
    links: list[LinkFate] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    new_iterations: list[tuple[int, str]] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The board's iterations (number, name): what a sprint may map to.
    iterations: list[tuple[int, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {fate: 0 for fate in (CREATE, UPDATE, UNCHANGED, COUNTED, SKIP)}
        for row in self.rows:
            out[row.fate] += 1
        out["conflicts"] = sum(len(r.conflicts) for r in self.rows)
        out["dependencies"] = sum(1 for link in self.links if link.fate in (DEPENDENCY, EXTERNAL))
        out["orders"] = sum(1 for link in self.links if link.fate == ORDER)
        out["gone"] = len(self.gone)
        out["teams"] = len(self.new_teams)
        out["iterations"] = len(self.new_iterations)
        return out

    def points(self) -> dict[str, int]:
        """The file's story points, and where they went: onto the board or with a skipped row."""
        imported = sum(r.values.get("points", 0) for r in self.rows if r.kind == "story" and r.fate != SKIP)
        total = sum(r.points_in_file for r in self.rows)
        return {"file": total, "board": imported, "not_imported": total - imported}

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "points": self.points(),
            "mapping": self.mapping.memory(),
            "rows": [_plain(r) for r in self.rows],
            "links": [_plain(link) for link in self.links],
            "gone": [_plain(g) for g in self.gone],
            "new_teams": list(self.new_teams),
            "new_iterations": [{"number": n, "name": name} for n, name in self.new_iterations],
            "unused_columns": list(self.unused_columns),
            "warnings": [p.to_dict() for p in self.warnings],
        }

    def _points_options(self) -> list[tuple[str, str]]:
        """Each candidate column, none, and (when several are used) the columns in use, in order."""
        options = [("", "no column"), *[(c, c) for c in self.offer.points_columns]]
        if len(self.mapping.points_columns) > 1:
            options.insert(
                0, ("|".join(self.mapping.points_columns), ", then ".join(self.mapping.points_columns))
            )
        return options

    def choices(self) -> list[Choice]:
        """Every choice of the mapping with its options, as the mapping step shows them."""
        m, offer = self.mapping, self.offer
        kinds = [
            ("feature", "feature"),
            ("story", "story"),
            ("subtask", "count into its story"),
            ("skip", "skip"),
        ]
        statuses = [(s, s.replace("_", " ")) for s in STATUSES]
        sprint_targets = [("new", "a new iteration"), ("backlog", "the backlog")]
        sprint_targets += [
            (str(n), f"iteration {n}" + (f" ({name})" if name else "")) for n, name in self.iterations
        ]
        out = [
            Choice(
                "team",
                "Team from",
                m.team_column or "none",
                [("none", "no column"), *[(c, c) for c in offer.team_columns]],
            ),
            Choice(
                "create-teams",
                "Create missing teams",
                "yes" if m.create_teams else "no",
                [("yes", "yes"), ("no", "no")],
            ),
            Choice("points", "Story points from", "|".join(m.points_columns), self._points_options()),
        ]
        out += [
            Choice(f"type:{t}", f"Issue type {t} ({n})", m.kind_of(t), kinds) for t, n in offer.types.items()
        ]
        out += [
            Choice(f"status:{st}", f"Status {st} ({n})", m.statuses.get(st, "todo"), statuses)
            for st, n in offer.statuses.items()
        ]
        out += [
            Choice(f"sprint:{sp}", f"Sprint {sp}", m.sprints.get(sp, "new"), sprint_targets)
            for sp in offer.sprints
        ]
        if self.gone:
            out.append(
                Choice(
                    "removed",
                    "Items gone from the file",
                    m.removed,
                    [("keep", "keep on the board"), ("delete", "delete")],
                )
            )
        for row in self.rows:
            for c in row.conflicts:
                name = f"conflict:{row.key}.{c.field}"
                options = [
                    ("board", f"keep the board's ({c.board})"),
                    ("file", f"take the file's ({c.file})"),
                ]
                out.append(Choice(name, f"{row.key} {c.field}", c.winner, options))
        return out


def _plain(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in vars(obj).items():
        if isinstance(value, list):
            value = [_plain(v) if hasattr(v, "__dict__") else v for v in value]
        out[name] = value
    if isinstance(obj, RowFate):
        out["changes"] = [vars(c) for c in obj.changes]
    return out

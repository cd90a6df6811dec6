"""Which side wins when a board is synced with a tracker (Jira, Azure DevOps): the rule as data.

During planning the board owns placement (the iteration), dependencies and objectives; the
tracker owns what the team keeps there: an item's summary, its points and its status. Once the PI
runs, the teams work in their sprints, so the tracker owns the iteration too. The rule holds for the
items the tracker brought (those with a tracker key); anything born on the board stays the board's.

:func:`tracker_refusal` is the one check: ``board.ops`` asks it for every change to a linked item
(a person's and the sync's own), and Admin shows :data:`OWNERSHIP` as the stated rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from board.errors import Forbidden, Refused
from board.roles import Actor

# The fields of linked items a tracker owns, by kind, while the plan is made and once the PI runs.
PLANNING_OWNED: dict[str, frozenset[str]] = {
    "story": frozenset({"title", "points", "status"}),
    "feature": frozenset({"title", "state"}),
}
EXECUTION_OWNED: dict[str, frozenset[str]] = {
    kind: fields | {"iteration_id"} for kind, fields in PLANNING_OWNED.items()
}

# The stated rule, as Admin shows it: (what, who owns it while planning, who owns it while executing).
OWNERSHIP: tuple[tuple[str, str, str], ...] = (
    ("summary, points, status", "tracker", "tracker"),
    ("placement (iteration, sprint)", "board", "tracker"),
    ("team", "board", "board"),
    ("dependencies", "board", "board"),
    ("PI objectives, risks, business value", "board", "board"),
)

# What a refused board edit may be written to the tracker instead (write-back on): a status is not, as
# the tracker moves it through its own workflow.
WRITTEN_BACK = frozenset({"title", "points", "iteration_id"})

# The link itself (the tracker key and what the sync last wrote): the sync keeps it, on any linked item.
LINK_FIELDS = frozenset({"external_key", "imported"})

FIELD_WORDS = {
    "title": "summary",
    "points": "points",
    "status": "status",
    "state": "state",
    "iteration_id": "sprint",
}


@dataclass(frozen=True)
class SyncTerms:
    """A board's standing with its tracker, as ops need it: which product, and whether a board edit to a
    tracker-owned field may be written back to it instead of refused."""

    product: str
    write_back: bool = False


class TrackerOwned(Refused):
    """A board edit to a field the tracker owns. ``detail['write_back']`` says whether it can be
    written to the tracker instead."""

    code = "tracker_owned"


def owned_fields(kind: str, *, executing: bool) -> frozenset[str]:
    """The fields of a linked ``kind`` the tracker owns now."""
    return (EXECUTION_OWNED if executing else PLANNING_OWNED).get(kind, frozenset())


def owner(kind: str, field_name: str, *, executing: bool) -> str:
    """Who owns ``field_name`` of a linked item of ``kind``: "tracker" or "board"."""
    return "tracker" if field_name in owned_fields(kind, executing=executing) else "board"


def tracker_refusal(
    actor: Actor,
    kind: str,
    external_key: str,
    fields: Collection[str],
    terms: SyncTerms | None,
    *,
    executing: bool,
    deleting: bool = False,
) -> Refused | None:
    """Why ``actor`` may not change ``fields`` (or delete) a ``kind`` item linked to the tracker by
    ``external_key``, or None if they may. Unlinked items and boards without a tracker are never held."""
    if terms is None or not external_key or kind not in PLANNING_OWNED:
        return None
    owned = owned_fields(kind, executing=executing)
    if actor.tracker:
        foreign = sorted(set(fields) - owned - LINK_FIELDS)
        if deleting or foreign:
            what = (
                "delete it" if deleting else "change its " + ", ".join(FIELD_WORDS.get(f, f) for f in foreign)
            )
            return Forbidden(f"{terms.product} may not {what}: the board owns that")
        return None
    if deleting:
        return TrackerOwned(
            f"{external_key} comes from {terms.product}: delete it or move it out of scope there",
            write_back=False,
        )
    taken = [f for f in fields if f in owned]
    if not taken:
        return None
    words = ", ".join(FIELD_WORDS.get(f, f) for f in taken)
    if terms.write_back and set(taken) <= WRITTEN_BACK:
        return TrackerOwned(
            f"the {words} of {external_key} is {terms.product}'s; write it back to {terms.product}",
            write_back=True,
            fields=taken,
            product=terms.product,
        )
    return TrackerOwned(
        f"the {words} of {external_key} is {terms.product}'s: change it in {terms.product}",
        write_back=False,
        fields=taken,
    )

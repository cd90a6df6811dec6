"""What every page's view-model and live renderer share: the state before a batch, and region diffs.

A live renderer is stateless: it is given the board *after* a batch of events. To send only
the regions that changed, it rebuilds the board as it was *before* the batch (each change
carries its ``before``), renders every region of the view both ways and keeps the ones whose
HTML differs. Rendering a view twice costs a few milliseconds and is exact: a region changes
on screen if and only if its HTML changed, whatever rule (cascade, load, state) changed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from board import BoardState
from board.events import Committed, Direction, replay_events
from server.templating import templates

V = TypeVar("V")


def state_before(state: BoardState, events: Sequence[Committed]) -> BoardState:
    """The board as it was before ``events`` (the last ones applied to ``state``, in seq order)."""
    return replay_events(state, events, Direction.BACKWARD)


@dataclass(frozen=True)
class Region:
    """One part of a page that is replaced as a whole: its element id and its HTML (with hx-swap-oob)."""

    id: str
    html: str


def render_part(template: str, **context: object) -> str:
    return templates.env.get_template(template).render(**context)


def changed_regions(
    before: V,
    after: V,
    regions_of: Callable[[V], list[Region]],
    layout_of: Callable[[V], object],
    whole: Callable[[V], Region],
) -> str:
    """The out-of-band HTML for the regions that differ; the whole view when its layout changed."""
    if layout_of(before) != layout_of(after):
        return whole(after).html
    old = {r.id: r.html for r in regions_of(before)}
    return "".join(r.html for r in regions_of(after) if old.get(r.id) != r.html)

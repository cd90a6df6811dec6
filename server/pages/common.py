"""What every page's view-model and live renderer share: the state before a batch, and region diffs.

A live renderer is given the board *after* a batch of events. To send only the regions that
changed, it compares every region of the view as rendered before the batch and after it, and
keeps the ones whose HTML differs. That is exact: a region changes on screen if and only if its
HTML changed, whatever rule (cascade, load, state) changed it.

The "before" of a batch is the "after" of the batch just broadcast, so each rendering is kept
(per board and view, for the seq it shows) and the next batch starts from it: a live view is
rendered once per batch, not twice. When no rendering of that seq is kept (the first batch, a
catch-up from further back), the board before the batch is rebuilt from the changes' ``before``
and rendered. The derived plan (loads, cascades) of one state is computed once for all views, and
a view's model once for all its audiences. Rendering a view's regions goes through
:mod:`server.pages.region_memo`: a region whose inputs did not change is not rendered again.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from board import BoardState
from board.core import Committed
from board.events import Direction, replay_events
from board.summary import PlanSummary, plan_summary
from server.clock import CLOCK
from server.lru import LRU
from server.pages.region_memo import live_view, render_part
from server.pages.templating import Viewer, live_viewer

__all__ = ["MODELS", "Region", "board_itself", "changed_regions", "render_part", "state_before", "summary_of"]

V = TypeVar("V")


def state_before(state: BoardState, events: Sequence[Committed]) -> BoardState:
    """The board as it was before ``events`` (the last ones applied to ``state``, in seq order)."""
    return replay_events(state, events, Direction.BACKWARD)


@dataclass(frozen=True)
class Region:
    """One part of a page that is replaced as a whole: its element id and its HTML (with hx-swap-oob).
    A region that is a list of elements with ids of their own (``parts``: element id → HTML, as in the
    list) is sent as those of its elements that changed when the list holds the same ids in the same
    order (``shell``: the HTML around them, and their ids): a long list is not resent for one item."""

    id: str
    html: str
    parts: dict[str, str] | None = None
    shell: str = ""

    @staticmethod
    def of_list(id: str, whole_when_empty: str, parts: dict[str, str]) -> Region:
        """The region of a list rendered with no items as ``whole_when_empty`` (ending in its closing
        tag, the items going just before it) and holding ``parts``."""
        close = whole_when_empty.rindex("</")
        head, tail = whole_when_empty[:close].rstrip(), whole_when_empty[close:]
        html = head + "".join(parts.values()) + whole_when_empty[len(head) :]
        return Region(id, html, parts, head + tail + "|" + " ".join(parts))


@dataclass(frozen=True)
class Rendering:
    """A view's regions (element id → HTML, in page order) for the board at one seq, and its layout."""

    seq: int
    layout: object
    regions: dict[str, str]
    # The list regions' elements and shells (see Region), by region id.
    parts: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # What was sent for the batch that led here: the seq it began at, and its fragments.
    since: int = -1
    fragments: str = ""


class Renderings:
    """The newest rendering of each (board, view), so that the next batch need not render its "before".
    Bounded: the least recently used are forgotten (they are only ever a saving)."""

    def __init__(self, size: int) -> None:
        self._kept: LRU[tuple[str, str], Rendering] = LRU(size)

    def recall(self, board_id: str, view: str, seq: int) -> Rendering | None:
        kept = self._kept.get((board_id, view))
        return kept if kept is not None and kept.seq == seq else None

    def keep(self, board_id: str, view: str, rendering: Rendering) -> None:
        # Not over a newer one: a view primed in a worker thread while a newer batch was rendered.
        self._kept.put((board_id, view), rendering, unless=lambda kept: kept.seq > rendering.seq)


RENDERINGS = Renderings(size=512)


def rendering_key(view: str, viewer: Viewer | None) -> str:
    """What a view shows depends on whom it is rendered for (the controls ``may`` lets them see)."""
    if viewer is None:
        return view
    return f"{view}|{viewer.actor.role.value}:{viewer.actor.team_id or ''}:{viewer.locked}"


def board_itself(state: BoardState) -> BoardState:
    """The view-model of views whose regions are rendered from the board itself."""
    return state


def _no_layout(model: object) -> None:
    return None


def changed_regions(
    state: BoardState,
    events: Sequence[Committed],
    view: str,
    build: Callable[[BoardState], V],
    regions_of: Callable[[V], list[Region]],
    layout_of: Callable[[V], object] = _no_layout,
    whole: Callable[[V], Region] | None = None,
) -> str:
    """The out-of-band HTML of ``view``'s regions that ``events`` changed (``state`` is the board after
    them); the whole view when its layout changed. ``view`` names what ``build`` and ``regions_of``
    render, arguments included (``team:t1``): it keys the kept renderings. The regions are rendered
    through :mod:`server.pages.region_memo`, so only those whose reads changed are rendered again.
    No events: the view is being opened; it is rendered and kept (once per seq), and nothing is sent."""
    key = rendering_key(view, live_viewer())
    done = RENDERINGS.recall(state.board_id, key, state.seq)
    if not events:
        # Priming: a screen opened this view; its rendering now is the first batch's "before".
        if done is None:
            model = MODELS.of(state, view, build)
            RENDERINGS.keep(
                state.board_id, key, _rendering(state.board_id, view, state.seq, model, regions_of, layout_of)
            )
        return ""
    if done is not None and done.since == events[0].seq and _exactly_after(state, events):
        return done.fragments  # the same batch on another view showing these regions (the room's menus)
    model = MODELS.of(state, view, build)
    after = _rendering(state.board_id, view, state.seq, model, regions_of, layout_of)
    before = None
    if _exactly_after(state, events):
        before = RENDERINGS.recall(state.board_id, key, events[0].seq - 1)
    if before is None:
        earlier = build(state_before(state, events))
        before = _rendering(state.board_id, view, -1, earlier, regions_of, layout_of)
    if whole is not None and before.layout != after.layout:
        with live_view(state.board_id, view + "|whole"):
            fragments = whole(model).html
    else:
        fragments = "".join(_changed(id, html, before, after) for id, html in after.regions.items())
    RENDERINGS.keep(state.board_id, key, replace(after, since=events[0].seq, fragments=fragments))
    return fragments


# The opening tag of an element (its attribute values are escaped: the first ">" closes it).
_OPEN_TAG_END = re.compile(r"^(\s*<[^>]*)>")


def _changed(id: str, html: str, before: Rendering, after: Rendering) -> str:
    """What to send of region ``id`` (``html`` after the batch): nothing if unchanged; of a list with
    the same items in the same order, each item that changed, swapped alone; else the whole region."""
    if before.regions.get(id) == html:
        return ""
    old, new = before.parts.get(id), after.parts.get(id)
    if old is None or new is None or old[0] != new[0]:
        return html
    return "".join(
        _OPEN_TAG_END.sub(r'\1 hx-swap-oob="outerHTML">', p, count=1)
        for k, p in new[1].items()
        if old[1][k] != p
    )


def _rendering(
    board_id: str,
    view: str,
    seq: int,
    model: V,
    regions_of: Callable[[V], list[Region]],
    layout_of: Callable[[V], object],
) -> Rendering:
    """``model``'s regions, rendered through the region memo of ``view``."""
    with live_view(board_id, view):
        regions = regions_of(model)
        parts = {r.id: (r.shell, r.parts) for r in regions if r.parts is not None}
        return Rendering(seq, layout_of(model), {r.id: r.html for r in regions}, parts)


class Models:
    """The view-model of the newest state of each view: built once per batch, not once per audience
    (a view-model never depends on who looks; only ``may``'s answers in the templates do). Bounded
    like :class:`Renderings`."""

    def __init__(self, size: int) -> None:
        self._last: LRU[tuple[str, str], tuple[BoardState, datetime.date, object]] = LRU(size)

    def of(self, state: BoardState, view: str, build: Callable[[BoardState], V]) -> V:
        key, today = (state.board_id, view), CLOCK.today()
        last = self._last.get(key)
        if last is not None and last[0] is state and last[1] == today:
            return last[2]  # type: ignore[return-value]
        model = build(state)
        self._last.put(key, (state, today, model))
        return model


MODELS = Models(size=128)


def _exactly_after(state: BoardState, events: Sequence[Committed]) -> bool:
    """``state`` is the board right after ``events``, which follow one another: so the board before them
    is the board at the seq before the first."""
    return state.seq == events[-1].seq and events[-1].seq - events[0].seq == len(events) - 1


_last_summary: tuple[BoardState, datetime.date, PlanSummary] | None = None


def summary_of(state: BoardState) -> PlanSummary:
    """The derived plan of ``state`` today, computed once however many views of a broadcast need it."""
    global _last_summary
    today = CLOCK.today()
    last = _last_summary
    if last is not None and last[0] is state and last[1] == today:
        return last[2]
    summary = plan_summary(state, today)
    _last_summary = (state, today, summary)
    return summary

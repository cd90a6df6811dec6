"""Live regions rendered again only when something they show changed, and once for all audiences alike.

A live renderer renders every region of its view for every audience (role, and a team member's
team) after each batch, then sends the regions whose HTML changed. Most of them did not: a story
moved in one team leaves the other teams' pages, and most of the program board, as they were. So
while a live view is rendered, each template rendering notes what it read (:class:`Watched`):
every attribute path it followed from its context (``board.team.id``, ``col.stories``) with the
value found there, and every question it asked ``may`` with the answer. The next time the same
region (the same template at the same place of the view) is asked for, a noted rendering is reused
when every path still leads to an equal value and the role rule gives the viewer the same answers.
That is exact without a list of what each region depends on: a template is a function of what it
reads and of ``may``'s answers, so the same reads and answers give the same HTML. A change nobody
noted (a region reading something new) only costs a rendering; it can never leave a region stale.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from server.lru import LRU
from server.pages.templating import Question, Viewer, answer, live_viewer, noting_questions, templates

Path = tuple[str, ...]
Slots = dict[tuple[str, int], list["Noted"]]
_MISSING = object()


@dataclass
class Noted:
    """One rendering of a region: the paths it read (and what they led to), its questions, its HTML."""

    reads: dict[Path, object] = field(default_factory=dict)
    asked: dict[Question, bool] = field(default_factory=dict)
    html: str = ""
    # The context it was last found valid for: the same objects again need no comparison.
    seen: tuple[object, ...] = ()
    # Whether the role rule answers a viewer as it answered when this was rendered, by viewer.
    fits: dict[Viewer, bool] = field(default_factory=dict)

    def fits_viewer(self, viewer: Viewer) -> bool:
        fits = self.fits.get(viewer)
        if fits is None:
            fits = self.fits[viewer] = all(answer(viewer, q) == a for q, a in self.asked.items())
        return fits


def _watchable(value: object) -> bool:
    """View-model objects are followed attribute by attribute; anything else is read as a whole."""
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


class Watched:
    """A view-model object as a template sees it: every attribute read is noted with its value.
    Using the object itself (comparing, printing, iterating it) notes it as a whole."""

    __slots__ = ("_path", "_reads", "_real")

    def __init__(self, real: object, path: Path, reads: dict[Path, object]) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_reads", reads)

    def __getattr__(self, name: str) -> Any:
        real, path, reads = self._real, self._path, self._reads
        try:
            value = getattr(real, name)
        except AttributeError:
            reads[(*path, name)] = _MISSING
            raise
        if name.startswith("__") or inspect.ismethod(value):
            reads[path] = real  # a method's answer may depend on all of its object
            return value
        if _watchable(value):
            return Watched(value, (*path, name), reads)
        reads[(*path, name)] = value
        return value

    def _whole(self) -> Any:
        self._reads[self._path] = self._real
        return self._real

    def __bool__(self) -> bool:
        return bool(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __contains__(self, item: object) -> bool:
        return _unwrap(item) in self._whole()

    def __getitem__(self, key: Any) -> Any:
        return self._whole()[key]

    def __eq__(self, other: object) -> bool:
        return bool(self._whole() == _unwrap(other))

    def __ne__(self, other: object) -> bool:
        return bool(self._whole() != _unwrap(other))

    def __hash__(self) -> int:
        return hash(self._whole())

    def __str__(self) -> str:
        return str(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


def _unwrap(value: object) -> object:
    return value._whole() if isinstance(value, Watched) else value


def _follow(context: dict[str, Any], path: Path) -> object:
    value = context.get(path[0], _MISSING)
    for name in path[1:]:
        if value is _MISSING:
            break
        value = getattr(value, name, _MISSING)
    return value


def _same(old: object, new: object) -> bool:
    return old is new or (type(old) is type(new) and bool(old == new))


class RegionMemo:
    """The noted renderings of each live view's regions, kept for the views most recently rendered."""

    def __init__(self, views: int, per_region: int) -> None:
        self.per_region = per_region
        self._views: LRU[tuple[str, str], Slots] = LRU(views)
        self.rendered = 0  # template renderings done for live views
        self.reused = 0  # and those saved

    def slots(self, board_id: str, view: str) -> Slots:
        return self._views.setdefault((board_id, view), dict)

    def render(self, slots: Slots, place: int, template: str, context: dict[str, Any]) -> str:
        """The region ``template`` renders from ``context`` at ``place`` of its view, for the live viewer."""
        kept = slots.setdefault((template, place), [])
        found = self._find(kept, context)
        if found is not None:
            self.reused += 1
            return found.html
        noted = Noted(seen=tuple(context.values()))
        watched = {}
        for name, value in context.items():
            if _watchable(value):
                watched[name] = Watched(value, (name,), noted.reads)
            else:
                noted.reads[(name,)] = value
                watched[name] = value
        with noting_questions(noted.asked):
            noted.html = templates.env.get_template(template).render(**watched)
        self.rendered += 1
        kept.insert(0, noted)
        del kept[self.per_region :]
        return noted.html

    @staticmethod
    def _find(kept: list[Noted], context: dict[str, Any]) -> Noted | None:
        """A noted rendering that reads the same from ``context`` and gets the same answers from ``may``."""
        viewer = live_viewer()
        seen = tuple(context.values())
        for noted in kept:
            if viewer is not None and not noted.fits_viewer(viewer):
                continue
            if _same_objects(noted.seen, seen) or all(
                _same(old, _follow(context, path)) for path, old in noted.reads.items()
            ):
                noted.seen = seen
                return noted
        return None


def _same_objects(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """The very objects a rendering was made or found valid for (view-models are never changed)."""
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


MEMO = RegionMemo(views=512, per_region=8)


@dataclass
class _Scope:
    slots: Slots
    places: int = 0


_SCOPE: ContextVar[_Scope | None] = ContextVar("region_scope", default=None)


@contextmanager
def live_view(board_id: str, view: str) -> Iterator[None]:
    """Render a live view's regions through the memo: ``render_part`` calls inside are its regions,
    told apart by template and place in the view."""
    token = _SCOPE.set(_Scope(MEMO.slots(board_id, view)))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def render_part(template: str, **context: object) -> str:
    scope = _SCOPE.get()
    if scope is None or "viewer" in context:
        return templates.env.get_template(template).render(**context)
    scope.places += 1
    return MEMO.render(scope.slots, scope.places, template, context)

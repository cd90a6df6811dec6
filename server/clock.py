"""The one clock the server asks for "today": where the PI stands in time follows from it.

Execution state (closed iterations, slipped stories, late dependencies) is derived from the
iteration dates and this clock. Tests and rehearsals move it with :meth:`Clock.travel_to`;
in production it is the system's clock.
"""

from __future__ import annotations

import datetime
import threading


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = datetime.timedelta(0)

    def now(self) -> datetime.datetime:
        with self._lock:
            offset = self._offset
        return datetime.datetime.now(datetime.UTC) + offset

    def today(self) -> datetime.date:
        return self.now().date()

    def travel_to(self, when: datetime.datetime | datetime.date) -> None:
        """Make it ``when`` from now on (a date means its midday, UTC); time keeps running from there."""
        if not isinstance(when, datetime.datetime):
            when = datetime.datetime.combine(when, datetime.time(12), datetime.UTC)
        with self._lock:
            self._offset = when - datetime.datetime.now(datetime.UTC)

    def reset(self) -> None:
        with self._lock:
            self._offset = datetime.timedelta(0)


# The process's clock: Services hold it, and the views that derive execution state ask it.
CLOCK = Clock()

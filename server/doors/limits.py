"""Rate limits: a token bucket per key (a participant, a client address), shared by the doors that
count the same thing."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from server.errors import RateLimited
from server.lru import LRU


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.last = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self) -> float:
        """Seconds until the next token (0 when one is there)."""
        return max(0.0, (1 - self.tokens) / self.rate)


def per_unit(rate: float) -> str:
    """A rate per second as people say it: "20 per second", "1 per minute", "30 per hour"."""
    if rate >= 1:
        return f"{rate:g} per second"
    if rate * 60 >= 1:
        return f"{rate * 60:g} per minute"
    return f"{rate * 3600:g} per hour"


class RateLimiter:
    """At most ``rate`` requests per second per key, with bursts of ``burst``; the refusal names
    ``what`` is limited, ``then`` what to do, and when to try again (``Retry-After``).

    It keeps the buckets of the ``max_keys`` keys used last: a key not seen for longest is forgotten
    first (a full bucket when it comes back), never everyone's at once."""

    def __init__(
        self,
        rate: float,
        burst: int,
        what: str = "edits",
        then: str = "slow down and retry",
        max_keys: int = 10_000,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.what = what
        self.then = then
        self._buckets: LRU[str, TokenBucket] = LRU(max_keys)
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        with self._guard:
            bucket = self._buckets.setdefault(key, lambda: TokenBucket(self.rate, self.burst))
            allowed = bucket.take()
            wait = bucket.wait()
        if not allowed:
            then = f"{self.then} in {math.ceil(wait)} s"
            raise RateLimited(f"too many {self.what}: at most {per_unit(self.rate)}; {then}", wait)

"""Rate limits: a token bucket per participant, shared by every door that takes ops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from server.errors import RateLimited


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


class RateLimiter:
    """At most ``rate`` requests per second per key, with bursts of ``burst``; the refusal names
    ``what`` is limited and ``then`` what to do."""

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
        self.max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        with self._guard:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
            allowed = bucket.take()
        if not allowed:
            raise RateLimited(f"too many {self.what}: at most {self.rate:g} per second; {self.then}")

"""The rate limiter (issue 24, item 8): it forgets the least recently used keys, never everyone's at once,
and says when to try again."""

from __future__ import annotations

import pytest

from server.doors.limits import RateLimiter, per_unit
from server.errors import RateLimited, refusal_headers

# One request, then none for an hour: a key that used its one is refused for the whole test.
SLOW = 1 / 3600


def refused(limiter: RateLimiter, key: str) -> bool:
    try:
        limiter.check(key)
    except RateLimited:
        return True
    return False


def test_a_full_limiter_forgets_the_least_recently_used_key_not_everyone() -> None:
    """The probe: once the limiter held its most keys it cleared every bucket, so a flood of new keys
    (addresses) gave everyone, the flooder too, a fresh burst at once."""
    limiter = RateLimiter(SLOW, 1, "new boards", max_keys=3)
    assert not refused(limiter, "a") and not refused(limiter, "b")
    assert refused(limiter, "a") and refused(limiter, "b")
    assert refused(limiter, "a")  # a was used last: b is now the least recently used
    assert not refused(limiter, "c")  # three keys: full
    assert not refused(limiter, "d")  # one more: b is forgotten, and only b
    assert refused(limiter, "a"), "a stays limited"
    assert not refused(limiter, "b"), "b, forgotten, starts again with a full bucket"


def test_a_refusal_says_what_is_limited_and_when_to_try_again() -> None:
    limiter = RateLimiter(SLOW * 30, 1, "new boards from this address", "wait and retry")
    limiter.check("198.51.100.7")
    with pytest.raises(RateLimited) as caught:
        limiter.check("198.51.100.7")
    exc = caught.value
    assert exc.reason.startswith(
        "too many new boards from this address: at most 30 per hour; wait and retry in "
    )
    assert 100 <= exc.detail["retry_after"] <= 120
    assert refusal_headers(exc) == {"Retry-After": str(exc.detail["retry_after"])}


@pytest.mark.parametrize(
    ("rate", "said"),
    [(20.0, "20 per second"), (1.0, "1 per second"), (1 / 60, "1 per minute"), (SLOW * 30, "30 per hour")],
)
def test_rates_are_said_in_a_unit_people_read(rate: float, said: str) -> None:
    assert per_unit(rate) == said

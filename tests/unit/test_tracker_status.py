"""The sync line every page that shows execution carries: its words from where the sync stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from server.pages.tracker_status import ago, sync_line

NOW = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Standing:
    product_name: str = "Jira"
    state: str = "syncing"
    message: str = ""
    reachable: bool = True
    last_synced_at: datetime | None = NOW - timedelta(minutes=12)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 min ago"),
        (12 * 60 + 30, "12 min ago"),
        (3 * 3600, "3 h ago"),
        (3 * 86400, "3 days ago"),
        (-30, "just now"),
    ],
)
def test_how_long_ago(seconds: int, said: str) -> None:
    assert ago(NOW - timedelta(seconds=seconds), NOW) == said


def test_nothing_is_said_before_the_first_sync_or_without_a_tracker() -> None:
    assert sync_line(None, NOW) is None
    assert sync_line(Standing(state="new", last_synced_at=None), NOW) is None


def test_a_running_sync_says_when_it_last_synced_and_whether_the_tracker_answers() -> None:
    line = sync_line(Standing(), NOW)
    assert line is not None and (line.product, line.ago, line.reachable, line.paused) == (
        "Jira",
        "12 min ago",
        True,
        False,
    )
    away = sync_line(Standing(reachable=False, message="Jira unreachable: 503"), NOW)
    assert away is not None and not away.reachable and away.reason == ""


def test_a_paused_sync_says_why_once() -> None:
    message = "paused: Azure DevOps refused the token (401); give a new token on Admin"
    line = sync_line(Standing("Azure DevOps", "paused", message), NOW)
    assert line is not None and line.paused
    assert line.reason == "Azure DevOps refused the token (401); give a new token on Admin"


def test_a_moment_stored_without_its_zone_is_read_as_utc() -> None:
    line = sync_line(Standing(last_synced_at=datetime(2027, 1, 6, 11, 58)), NOW)
    assert line is not None and line.ago == "2 min ago" and line.synced_at is not None
    assert line.synced_at.tzinfo is UTC

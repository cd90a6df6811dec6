"""What can go wrong talking to a tracker: one tree, so the sync decides by kind, never by message.

No message ever holds a token: a client words its errors from the status and the product's own
error text, never from its request headers.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Talking to the tracker failed; ``product`` is who failed ("Jira", "Azure DevOps")."""

    def __init__(self, product: str, message: str) -> None:
        super().__init__(f"{product}: {message}")
        self.product = product
        self.message = message


class TrackerUnreachable(TrackerError):
    """No answer, a timeout, 5xx or 429 after every retry: the sync waits and tries again."""


class TrackerAuthError(TrackerError):
    """401 or 403: the token is wrong, expired or lacks a permission. The sync pauses until the RTE acts."""


class TrackerRefused(TrackerError):
    """4xx other than auth and rate limits: the request itself was refused (a bad JQL, a field gone)."""

    def __init__(self, product: str, message: str, status: int) -> None:
        super().__init__(product, message)
        self.status = status

"""What the RTE sets to connect a board to its tracker, checked: every door (Admin's form, REST) asks
:func:`tracker_settings`, and a refusal says what is wrong and changes nothing."""

from __future__ import annotations

from typing import Any

from board.errors import Invalid
from board.fields import require_texts
from server.store.trackers import MAX_INTERVAL_S, MIN_INTERVAL_S, PRODUCT_LABELS, TrackerSettings
from server.transfer.jira_mapping import JiraMapping, choose
from server.watch import outbound
from server.watch.trackers.readers import scope_refusal

MAX_URL = 300
MAX_USER = 200
MAX_TOKEN = 2000
MAX_CHOICES = 200
MAX_CHOICE = 300


def tracker_settings(
    product: str,
    url: str,
    user: str,
    scope: dict[str, Any],
    choices: list[str],
    interval_s: int,
    write_back: bool,
) -> TrackerSettings:
    """The settings, or :class:`Invalid` with the first thing wrong."""
    if product not in PRODUCT_LABELS:
        raise Invalid(f"the tracker is one of {', '.join(PRODUCT_LABELS)}")
    label = PRODUCT_LABELS[product]
    for name, value in (("URL", url), ("account", user), ("scope", scope), ("mapping choices", choices)):
        require_texts(name, value)  # before anything is stored: PostgreSQL fails on a NUL
    url = url.strip().rstrip("/")
    if len(url) > MAX_URL:
        raise Invalid(f"the {label} URL is longer than {MAX_URL} characters")
    parts = outbound.check_url(url, f"the {label} URL")
    if parts.query or parts.fragment or parts.username:
        raise Invalid(f"the {label} URL takes no query, fragment or user name")
    user = user.strip()
    if product == "jira_cloud" and not user:
        raise Invalid("Jira Cloud signs in with the account's e-mail and an API token: give the e-mail")
    if len(user) > MAX_USER:
        raise Invalid(f"the account is longer than {MAX_USER} characters")
    refused = scope_refusal(product, scope)
    if refused:
        raise Invalid(refused)
    if len(choices) > MAX_CHOICES or any(len(c) > MAX_CHOICE for c in choices):
        raise Invalid(f"at most {MAX_CHOICES} mapping choices of {MAX_CHOICE} characters each")
    choose(JiraMapping(), choices)  # each choice parses, or says why not
    if not MIN_INTERVAL_S <= interval_s <= MAX_INTERVAL_S:
        raise Invalid(f"the interval is {MIN_INTERVAL_S}–{MAX_INTERVAL_S} seconds")
    return TrackerSettings(product, url, user, dict(scope), list(choices), interval_s, write_back)


def check_token(token: str) -> str:
    token = token.strip()
    if not token or len(token) > MAX_TOKEN or not all("!" <= c <= "~" for c in token):
        # Tokens are printable ASCII: they travel in an HTTP header.
        raise Invalid(f"the token is one word of at most {MAX_TOKEN} letters, digits and signs (ASCII)")
    return token

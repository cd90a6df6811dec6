"""The scripts piboard loads from a CDN: pinned versions with SRI, and the vendored copy each falls
back to. The page template and the Content-Security-Policy both read this one list, so the policy
allows exactly these files and nothing else of the CDN host."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedScript:
    url: str
    integrity: str
    fallback: str  # the vendored copy, a file of static/ (served under its hashed name, static_url)


CDN_SCRIPTS = (
    PinnedScript(
        "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js",
        "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg",
        "vendor/htmx-2.0.11.min.js",
    ),
    PinnedScript(
        "https://cdn.jsdelivr.net/npm/htmx-ext-ws@2.0.4/dist/ws.min.js",
        "sha384-1RwI/nvUSrMRuNj7hX1+27J8XDdCoSLf0EjEyF69nacuWyiJYoQ/j39RT1mSnd2G",
        "vendor/htmx-ext-ws-2.0.4.min.js",
    ),
)


def loader_scripts(static_url: Callable[[str], str]) -> str:
    """The list as static/htmx-loader.js reads it (JSON in its data-scripts), in load order; each
    vendored copy by the URL ``static_url`` gives it."""
    return json.dumps(
        [{"cdn": s.url, "integrity": s.integrity, "local": static_url(s.fallback)} for s in CDN_SCRIPTS]
    )

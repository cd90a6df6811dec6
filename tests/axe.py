"""The accessibility audit of the browser tests: axe-core (npm), loaded from the test tree.

``scripts/test.sh`` installs the pinned axe-core of ``tests/a11y/package.json`` into
``tests/a11y/node_modules`` (gitignored); the audit injects its ``axe.min.js`` into the page under
test, so no CDN is involved. ``serious_violations(page)`` runs axe on the page as it stands and
returns the serious and critical violations, each with the elements it found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(
            f"axe-core is missing at {AXE_JS}: run scripts/test.sh (or `npm ci --prefix tests/a11y`)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def audit(page: Page) -> list[dict[str, Any]]:
    """Every axe violation of WCAG 2.x A and AA on the page, as axe reports them."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script>: the page's CSP stays as served.
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return list(result["violations"])


def serious_violations(page: Page) -> list[str]:
    """The serious and critical violations, one readable line per rule and element."""
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {node['target']}: {node.get('failureSummary', '')}"
        for v in audit(page)
        if v.get("impact") in SERIOUS
        for node in v["nodes"]
    ]

"""A phone in the browser tests: its size, and what a page must hold to on one.

``PHONE`` is the viewport the phone tests open (390 × 844 CSS px, three device pixels to one, touch).
``sticking_out(page)`` lists the visible elements with text of their own that reach past the left or
right edge of the viewport; ``small_targets(page)`` the controls smaller than 24 × 24 CSS px (WCAG 2.2,
2.5.8 Target Size (Minimum)). Both are measured in the page as it stands.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

# The viewport is the screen's width (see page_width). Elements inside a container that scrolls sideways
# on purpose (overflow-x: auto or scroll, e.g. a wide table in its own box) are left out: they reach past
# the screen's edge and are scrolled to inside their box, not with the page. An ancestor that clips
# (overflow hidden) cuts an element's box to its own.
_NAMED = """
  const named = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes.map((c) => "." + c).join("");
  };
"""

_STICKING_OUT = (
    """() => {"""
    + _NAMED
    + """
  const vw = Math.min(window.innerWidth, document.documentElement.clientWidth, window.visualViewport.width);
  const found = [];
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll") return true;
    }
    return false;
  };
  const clipped = (el, r) => {
    let left = r.left, right = r.right;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "hidden" || o === "clip") {
        const b = p.getBoundingClientRect();
        left = Math.max(left, b.left); right = Math.min(right, b.right);
      }
    }
    return [left, right];
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1) continue;  // visually hidden, for screen readers
    const [left, right] = clipped(el, r);
    if (right <= left || (left >= -0.5 && right <= vw + 0.5)) continue;
    if (scrolls(el)) continue;
    const said = el.textContent.trim().slice(0, 40);
    found.push(`${named(el)} "${said}" from ${Math.round(left)} to ${Math.round(right)} px`);
  }
  return found;
}"""
)

# Inline links in running text are exempt (WCAG's "inline" exception), and so are elements hidden for
# everyone but screen readers (1 × 1 px).
_SMALL_TARGETS = (
    """(scope) => {"""
    + _NAMED
    + """
  const root = scope ? document.querySelector(scope) : document;
  const targets = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], " +
    "[tabindex]:not([tabindex='-1'])";
  const found = [];
  for (const el of root.querySelectorAll(targets)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1) continue;
    if (r.width >= 23.5 && r.height >= 23.5) continue;
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const around = (el.parentElement.textContent || "").replace(el.textContent || "", "").trim();
      if (around) continue;
    }
    const label = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || "").trim();
    found.push(`${named(el)} "${label.slice(0, 40)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return found;
}"""
)


def sticking_out(page: Page) -> list[str]:
    """The visible elements with text that reach past the viewport's left or right edge."""
    return list(page.evaluate(_STICKING_OUT))


def small_targets(page: Page, scope: str | None = None) -> list[str]:
    """The visible controls (in ``scope``, a CSS selector, or the whole page) under 24 × 24 CSS px."""
    return list(page.evaluate(_SMALL_TARGETS, scope))


def page_width(page: Page) -> tuple[int, int]:
    """How wide the page is, and how wide the viewport. A mobile browser widens its layout viewport
    (``innerWidth``) to a page wider than the screen and zooms out, so the page is measured against
    the screen's width (the visual viewport at scale 1, the root's client width), not ``innerWidth``."""
    width, viewport = page.evaluate(
        "[document.documentElement.scrollWidth,"
        " Math.min(window.innerWidth, document.documentElement.clientWidth, window.visualViewport.width)]"
    )
    return int(width), int(viewport)

"""QR codes of join links, made on the server as inline SVG (people in the room scan the big screen)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, title: str) -> Markup:
    """The QR code of ``url`` as an inline ``<svg>`` that scales to its box, titled for screen readers.
    segno escapes the title itself; the rest of the SVG is segno's own paths."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, omitsize=True, title=title, svgclass="qr", lineclass=None))

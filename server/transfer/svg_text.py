"""Text in the SVG pictures: escaped for XML, measured with DejaVu Sans (the font the PNG and the
report draw with) and fitted to a width, cut with "…" rather than running past a card or a cell."""

from __future__ import annotations

import functools
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def svg_text(value: str) -> str:
    """User text for an SVG text node: characters XML cannot hold dropped, the rest escaped."""
    return escape(_NOT_XML.sub("", value))


def svg_attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value))


_FONT_FILES = {
    False: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    True: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}


@functools.lru_cache(maxsize=32)
def _font(size: float, bold: bool) -> Any:
    """DejaVu Sans (the font the PNG and the report are drawn with) to measure text by, or None."""
    try:
        from PIL import ImageFont

        return ImageFont.truetype(_FONT_FILES[bold], size=max(1, round(size * 4)))
    except (ImportError, OSError):
        return None


def text_width(value: str, size: float = 12, bold: bool = False) -> float:
    """How wide ``value`` is drawn at ``size`` px: measured with DejaVu Sans (at 4× for precision), or,
    without the font, a wide guess (0.7 em a character) that errs on the side of cutting."""
    font = _font(size, bold)
    if font is None:
        return len(value) * size * 0.7
    return float(font.getlength(value)) / 4


def fit(value: str, width: float, size: float = 12, bold: bool = False) -> str:
    """``value`` on one line of ``width`` px: whole when it fits, else cut and ended with "…"."""
    value = " ".join(value.split())
    if text_width(value, size, bold) <= width:
        return value
    while value and text_width(value + "…", size, bold) > width:
        value = value[:-1]
    return value.rstrip() + "…" if value else ""


def wrap(value: str, widths: list[float], size: float = 12, bold: bool = False) -> list[str]:
    """``value`` on at most ``len(widths)`` lines, line n no wider than widths[n] px; what does not fit
    ends the last line with "…"."""
    words = value.split()
    out: list[str] = []
    current = ""
    i = 0
    while i < len(words) and len(out) < len(widths):
        candidate = f"{current} {words[i]}".strip()
        if text_width(candidate, size, bold) <= widths[len(out)]:
            current, i = candidate, i + 1
            continue
        if not current:  # one word wider than the line: cut below
            current, i = words[i], i + 1
        out.append(current)
        current = ""
    if current and len(out) < len(widths):
        out.append(current)
    if i < len(words) and out:
        out[-1] = " ".join([out[-1], *words[i:]])
    return [fit(line, widths[n], size, bold) for n, line in enumerate(out)] or [""]

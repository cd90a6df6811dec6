"""static/live.js and server/live/protocol.py name the same frames and close codes, so they cannot drift.

live.js is read as text: the frame types its ``handleFrame`` handles and those it sends, the close
codes it names, and the pattern it reads a fragment's seq with.
"""

from __future__ import annotations

import re
from pathlib import Path

from server.live.protocol import (
    CLIENT_FRAMES,
    RECONNECTING,
    SERVER_FRAMES,
    CloseCode,
    FrameType,
    seq_marker,
)

LIVE_JS = (Path(__file__).resolve().parents[2] / "static" / "live.js").read_text()

# Frames the server sends that a page never causes: the JSON stream's events (pages ask for HTML), the
# answers to ops sent on the socket (pages send ops to the form door).
NOT_FOR_PAGES = {FrameType.EVENT, FrameType.ACK, FrameType.REFUSAL}


def handled_frames() -> set[str]:
    body = LIVE_JS[LIVE_JS.index("function handleFrame(") :]
    body = body[: body.index("\n  }\n")]
    return set(re.findall(r'case "(\w+)":', body))


def sent_frames() -> set[str]:
    return set(re.findall(r"""["']?type["']?\s*:\s*["'](\w+)["']""", LIVE_JS))


def js_codes(name: str) -> set[int]:
    """The numbers in the JavaScript literal assigned to ``name`` (an array, or an object's keys)."""
    literal = re.search(rf"var {name} = ([\[{{].*?[\]}}]);", LIVE_JS, re.S)
    assert literal is not None, name
    return {int(code) for code in re.findall(r"(?<![\w.])(\d{4})(?![\w.])", literal.group(1))}


def test_live_js_handles_every_frame_a_page_gets_and_no_other() -> None:
    assert handled_frames() == {str(t) for t in SERVER_FRAMES - NOT_FOR_PAGES}


def test_live_js_sends_only_frames_the_server_takes() -> None:
    sent = sent_frames()
    assert sent and sent <= {str(t) for t in CLIENT_FRAMES}


def test_live_js_knows_which_closes_to_come_back_from() -> None:
    assert set(RECONNECTING) <= js_codes("RECONNECTING_CODES")
    final = {c for c in CloseCode if c not in RECONNECTING and c is not CloseCode.NORMAL}
    assert js_codes("ENDED_REASONS") == final
    assert not js_codes("RECONNECTING_CODES") & final


def test_live_js_reads_the_seq_of_the_servers_marker() -> None:
    pattern = re.search(r"var marker = /(.+?)/\.exec\(", LIVE_JS)
    assert pattern is not None
    found = re.search(pattern.group(1), seq_marker(1234) + "<tr id='x'></tr>")
    assert found is not None and found.group(1) == "1234"

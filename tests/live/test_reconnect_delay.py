"""A page's socket comes back after a restart at a random moment of a short, bounded window (full
jitter), so a room does not reconnect all at the same instant, nor wait long once the server serves.

static/live.js runs in Node (the page's own code, with no board on the page: it only defines the
delay), and the delay is asked of it for each number of failed tries."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

LIVE_JS = Path(__file__).resolve().parents[2] / "static" / "live.js"

ASK = """
const vm = require("vm");
const fs = require("fs");
const page = { document: { body: { dataset: {} } } };
page.window = page;
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), page);
const delay = page.piboardReconnectDelay;
const tries = [...Array(12).keys()];
console.log(JSON.stringify({
  lowest: tries.map((k) => delay(k, () => 0)),
  quarter: tries.map((k) => delay(k, () => 0.25)),
  highest: tries.map((k) => delay(k, () => 0.999999)),
  sampled: [...Array(200)].map(() => delay(0)),
}));
"""


def delays() -> dict[str, list[int]]:
    node = shutil.which("node")
    # Never a skip: scripts/test.sh installs npm, and node with it.
    assert node is not None, "node is not installed: run scripts/test.sh, which installs it"
    done = subprocess.run([node, "-e", ASK, str(LIVE_JS)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_reconnect_delay_is_jittered_and_bounded() -> None:
    d = delays()
    # Bounded: whatever the number of tries, never 2 s or more (htmx's own doubles up to 64 s).
    assert max(d["highest"]) < 2000
    # The first try comes within a second; from the second on, within two.
    assert d["highest"][0] < 1000 <= d["highest"][1]
    # Jittered: the delay is the window times a random number, from 0 up.
    assert d["lowest"] == [0] * 12
    assert d["quarter"][0] == 250 and d["quarter"][5] == 500
    assert len(set(d["sampled"])) > 100 and min(d["sampled"]) < 200 and max(d["sampled"]) > 800


def test_pages_use_it_for_their_socket() -> None:
    source = LIVE_JS.read_text()
    connect = source[source.index("function connect() {") :]
    assert "htmx.config.wsReconnectDelay = window.piboardReconnectDelay;" in connect[: connect.index("}")]

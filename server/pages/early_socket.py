"""The one script a board page runs inline: static/live-early.js, which opens the live socket while the
page's own scripts are still on their way (issue 28). Inline, not a file: on a first visit a file of
its own would cost the round trip it is there to save. The Content-Security-Policy allows exactly this
text, by its hash (server/doors/middleware.py), and no other inline script."""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup

from server.package_files import package_folder
from server.pages.static_files import stripped

# Read once (the static files never change under a running server), without its comments, as the
# bundles are.
EARLY_SOCKET_JS = Markup(
    stripped("live-early.js", (package_folder("static") / "live-early.js").read_bytes()).decode("utf-8")
)
_DIGEST = hashlib.sha256(EARLY_SOCKET_JS.encode()).digest()
EARLY_SOCKET_CSP = f"'sha256-{base64.b64encode(_DIGEST).decode()}'"

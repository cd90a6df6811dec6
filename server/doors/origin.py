"""Same-origin checks for the doors a browser reaches with the board's cookie.

A page of another site must not ride on the session cookie: not on the websocket (cross-site
websocket hijacking) and not on a form post (cross-site request forgery; SameSite=Lax alone lets
top-level form posts of some browsers through). A request is same-origin when its ``Origin`` names
the host the browser connected to: ``Host``, or ``X-Forwarded-Host`` when the request came through
one of the operator's configured proxies (``PIBOARD_TRUSTED_PROXIES``), or the configured public
URL. A forwarded header from anyone else is ignored: any client can send one.
Host names are compared without the port, because proxies often pass ``Host`` without it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE_PREFIX = "pb_"
# Sec-Fetch-Site values of a request a page of this site (or the person, typing a URL) made.
SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})


def from_trusted_proxy(client_host: str | None, trusted_proxies: Collection[str]) -> bool:
    return client_host is not None and client_host in trusted_proxies


def client_address(connection: HTTPConnection, trusted_proxies: Collection[str]) -> str:
    """The address a request came from, for the limits kept per client: the connection's peer; when
    that is one of the operator's proxies, the nearest address in ``X-Forwarded-For`` that is not one
    of them (each proxy appends the address it heard from; the client can write anything before)."""
    peer = connection.client.host if connection.client else ""
    if not from_trusted_proxy(peer, trusted_proxies):
        return peer or "unknown"
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for")).split(",")
    hops = [hop.strip() for hop in forwarded if hop.strip()]
    return next((hop for hop in reversed(hops) if hop not in trusted_proxies), peer)


def cross_origin(
    headers: Mapping[str, str], client_host: str | None, public_url: str, trusted_proxies: Collection[str]
) -> bool:
    """True when a browser page of another origin sent this request (no ``Origin``: not a browser page)."""
    origin = headers.get("origin")
    if not origin:
        return False
    hosts = [headers.get("host", "")]
    if from_trusted_proxy(client_host, trusted_proxies):
        hosts.append(headers.get("x-forwarded-host", ""))
    allowed = {_hostname(h) for h in hosts if h}
    if public_url:
        allowed.add((urlsplit(public_url).hostname or "").lower())
    return (urlsplit(origin).hostname or "").lower() not in allowed - {""}


def _hostname(host_header: str) -> str:
    return (urlsplit(f"//{host_header.split(',')[0].strip()}").hostname or "").lower()


class CrossSiteFormGuard:
    """Refuses (403) a state-changing request that carries a board's session cookie and comes from a
    page of another origin. Programs send their session as a bearer token and no cookie: untouched."""

    def __init__(self, app: ASGIApp, public_url: str, trusted_proxies: Collection[str]) -> None:
        self.app = app
        self.public_url = public_url
        self.trusted_proxies = frozenset(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = Headers(scope=scope)
            client = scope.get("client")
            cookies = headers.get("cookie", "").split(";")
            uses_cookie = any(part.strip().startswith(SESSION_COOKIE_PREFIX) for part in cookies)
            host = client[0] if client else None
            if uses_cookie and self.foreign(headers, host):
                await _forbidden(send)
                return
        await self.app(scope, receive, send)

    def foreign(self, headers: Mapping[str, str], client_host: str | None) -> bool:
        """Browsers say where a request comes from in ``Sec-Fetch-Site``; piboard's pages send
        ``Origin: null`` on form posts (their Referrer-Policy is no-referrer), so the ``Origin`` check
        is for browsers that do not send ``Sec-Fetch-Site``, and there ``null`` is foreign."""
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site not in SAME_ORIGIN_FETCHES
        if headers.get("origin") == "null":
            return True
        return cross_origin(headers, client_host, self.public_url, self.trusted_proxies)


async def _forbidden(send: Send) -> None:
    body = json.dumps({"error": "forbidden", "reason": "a page of another origin may not post to this board"})
    await send(
        {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body.encode()})

"""Where the server may send a request: the one guard of every outbound request.

The RTE of a board names the addresses the server posts to (the alerts webhook, the tracker's site),
and where no admin token is set anyone may make a board and be its RTE. Unguarded, the server could be
made to post to itself, to the database beside it or to a cloud's metadata service. So every request
the server makes goes through :class:`GuardedTransport` (:class:`AsyncGuardedTransport`): it resolves
the host, refuses the request if *any* address the name resolves to is loopback, private,
link-local, multicast, unspecified, reserved or a metadata address, and connects to an address it
checked, never to a second answer of the name server (DNS rebinding). A redirect is a new request
through the same transport, so it is checked the same way (piboard's clients follow none anyway).

``PIBOARD_OUTBOUND_ALLOW`` lists networks that are allowed all the same (an on-premises Jira Data
Center, a webhook inside the company). It is the process's setting, read at each request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from board.errors import Invalid
from server.settings import Network, get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud providers' instance metadata services: a token or a credential is one GET away.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
ALLOW_SETTING = "PIBOARD_OUTBOUND_ALLOW"


class OutboundRefused(httpx.ConnectError):
    """The guard let no connection out: ``reason`` says which address and why. A connection error to
    every client: nothing was sent."""

    def __init__(self, reason: str, request: httpx.Request | None = None) -> None:
        super().__init__(reason, request=request)
        self.reason = reason


def allowed_networks() -> tuple[Network, ...]:
    return get_settings().outbound_networks


def refusal(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """What kind of address ``address`` is when the server may not connect to it ("a loopback
    address"), or None when it may."""
    if any(address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped, allowed)  # ::ffff:127.0.0.1 is 127.0.0.1
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _addresses(infos: Sequence[tuple[Any, ...]]) -> list[Address]:
    # An IPv6 answer may carry a zone ("fe80::1%eth0"); the address is before it.
    found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    return list(dict.fromkeys(found))


def checked(host: str, addresses: Sequence[Address]) -> list[Address]:
    """``addresses`` if every one may be reached; else ``OutboundRefused`` naming the first that may not."""
    allowed = allowed_networks()
    for address in addresses:
        kind = refusal(address, allowed)
        if kind is not None:
            what = f"{address} is {kind}" if host == str(address) else f"{host} resolves to {address}, {kind}"
            raise OutboundRefused(
                f"{what}; piboard sends nothing to loopback, private, link-local or metadata addresses "
                f"unless {ALLOW_SETTING} lists its network"
            )
    return list(addresses)


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` names, checked (``OutboundRefused``); ``OSError`` if it names none."""
    return checked(host, _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


async def resolve_async(host: str, port: int) -> list[Address]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return checked(host, _addresses(infos))


def check_url(url: str, what: str) -> SplitResult:
    """``url``'s parts, when it is http(s), names a host and the guard would let a request to it out
    now; else :class:`Invalid` (a 4xx) saying why, when the RTE saves it: they read why at once, not
    in a failed delivery later. A host not found now is left to each request."""
    try:
        parts = urlsplit(url)
        parsed = httpx.URL(url)
        parts.port  # noqa: B018 (a port that is no number raises here)
    except (ValueError, httpx.InvalidURL):
        parts = None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Invalid(f"{what} must start with https:// (or http://) and name a host")
    try:
        resolve(parsed.host, _port(parsed))
    except OutboundRefused as refused:
        raise Invalid(f"{what} is refused: {refused.reason}") from None
    except (OSError, UnicodeError):
        pass
    return parts


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _to(request: httpx.Request, address: Address) -> httpx.Request:
    """``request`` sent to ``address``: the same Host header, and TLS checks the certificate of the name."""
    extensions = dict(request.extensions)
    if request.url.scheme == "https":
        extensions.setdefault("sni_hostname", request.url.host)
    return httpx.Request(
        request.method,
        request.url.copy_with(host=str(address)),
        headers=request.headers,
        stream=request.stream,
        extensions=extensions,
    )


class GuardedTransport(httpx.BaseTransport):
    """httpx's transport, connecting only to addresses :func:`resolve` checked (each in turn, as a
    plain connection would try them)."""

    def __init__(self, **options: Any) -> None:
        self._inner = httpx.HTTPTransport(**options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            addresses = resolve(request.url.host, _port(request.url))
        except OutboundRefused as refused:
            raise OutboundRefused(refused.reason, request) from None
        except OSError as exc:
            raise httpx.ConnectError(f"{request.url.host} not found ({exc})", request=request) from None
        for address in addresses[:-1]:
            try:
                return self._inner.handle_request(_to(request, address))
            except httpx.ConnectError:
                continue
        return self._inner.handle_request(_to(request, addresses[-1]))

    def close(self) -> None:
        self._inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """:class:`GuardedTransport` for ``httpx.AsyncClient``."""

    def __init__(self, **options: Any) -> None:
        self._inner = httpx.AsyncHTTPTransport(**options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            addresses = await resolve_async(request.url.host, _port(request.url))
        except OutboundRefused as refused:
            raise OutboundRefused(refused.reason, request) from None
        except OSError as exc:
            raise httpx.ConnectError(f"{request.url.host} not found ({exc})", request=request) from None
        for address in addresses[:-1]:
            try:
                return await self._inner.handle_async_request(_to(request, address))
            except httpx.ConnectError:
                continue
        return await self._inner.handle_async_request(_to(request, addresses[-1]))

    async def aclose(self) -> None:
        await self._inner.aclose()

"""Issue 24, item 7: the alerts webhook, and any request the server makes, reach only what the outbound
guard (``server/watch/outbound.py``) lets out.

The probe's steps: with no admin token anyone makes a board, becomes its RTE and sets the webhook to
``http://127.0.0.1:22/``, ``http://169.254.169.254/…``, ``http://[::1]:5432/`` or ``localhost``; the
server posted there. Now saving such a URL is refused with why, a post to an address refused later
(the allow-list changed, the name resolves elsewhere) is logged as not sent, and a redirect is
checked as a new request.
"""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.clock import Clock
from server.settings import get_settings
from server.watch.outbound import GuardedTransport, OutboundRefused
from tests.conftest import LOOPBACK_ALLOWED, LiveServer, create_board
from tests.execution.rocket import rocket
from tests.execution.test_webhooks import deliveries, set_webhook, until

ALLOW = "PIBOARD_OUTBOUND_ALLOW"
Allow = Callable[[str | None], None]

# Each kind of address the guard refuses, as a URL an RTE could give, and what the refusal calls it.
REFUSED = [
    ("http://127.0.0.1:22/", "127.0.0.1 is a loopback address"),
    ("http://localhost:8000/hook", "localhost resolves to "),  # 127.0.0.1 or ::1: a loopback address
    ("http://[::1]:5432/", "::1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://[fd00:ec2::254]/", "a cloud metadata address"),
    ("http://169.254.10.1/", "a link-local address"),
    ("http://[fe80::1]/", "a link-local address"),
    ("http://10.0.0.8/", "10.0.0.8 is a private address"),
    ("http://172.16.5.4/", "a private address"),
    ("https://192.168.1.10/", "a private address"),
    ("http://[fd12:3456::1]/", "a private address"),
    ("http://224.0.0.251/", "a multicast address"),
    ("http://0.0.0.0:8000/", "the unspecified address"),
    ("http://[::ffff:127.0.0.1]/", "a loopback address"),
    ("http://100.64.0.1/", "a reserved address"),
]


class Listener:
    """A real HTTP server on ``host`` that records each request (path and Host) and answers ``status``
    (and ``headers``); over TLS with ``tls``."""

    def __init__(
        self,
        host: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.paths: list[str] = []
        self.hosts: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                listener.paths.append(self.path)
                listener.hosts.append(self.headers.get("Host", ""))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer((host, 0), Handler)
        if tls is not None:
            self.http.socket = tls.wrap_socket(self.http.socket, server_side=True)
        self.port = self.http.server_address[1]
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


Listen = Callable[..., Listener]


@pytest.fixture
def listen() -> Iterator[Listen]:
    made: list[Listener] = []

    def make(
        host: str = "127.0.0.1",
        status: int = 200,
        headers: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> Listener:
        made.append(Listener(host, status, headers, tls))
        return made[-1]

    yield make
    for listener in made:
        listener.stop()


@pytest.fixture
def allow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Allow]:
    """Set the process's allow-list (None: unset, as on a server where nobody set it)."""

    def set_to(networks: str | None) -> None:
        if networks is None:
            monkeypatch.delenv(ALLOW, raising=False)
        else:
            monkeypatch.setenv(ALLOW, networks)
        get_settings.cache_clear()

    set_to(None)
    yield set_to
    get_settings.cache_clear()


@pytest.mark.parametrize(("url", "said"), REFUSED)
def test_saving_a_webhook_to_an_address_it_must_not_reach_is_refused_with_why(
    watched_server: LiveServer, allow: Allow, url: str, said: str
) -> None:
    board = create_board(watched_server)
    answer = set_webhook(board, url)
    assert answer.status_code == 422, answer.text
    reason = answer.json()["reason"]
    assert reason.startswith("the webhook URL is refused: ") and said in reason, reason
    assert "unless PIBOARD_OUTBOUND_ALLOW lists its network" in reason
    with board.rte() as c:
        assert c.get(f"/api/boards/{board.id}/webhook").json()["url"] == "", "nothing was saved"


def test_a_listed_network_is_allowed(watched_server: LiveServer, allow: Allow, listen: Listen) -> None:
    board = create_board(watched_server)
    inside = listen()
    assert set_webhook(board, inside.url).status_code == 422
    allow("10.0.0.0/8, 127.0.0.1/32")
    assert set_webhook(board, inside.url).status_code == 200
    assert set_webhook(board, "http://10.20.30.40/hook").status_code == 200
    assert set_webhook(board, "http://127.0.0.2/hook").status_code == 422, "only the networks listed"


def test_a_post_to_an_address_refused_by_then_is_logged_as_not_sent_and_reaches_nothing(
    watched_server: LiveServer,
    clock: Clock,
    allow: Allow,
    listen: Listen,
) -> None:
    """Saved while allowed; by the time alerts come, the address is refused (the allow-list changed, or
    the name now resolves to another address): the post is checked again and not sent."""
    allow(LOOPBACK_ALLOWED)
    clock.travel_to(datetime.date(2026, 4, 10))
    board = rocket(watched_server)
    inside = listen()
    assert set_webhook(board, inside.url).status_code == 200
    allow(None)
    clock.travel_to(datetime.date(2026, 4, 15))  # I3 closes: alerts to post
    log = until(lambda: deliveries(board), "the logged attempt")
    assert len(log) == 1 and not log[0]["ok"] and log[0]["status_code"] is None
    assert log[0]["error"].startswith("not sent: 127.0.0.1 is a loopback address"), log[0]["error"]
    assert inside.paths == []
    assert len(deliveries(board)) == 1, "a refused address is not tried again and again"


def test_a_redirect_to_a_private_address_is_checked_as_a_new_request(allow: Allow, listen: Listen) -> None:
    """A client that follows redirects asks the guard again for each: a public-looking (here: allowed)
    address answering 302 towards an address the allow-list does not name reaches nothing there."""
    target = listen("127.0.0.2")
    hop = listen("127.0.0.1", 302, {"Location": f"{target.url}/internal"})
    allow(LOOPBACK_ALLOWED)  # 127.0.0.1 only
    with (
        httpx.Client(transport=GuardedTransport(), follow_redirects=True) as client,
        pytest.raises(OutboundRefused, match=r"127\.0\.0\.2 is a loopback address"),
    ):
        client.get(f"{hop.url}/start")
    assert hop.paths == ["/start"] and target.paths == []

    allow("127.0.0.0/8")  # the same redirect, the target's network listed: followed
    with httpx.Client(transport=GuardedTransport(), follow_redirects=True) as client:
        assert client.get(f"{hop.url}/start").status_code == 200
    assert target.paths == ["/internal"]


def test_the_webhook_follows_no_redirect(
    watched_server: LiveServer,
    clock: Clock,
    allow: Allow,
    listen: Listen,
) -> None:
    target = listen("127.0.0.2")
    hop = listen("127.0.0.1", 307, {"Location": f"{target.url}/internal"})
    allow("127.0.0.0/8")  # even where the target is allowed
    clock.travel_to(datetime.date(2026, 4, 10))
    board = rocket(watched_server)
    assert set_webhook(board, f"{hop.url}/hook").status_code == 200
    clock.travel_to(datetime.date(2026, 4, 15))
    log = until(lambda: len(deliveries(board)) == 4 and deliveries(board), "four logged attempts")
    assert {d["status_code"] for d in log} == {307} and not any(d["ok"] for d in log)
    assert target.paths == []


def certificate_for(name: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for ``name`` (and no address) and its key, PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def test_https_to_a_name_goes_to_the_checked_address_and_checks_the_names_certificate(
    allow: Allow, listen: Listen, tmp_path: Path
) -> None:
    """The guard connects to the address it checked, not to the name; TLS still checks the
    certificate of the name (and the server reads the name in Host)."""
    cert, key = certificate_for("localhost")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    site = listen("127.0.0.1", tls=served)
    trusting = ssl.create_default_context(cadata=cert.decode())
    allow("127.0.0.1/32, ::1/128")  # wherever localhost resolves to
    with httpx.Client(transport=GuardedTransport(verify=trusting)) as client:
        assert client.get(f"https://localhost:{site.port}/hook").status_code == 200
        assert site.hosts == [f"localhost:{site.port}"]
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(f"https://127.0.0.1:{site.port}/hook")  # the certificate names localhost only


@pytest.mark.parametrize("url", ["http://[::1/", "http://[zz]/", "http://jira.example.com:port/"])
def test_a_url_no_request_could_go_to_is_refused_at_both_doors(watched_server: LiveServer, url: str) -> None:
    """Read by the same check as the addresses (these were 500s: the URL's parser raised)."""
    board = create_board(watched_server)
    assert set_webhook(board, url).status_code == 422
    tracker = {"product": "jira_dc", "url": url, "token": "t0ken", "scope": {"jql": "project = ATL"}}
    with board.rte() as c:
        answer = c.put(f"/api/boards/{board.id}/tracker", json=tracker)
    assert answer.status_code == 422 and "must start with https://" in answer.json()["reason"], answer.text

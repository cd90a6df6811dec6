"""The outbound guard's judgement of addresses (issue 24, item 7); the requests themselves are tested
against real servers in tests/execution/test_outbound_guard.py and tests/trackers/test_outbound.py."""

from __future__ import annotations

import ipaddress

import pytest

from server.settings import Settings
from server.watch.outbound import OutboundRefused, checked, refusal

ip = ipaddress.ip_address


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("10.1.2.3", "a private address"),
        ("172.31.0.1", "a private address"),
        ("192.168.0.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.170.2", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("100.64.0.1", "a reserved address"),
        ("198.18.0.1", "a private address"),
    ],
)
def test_every_kind_of_address_the_server_must_not_reach_is_refused(address: str, kind: str) -> None:
    assert refusal(ip(address)) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "13.107.42.14"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ip(address)) is None


def test_the_listed_networks_pass_and_only_they() -> None:
    allowed = Settings(outbound_allow="10.0.0.0/8, 127.0.0.1").outbound_networks
    assert refusal(ip("10.200.0.7"), allowed) is None
    assert refusal(ip("127.0.0.1"), allowed) is None
    assert refusal(ip("::ffff:10.0.0.1"), allowed) is None
    assert refusal(ip("127.0.0.2"), allowed) == "a loopback address"
    assert refusal(ip("192.168.0.1"), allowed) == "a private address"


def test_a_wrong_allow_list_stops_the_server_at_start() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not a network"):
        Settings(outbound_allow="10.0.0.0/8,10.0.0.0/33")


def test_every_address_a_name_resolves_to_is_checked() -> None:
    """A name with one public and one private answer is refused: the connection could use either."""
    assert checked("jira.example.com", [ip("93.184.215.14")]) == [ip("93.184.215.14")]
    said = r"jira\.example\.com resolves to 10\.0\.0\.5, a private address"
    with pytest.raises(OutboundRefused, match=said):
        checked("jira.example.com", [ip("93.184.215.14"), ip("10.0.0.5")])

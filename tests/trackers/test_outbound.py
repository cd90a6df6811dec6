"""Issue 24, item 7: the tracker sync reaches only what the outbound guard lets out.

The emulators listen on 127.0.0.1, a loopback address: this directory's conftest allows it; these
tests take the allowance away (``refused_loopback``) and show what a person then reads.
"""

from __future__ import annotations

import pytest

from server.settings import get_settings
from server.store.op_path import OpPath
from server.store.trackers import TrackerStore
from tests.conftest import BoardHandle
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.conftest import connect_azure, connect_jira, quick_reader
from tests.trackers.jira_emulator import JiraEmulator
from tests.trackers.test_doors import jira_body


@pytest.fixture
def refused_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, as on a server where nobody set ``PIBOARD_OUTBOUND_ALLOW``."""
    monkeypatch.delenv("PIBOARD_OUTBOUND_ALLOW")
    get_settings.cache_clear()


def test_connecting_to_a_loopback_tracker_is_refused_with_why(
    board: BoardHandle, jira: JiraEmulator, refused_loopback: None
) -> None:
    with board.rte() as rte:
        answer = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira))
        assert answer.status_code == 422, answer.text
        reason = answer.json()["reason"]
        assert "the Jira Cloud URL is refused: 127.0.0.1 is a loopback address" in reason
        assert "PIBOARD_OUTBOUND_ALLOW" in reason
        for url, kind in [
            ("http://169.254.169.254", "a cloud metadata address"),
            ("http://[::1]:5432", "a loopback address"),
            ("http://10.0.0.8", "a private address"),
        ]:
            answer = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, url=url))
            assert answer.status_code == 422 and kind in answer.json()["reason"], answer.text
        assert rte.get(f"/api/boards/{board.id}/tracker").json()["connected"] is False
    assert jira.request_count == 0, "nothing was sent to the refused address"


@pytest.mark.parametrize("product", ["jira", "azure"])
def test_a_poll_to_an_address_no_longer_allowed_is_a_fault_in_the_log_and_sends_nothing(
    op_path: OpPath,
    store: TrackerStore,
    jira: JiraEmulator,
    azure: AzureEmulator,
    product: str,
    request: pytest.FixtureRequest,
) -> None:
    """Allowed when it was connected, refused when the sync sends (the allow-list changed, or the name
    now resolves elsewhere): the sync says why in its state and log, and retries nothing."""
    waits: list[float] = []
    reader = quick_reader(waits)
    if product == "jira":
        board = connect_jira(op_path, store, jira, reader=reader)
    else:
        board = connect_azure(op_path, store, azure, reader=reader)
    store.update_state(board.board_id, state="syncing")
    sent_before = jira.request_count + azure.request_count

    request.getfixturevalue("refused_loopback")
    report = board.sync.poll(board.board_id)

    assert "127.0.0.1 is a loopback address" in report.failed, report.failed
    assert "unreachable" in report.failed
    status = board.status()
    assert status.reachable is False and "127.0.0.1 is a loopback address" in status.message
    faults = [line.text for line in store.log_lines(board.board_id) if line.kind == "fault"]
    assert faults and "PIBOARD_OUTBOUND_ALLOW" in faults[-1]
    assert waits == [], "a refused address is not retried"
    sent_after = jira.request_count + azure.request_count
    assert sent_after == sent_before, "nothing reached the tracker"

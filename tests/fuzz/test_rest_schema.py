"""Schemathesis on the app's own OpenAPI, against a live server: no input makes a 500 or drops the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import BoardHandle, LiveServer

EXAMPLES_PER_OPERATION = 20


def test_no_generated_request_gets_a_server_error(fuzz_server: LiveServer, fuzz_board: BoardHandle) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8, "the schema lists the REST doors"
    failures: list[str] = []
    tried: dict[str, int] = {}
    auth = {"Authorization": f"Bearer {fuzz_board.rte_session}"}

    def call(label: str, case: Any, with_session: bool) -> None:
        tried[label] = tried.get(label, 0) + 1
        headers = {**(case.headers or {}), **(auth if with_session else {})}
        try:
            response = case.call(base_url=fuzz_server.url, headers=headers, timeout=30)
        except Exception as exc:  # a dropped connection is a failure too
            failures.append(f"{label}: {type(exc).__name__}: {exc} for {case.as_curl_command()}")
            return
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} for {case.as_curl_command()}")

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        # The real board (so requests reach the handlers behind the session check) and random ones.
        fixed = {"board_id": fuzz_board.id} if "{board_id}" in operation.path else None
        strategies = [
            operation.as_strategy(mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ] + [operation.as_strategy(GenerationMode.POSITIVE)]

        run_examples(label, st.one_of(strategies), call)

    print(f"\n{sum(tried.values())} requests over {len(operations)} operations")
    assert not failures, "\n".join(failures[:20])
    assert all(tried.get(f"{o.method.upper()} {o.path}") for o in operations)
    with httpx.Client(base_url=fuzz_server.url) as c:  # still up and answering
        assert c.get("/healthz").status_code == 200
    assert fuzz_board.read()["seq"] >= 1


def run_examples(label: str, cases: st.SearchStrategy[Any], call: Callable[[str, Any, bool], None]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, with_session=st.booleans())
    def probe(case: Any, with_session: bool) -> None:
        call(label, case, with_session)

    probe()


def test_numbers_beyond_the_database_integer_range_are_answered(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    """Found by the fuzzer on PostgreSQL: a huge ``since`` was a 500 (seq is a 32-bit column)."""
    with fuzz_board.rte() as c:
        for since in (2**31 - 1, 2**31, 2**63, 10**30):
            r = c.get(f"/api/boards/{fuzz_board.id}/events", params={"since": since})
            assert r.status_code in {200, 422}, (since, r.status_code)
            if r.status_code == 200:
                assert r.json() == []
        r = c.post(
            f"/api/boards/{fuzz_board.id}/ops",
            json={"type": "risk.update", "target": "x", "base_version": 2**40, "args": {"title": "t"}},
        )
        assert r.status_code == 422

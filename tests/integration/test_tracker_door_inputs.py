"""Every JSON value at the tracker's doors (REST and the trackers' webhooks), on SQLite and PostgreSQL:
a clear refusal, the server up, nothing stored."""

from __future__ import annotations

import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BoardHandle

# Hidden nesting, NaN and infinities as JSON writes them loosely, 5,000-digit numbers, and the rest.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.just('{"jql": {"nested": ["in", "a", "string"]}}'),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Written as JSON text: what json.dumps will not write, and a 5,000-digit integer.
RAW = json_values.map(json.dumps) | st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e99999", "1" + "0" * 5000, "[" * 200 + "]" * 200]
)

# Valid except that nobody answers at this address: whatever the fuzzed field, nothing gets stored.
BASE = {
    "product": "jira_dc",
    "url": "http://127.0.0.1:9",
    "token": "t0ken",
    "scope": {"jql": "project = ATL"},
    "choices": [],
    "interval_s": 60,
    "write_back": False,
}
FIELDS = [*BASE, "user", "extra"]
# 400: not JSON at all (FastAPI's own answer); 422: JSON, but not a setting.
REFUSED = {400, 403, 404, 409, 413, 422, 503}
FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def put(rte: httpx.Client, board: BoardHandle, content: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    return rte.put(f"/api/boards/{board.id}/tracker", content=content, headers=headers)


def test_any_json_value_in_any_setting_is_refused_and_stores_nothing(board: BoardHandle) -> None:
    with board.rte() as rte:

        @FUZZ
        @given(field=st.sampled_from(FIELDS), value=RAW)
        def probe(field: str, value: str) -> None:
            # The field written last: JSON objects keep the last of a repeated name.
            content = (json.dumps(BASE)[:-1] + f', "{field}": {value}}}').encode()
            answer = put(rte, board, content)
            assert answer.status_code in REFUSED, (field, value[:80], answer.status_code, answer.text[:200])
            assert answer.json()["reason" if answer.status_code != 400 else "detail"]

        probe()
        assert rte.get(f"/api/boards/{board.id}/tracker").json()["connected"] is False
        assert rte.get("/healthz").status_code == 200


def test_any_body_at_the_webhooks_is_refused(board: BoardHandle) -> None:
    with httpx.Client(base_url=board.server.url) as anyone:

        @FUZZ
        @given(body=RAW, path=st.sampled_from(["jira", "azure-devops"]))
        def probe(body: str, path: str) -> None:
            answer = anyone.post(f"/hooks/{path}/{board.id}", content=body.encode())
            assert answer.status_code in REFUSED, answer.text[:200]

        probe()
        assert anyone.get("/healthz").status_code == 200

"""The preview door takes any fields a form may send, whole Unicode range included: it answers what the
op would do or a clear 4xx, never a 5xx, and never changes the board."""

from __future__ import annotations

import random
import urllib.parse

from tests.conftest import BoardHandle, LiveServer
from tests.fuzz.test_unicode_doors import unicode_strings

SEED = 20261130
BUDGET = 60
FIELDS = [
    "type",
    "target",
    "base_version",
    "client_op_id",
    "args.title",
    "args.iteration_id",
    "args.carry_stories",
]
TYPES = ["feature.move", "feature.delete", "story.delete", "feature.update", "milestone.delete", "no.op", ""]


def test_any_fields_get_an_answer_and_change_nothing(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    rng = random.Random(SEED)
    made = fuzz_board.op(fuzz_board.rte_session, "feature.create", args={"title": "Fuzz feature"})
    assert made.status_code == 200
    feature = made.json()["changes"][0]["id"]
    before = fuzz_board.read()
    values = unicode_strings(rng, BUDGET)
    with fuzz_server.client() as c:
        c.cookies.set(f"pb_{fuzz_board.id}", fuzz_board.rte_session)
        for value in values:
            fields = {"type": rng.choice(TYPES), "target": rng.choice([feature, value]), "base_version": "1"}
            fields[rng.choice(FIELDS)] = value
            body = "&".join(
                f"{urllib.parse.quote(k)}={urllib.parse.quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
                for k, v in fields.items()
            )
            r = c.post(
                f"/b/{fuzz_board.id}/ops/preview",
                content=body.encode(),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert r.status_code in (200, 400, 403, 404, 409, 422), (fields, r.status_code, r.text)
            assert ("consequences" in r.text) == (r.status_code == 200), (fields, r.text)
    assert fuzz_board.read() == before

"""100 clients edit the same few cards with stale versions: no acked op lost, every refusal says why."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import psycopg

from tests.live.client import LiveClient
from tests.scale.mirror import Mirror, server_view
from tests.scale.procs import ServerProcess, create_board, join, read_board

CLIENTS = 100
CARDS = 3
ATTEMPTS = 3


def test_hundred_clients_on_three_cards_lose_nothing_and_agree(
    three_processes: list[ServerProcess], pg_url: str
) -> None:
    procs = three_processes
    board_id, rte = create_board(procs[0])
    cards = [f"card{n}" for n in range(CARDS)]
    with httpx.Client(base_url=procs[0].url, headers={"Authorization": f"Bearer {rte}"}) as c:
        for card in cards:
            made = c.post(
                f"/api/boards/{board_id}/ops",
                json={"type": "risk.create", "args": {"id": card, "title": card}},
            )
            assert made.status_code == 200, made.text
    sessions = [join(procs[i % 3], board_id, rte, "rte", f"editor {i}") for i in range(CLIENTS)]
    rng = random.Random(8)

    async def editor(i: int, client: LiveClient, answers: list[dict[str, Any]], sent: dict[str, str]) -> None:
        known = dict.fromkeys(cards, 1)  # everyone starts from version 1: most of them will be stale
        card = rng.choice(cards)
        for attempt in range(ATTEMPTS):
            cid = f"e{i}-{attempt}"
            sent[cid] = card
            await client.op(
                "risk.update", client_op_id=cid, target=card, base_version=known[card], args={"owner": cid}
            )
            await client.wait_until(lambda cid=cid: cid in client.acks or cid in client.refusals, 120)
            if cid in client.acks:
                answers.append({"cid": cid, "card": card, "ack": client.acks[cid]})
                known[card] += 1
                card = rng.choice(cards)  # done with that one: edit another
            else:
                refusal = client.refusals[cid]
                answers.append({"cid": cid, "card": card, "refusal": refusal})
                known[card] = refusal["detail"]["current"]["version"]  # look again, then retry it

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, str], list[Mirror]]:
        clients = [
            await LiveClient.connect(procs[i % 3].ws_url, board_id, sessions[i], last_seq=None, name=f"e{i}")
            for i in range(CLIENTS)
        ]
        for c in clients:
            await c.wait_until(lambda c=c: bool(c.resets), 60)
        answers: list[dict[str, Any]] = []
        sent: dict[str, str] = {}
        await asyncio.gather(*(editor(i, c, answers, sent) for i, c in enumerate(clients)))
        final_seq = read_board(procs[0], board_id, rte)["seq"]
        for c in clients:
            await c.wait_until(lambda c=c: c.last_seq >= final_seq, 60)
        await asyncio.sleep(0.3)
        mirrors = []
        for c in clients:
            m = Mirror(c.name)
            m.absorb(c)
            mirrors.append(m)
            await c.close()
        return answers, sent, mirrors

    answers, sent, mirrors = asyncio.run(scenario())
    acked = [a for a in answers if "ack" in a]
    refused = [a for a in answers if "refusal" in a]
    print(
        f"\n{len(answers)} edits of {CARDS} cards by {CLIENTS} clients: "
        f"{len(acked)} acked, {len(refused)} refused as stale"
    )

    assert len(answers) == len(sent) == CLIENTS * ATTEMPTS  # every op answered, once
    assert refused and acked
    for r in refused:  # told why, with the card as it is now
        body = r["refusal"]
        assert body["error"] == "stale"
        assert "changed by someone else" in body["reason"]
        assert body["detail"]["current"]["id"] == r["card"]

    with psycopg.connect(pg_url) as db:
        stored = dict(
            db.execute("SELECT client_op_id, seq FROM event WHERE board_id = %s", (board_id,)).fetchall()
        )
        rows = {
            item_id: (version, data)
            for item_id, version, data in db.execute(
                "SELECT item_id, version, data FROM item WHERE board_id = %s AND kind = 'risk'", (board_id,)
            )
        }
    for a in acked:  # no acked op lost, at the seq its ack named
        assert stored[a["cid"]] == a["ack"]["seq"]
    for r in refused:  # a refused op left no trace
        assert r["cid"] not in stored
    for card in cards:
        wins = sorted((a for a in acked if a["card"] == card), key=lambda a: a["ack"]["seq"])
        version, data = rows[card]
        assert version == 1 + len(wins)  # every acked edit is one version: none silently merged
        if wins:
            assert data["owner"] == wins[-1]["cid"]  # the last committed edit is what the card shows

    expected = server_view(read_board(procs[2], board_id, rte))
    assert {k: v for k, v in expected["risk"].items()} == {k: d for k, (_, d) in rows.items()}
    for m in mirrors:
        assert m.view() == expected, m.name
        assert m.seen == list(range(m.seen[0], m.seq + 1))

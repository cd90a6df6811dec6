"""How long the meeting's pages take to render, on the demo ART (8 teams, ~250 stories, risks, objectives).

For each view, the live renderer is timed on a typical batch of one event (the hub renders once per
view and audience per batch, and sends the same bytes to every browser of that audience on that view),
and the page's view-model on a page load. The program board is also timed for every audience a demo
event has (each role, and each team's members), which is what one batch costs the hub when all of
them watch it. Prints a table, or JSON with ``--json``.

    .venv/bin/python bench/bench_meeting_views.py [--json] [--rounds N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from collections.abc import Callable

from board import Actor, BoardState, Role
from board.core import Committed, Op
from board.demo import demo_ops
from board.ops import Context, apply_op
from server.pages.agenda import agenda_page
from server.pages.objectives import objectives_page
from server.pages.renderer import render_update
from server.pages.risks import risk_board
from server.pages.timer import timer_part
from server.pages.vote import vote_page

RTE = Actor("rte", "RTE", Role.RTE)
AUDIENCE = (Role.RTE, None)  # the RTE sees every control: the most to render
IDS = itertools.count(1)


def apply(state: BoardState, op: Op, actor: Actor = RTE) -> Committed:
    seq = state.seq + 1
    changes = apply_op(state, op, actor, Context(now=time.time(), new_id=lambda: f"b{next(IDS)}", seq=seq))
    state.seq = seq
    return Committed(state.board_id, seq, op.client_op_id, op, changes, actor, time.time())


def demo_state() -> BoardState:
    state = BoardState("bench")
    for op in demo_ops():
        apply(state, op)
    return state


def timed(fn: Callable[[], object], rounds: int) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()
    state = demo_state()
    round_event = apply(state, Op("vote.open"))
    round_id = round_event.changes[0].id
    voter = Actor("v1", "Voter", Role.BUSINESS_OWNER)
    cast = apply(state, Op("vote.cast", target=round_id, args={"value": 4}), voter)
    risk = next(iter(state.risks))
    roam = apply(state, Op("risk.roam", target=risk.id, base_version=risk.version, args={"roam": "accepted"}))
    timer = apply(state, Op("timer.start"))
    objective = state.objectives[0]
    bv = apply(
        state,
        Op("objective.set_bv", target=objective.id, base_version=objective.version, args={"value": 7}),
    )
    cases = {
        "vote (a vote cast)": ("vote", [cast]),
        "risks (a risk ROAMed)": ("risks", [roam]),
        "objectives (BV set)": ("objectives", [bv]),
        "agenda (timer started)": ("agenda", [timer]),
        "admin (timer started)": ("admin", [timer]),
        "program's timer part (timer started)": ("program", [timer]),
    }
    results: dict[str, dict[str, float | int]] = {}
    for label, (view, events) in cases.items():
        results[label] = {
            **timed(lambda v=view, e=events: render_update(v, state, e, AUDIENCE), options.rounds),  # type: ignore[misc]
            "bytes": len(render_update(view, state, events, AUDIENCE) or ""),
        }
    # Live fragments are rendered once per view and audience: what a batch costs when every role
    # and every team's members watch the program board.
    audiences = [(r, None) for r in (Role.RTE, Role.PRODUCT_MANAGEMENT, Role.ARCHITECT, Role.BUSINESS_OWNER)]
    audiences += [(Role.OBSERVER, None)] + [(Role.TEAM, t.id) for t in state.teams]
    story = next(s for s in state.stories if s.iteration_id)
    later = next(i.id for i in state.iterations if i.id != story.iteration_id and not i.is_ip)
    move = apply(
        state, Op("story.move", target=story.id, base_version=story.version, args={"iteration_id": later})
    )
    label = f"program (story moved), {len(audiences)} audiences"
    results[label] = {
        **timed(lambda: [render_update("program", state, [move], a) for a in audiences], options.rounds),
        "bytes": sum(len(render_update("program", state, [move], a) or "") for a in audiences),
    }
    results["program (story moved), one audience"] = {
        **timed(lambda: render_update("program", state, [move], AUDIENCE), options.rounds),
        "bytes": len(render_update("program", state, [move], AUDIENCE) or ""),
    }
    pages = {
        "objectives view-model (page load)": lambda: objectives_page(state),
        "risks view-model (page load)": lambda: risk_board(state),
        "vote view-model (page load)": lambda: vote_page(state),
        "agenda view-model (page load)": lambda: agenda_page(state),
    }
    for label, build in pages.items():
        results[label] = timed(lambda b=build: b(), options.rounds)  # type: ignore[misc]
    results["timer part"] = timed(lambda: timer_part(state), options.rounds)
    if options.json:
        print(json.dumps({"board": "demo ART", "rounds": options.rounds, "results": results}, indent=2))
        return
    print(f"demo ART: {len(state.teams)} teams, {len(state.risks)} risks, {len(state.objectives)} objectives")
    for label, r in results.items():
        extra = f"  {r['bytes']:>7} bytes" if "bytes" in r else ""
        print(f"{label:<42} median {r['median_ms']:>7.2f} ms  max {r['max_ms']:>7.2f} ms{extra}")


if __name__ == "__main__":
    main()

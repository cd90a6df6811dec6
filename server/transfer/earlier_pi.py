"""An earlier PI's history from its board export (issue 26): each team's throughput per closed
iteration of that board (:func:`board.forecast.throughput_history`), given to this board's teams of
the same name as ``team.update earlier_throughput``, and the file's PI as ``board.update
earlier_pi_name``, in one batch through the op path. No board is made from the file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from board import Actor
from board.core import Op
from board.forecast import throughput_history
from board.roles import refusal
from server.store.op_path import BatchRefused, OpPath
from server.transfer.board_json import document_state, read_board_json
from server.transfer.common import FileRefused, Problem

# The ops this makes: whoever may not send them may not take an earlier PI's history (the RTE only).
OPS = ("board.update", "team.update")


@dataclass
class EarlierPi:
    """What was taken: the file's PI, this board's teams matched (name -> numbers) and the file's
    teams matched by none of this board's."""

    pi_name: str
    matched: dict[str, list[int]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # this board's teams the file does not have


def require_taker(actor: Actor) -> None:
    for op_type in OPS:
        refused = refusal(actor, op_type)
        if refused is not None:
            raise refused


def _key(name: str) -> str:
    """Teams are the same team across PIs by name, whatever its case and spacing."""
    return " ".join(name.split()).casefold()


def take_earlier_pi(
    op_path: OpPath, board_id: str, data: bytes | IO[bytes], actor: Actor, today: dt.date
) -> EarlierPi:
    require_taker(actor)
    doc = read_board_json(data)
    earlier = document_state(doc)
    history = {_key(name): numbers for name, numbers in throughput_history(earlier, today).items()}
    if not any(history.values()):
        raise FileRefused([Problem(None, f"no iteration of that board had closed by {today.isoformat()}")])
    pi_name = (earlier.meta.pi_name or earlier.meta.name).strip()[:60]
    state = op_path.state(board_id)
    taken = EarlierPi(pi_name)
    ops = [Op("board.update", "meta", state.meta.version, {"earlier_pi_name": pi_name})]
    mine = {_key(t.name) for t in state.teams}
    for team in state.teams:
        numbers = history.get(_key(team.name))
        if numbers is None:
            taken.missing.append(team.name)
            continue
        taken.matched[team.name] = numbers
        ops.append(Op("team.update", team.id, team.version, {"earlier_throughput": numbers}))
    taken.unmatched = [t.name for t in earlier.teams if _key(t.name) not in mine]
    try:
        op_path.submit_batch(board_id, ops, actor)
    except BatchRefused as exc:
        raise FileRefused(
            [Problem(None, f"op {exc.index + 1} ({ops[exc.index].type}) was refused: {exc.cause.reason}")]
        ) from None
    return taken

"""Making boards: a new board with its RTE link, and the demo ART on first start."""

from __future__ import annotations

import hmac

from sqlalchemy.exc import IntegrityError

from board import Actor, Role
from board.demo import demo_ops
from board.errors import Forbidden
from server.store.auth import participant_name
from server.store.storage import Storage

FOUNDER = Actor(id="founder", name="Board creator", role=Role.RTE)
# One fixed id, so that several processes starting on an empty database make one demo, not several.
DEMO_BOARD_ID = "demo"


def require_admin_token(storage: Storage, given: str | None, doing: str) -> None:
    """Where the operator set ``PIBOARD_ADMIN_TOKEN``, making boards needs it (compared in constant time)."""
    required = storage.settings.admin_token
    if required and not hmac.compare_digest(required.encode(), (given or "").encode()):
        raise Forbidden(f"{doing} needs the server's admin token")


def create_board_with_rte(
    storage: Storage,
    name: str,
    pi_name: str = "",
    *,
    rte_name: str = "RTE",
    demo: bool = False,
    board_id: str | None = None,
) -> tuple[str, str, str]:
    """Create a board (with the demo ART's plan if asked) and join it as its RTE, by ``rte_name``;
    returns (board id, RTE join token, RTE session)."""
    rte_name = participant_name(rte_name)  # before the board exists: a refused name makes none
    if demo:
        ops = demo_ops()
        board_id = storage.op_path.create_board(
            name, FOUNDER, ops[0].args | {"name": name}, then=lambda _board: ops[1:], board_id=board_id
        )
    else:
        args = {"pi_name": pi_name} if pi_name else None
        board_id = storage.op_path.create_board(name, FOUNDER, args, board_id=board_id)
    link = storage.auth.create_link(board_id, Role.RTE, label="RTE")
    assert link.token is not None
    _, session = storage.auth.join(link.token, rte_name)
    return board_id, link.token, session


def ensure_demo(storage: Storage) -> str | None:
    """On a server's first start with an empty database, make the demo ART; returns its RTE join token."""
    if storage.op_path.boards():
        return None
    try:
        _, token, _ = create_board_with_rte(storage, "Demo ART", demo=True, board_id=DEMO_BOARD_ID)
    except IntegrityError:
        return None  # another process, started at the same moment, made it
    return token

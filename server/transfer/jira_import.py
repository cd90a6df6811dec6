"""Jira imports as the doors use them: shared by the REST door and the command line.

The file's mapping onto a board is :mod:`server.transfer.jira`'s; here it meets the op path. An
import into a board is one all-or-nothing batch, applied as the person who asked for it; a new
board from a Jira export is ``board.create`` and the whole import in one transaction.
"""

from __future__ import annotations

from board import Actor, BoardState
from board.core import Committed, Op
from board.errors import Forbidden
from board.roles import jira_import_refusal, may
from server.store.op_path import BatchRefused, OpPath, new_id
from server.transfer.common import FileRefused, Problem
from server.transfer.files import IMPORTER, new_board_state
from server.transfer.jira import preview_jira_file
from server.transfer.jira_file import JiraFile, read_jira_file
from server.transfer.jira_mapping import detect_project
from server.transfer.jira_ops import import_ops
from server.transfer.jira_preview import JiraPreview


def require_jira_importer(actor: Actor) -> None:
    refused = jira_import_refusal(actor)
    if refused is not None:
        raise refused


def _allowed_kinds(actor: Actor) -> list[str]:
    """Product Management imports features (theirs to rank); stories belong to the teams and the RTE."""
    return [kind for kind in ("feature", "story") if may(actor, f"{kind}.create")]


def jira_preview(
    op_path: OpPath,
    board_id: str,
    data: bytes | str | JiraFile,
    actor: Actor,
    choices: list[str] | None = None,
) -> tuple[BoardState, JiraPreview]:
    """The preview of importing ``data`` (a file's bytes, or the issues a tracker sync laid out as one)
    into the board as it is now, with ``choices`` made."""
    require_jira_importer(actor)
    state = op_path.state(board_id)
    jira = data if isinstance(data, JiraFile) else read_jira_file(data)
    preview = preview_jira_file(jira, state, choices, allowed_kinds=_allowed_kinds(actor))
    if _needs_setup_by_another(preview, actor):
        preview.warnings.insert(0, Problem(None, SETUP_IS_THE_RTES))
    return state, preview


SETUP_IS_THE_RTES = "only the RTE creates teams and iterations; map them to existing ones"


def _needs_setup_by_another(preview: JiraPreview, actor: Actor) -> bool:
    return bool(
        (preview.new_teams and not may(actor, "team.create"))
        or (preview.new_iterations and not may(actor, "iteration.create"))
    )


def _jira_ops(preview: JiraPreview, state: BoardState, actor: Actor) -> list[Op]:
    """The preview's ops, then (for the RTE, who sets up the board) the mapping remembered."""
    if _needs_setup_by_another(preview, actor):
        raise Forbidden(SETUP_IS_THE_RTES)
    ops = import_ops(preview, state, new_id=new_id)
    memory = preview.mapping.memory()
    # An import that changes nothing changes nothing: not even the remembered mapping.
    if ops and may(actor, "board.update") and memory != state.meta.import_mapping:
        ops.append(
            Op(
                "board.update",
                None,
                state.meta.version,
                {"import_mapping": memory},
                f"jira:{new_id()}:mapping",
            )
        )
    return ops


def _refused_batch(exc: BatchRefused, ops: list[Op]) -> FileRefused:
    problem = Problem(None, f"op {exc.index + 1} ({ops[exc.index].type}) was refused: {exc.cause.reason}")
    return FileRefused([problem])


def jira_apply(
    op_path: OpPath,
    board_id: str,
    data: bytes | str | JiraFile,
    actor: Actor,
    choices: list[str] | None = None,
) -> tuple[JiraPreview, list[Committed]]:
    """Map the file onto the board as it is now and apply it in one all-or-nothing batch."""
    state, preview = jira_preview(op_path, board_id, data, actor, choices)
    ops = _jira_ops(preview, state, actor)
    if not ops:
        return preview, []
    try:
        return preview, op_path.submit_batch(board_id, ops, actor)
    except BatchRefused as exc:
        raise _refused_batch(exc, ops) from None


def jira_board_name(data: bytes | str | JiraFile) -> str:
    """A new board's name: the file's project, else a plain one."""
    jira = data if isinstance(data, JiraFile) else read_jira_file(data)
    return (detect_project(jira) or "Imported from Jira")[:120]


def jira_preview_new_board(
    data: bytes | str | JiraFile, choices: list[str] | None = None, *, name: str | None = None
) -> JiraPreview:
    """The preview of a new board made from ``data`` (by the RTE who makes it)."""
    jira = data if isinstance(data, JiraFile) else read_jira_file(data)
    return preview_jira_file(jira, new_board_state({"name": name or jira_board_name(jira)}), choices)


def jira_new_board(
    op_path: OpPath, data: bytes | str, choices: list[str] | None = None, *, name: str | None = None
) -> tuple[str, JiraPreview]:
    """A new board made from ``data``: ``board.create`` and the whole import in one transaction."""
    jira = read_jira_file(data)
    name = name or jira_board_name(jira)
    preview = jira_preview_new_board(jira, choices, name=name)
    ops: list[Op] = []

    def file_ops(created: BoardState) -> list[Op]:
        ops.extend(_jira_ops(preview, created, IMPORTER))
        return ops

    try:
        board_id = op_path.create_board(name, IMPORTER, then=file_ops)
    except BatchRefused as exc:
        raise _refused_batch(exc, ops) from None
    return board_id, preview

"""Cross-train dependencies (docs/solution.md): the solution writes each train's side from the other's.

A request lives on the asking train's board; its mirror on the providing train's; the providing team's
answer comes back onto the request (the rule is ``board.cross_train``). Nothing is written to two
boards in one transaction: after a commit on a train's board, the process that committed it
(``OpPath.on_commit``) compares that train with each other train of its solution and writes, by each
board's own op path, whatever the other side does not say yet, as the solution (``Actor.solution``)
"for" the person whose change it follows. Each write names the seq it was read from; the board skips
one older than it has (a write from another process that read later). A change whose other side was
not written (the process stopped in between) is found by :meth:`CrossTrain.reconcile`, which compares
every pair of trains of a solution (at start, and when a solution page opens).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable

from sqlalchemy import select

from board import Actor, Op
from board.core import Committed
from board.cross_train import (
    answer_of,
    asks,
    differs,
    mirror_id,
    mirror_of,
    parse_ref,
    party_words,
    requested_by,
    train_ref,
)
from board.errors import NotFound, PiboardError
from board.model import BoardState, Dependency, Role, Team
from server.store.op_path import OpPath
from server.store.solutions import TRAIN, SolutionStore

log = logging.getLogger(__name__)

SOLUTION_ACTOR_ID = "solution"

# The kinds of item a request's or an answer's other side is read from (a team's or a train's name is
# in the words each side shows; iterations are matched by number).
_READ_KINDS = frozenset({"dependency", "feature", "story", "iteration", "team", "meta"})


def solution_actor(for_whom: str) -> Actor:
    """The solution, writing a train's side "for" whoever made the change it follows."""
    return Actor(SOLUTION_ACTOR_ID, for_whom, Role.RTE, solution=True)


def _crossing(dep: Dependency) -> bool:
    return bool(dep.provider_train or dep.requester_train)


class CrossTrain:
    """Keeps both sides of every cross-train dependency saying the same (see the module's doc)."""

    def __init__(self, op_path: OpPath, solutions: SolutionStore) -> None:
        self.op_path = op_path
        self.solutions = solutions
        op_path.other_trains = self.team_words
        op_path.on_commit(self._committed)

    # --- asking: which team of another train a request may name ----------------------------------

    def team_words(self, board_id: str, ref: str) -> str | None:
        """The words naming team ``ref`` ("<board>/<team>") when it is a team of another train of
        ``board_id``'s solution; None when it is not (asking it is then refused)."""
        parsed = parse_ref(ref)
        if parsed is None or parsed[0] == board_id:
            return None
        solution_id = self.solutions.solution_of(board_id)
        if solution_id is None or self.solutions.solution_of(parsed[0]) != solution_id:
            return None
        other = self.op_path.state(parsed[0])
        team = other.get(Team, parsed[1])
        return None if team is None else party_words(other.meta.name, team.name)

    def other_teams(self, board_id: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """What a dependency of ``board_id`` may ask across trains: each other train of its solution, in
        joining order, with its teams as (``provider_train`` reference, name)."""
        solution_id = self.solutions.solution_of(board_id)
        if solution_id is None:
            return []
        offered = []
        for train in self.solutions.solution(solution_id).trains:
            if train.board_id != board_id:
                state = self.op_path.state(train.board_id)
                teams = [(train_ref(train.board_id, t.id), t.name) for t in state.teams]
                offered.append((state.meta.name, teams))
        return offered

    # --- after a commit --------------------------------------------------------------------------

    def _committed(self, board_id: str, events: list[Committed]) -> None:
        if not self._may_cross(board_id, events):
            return
        try:
            self.follow(board_id, events[-1].actor)
        except Exception:  # the commit stands; the reconcile pass writes what this could not
            log.exception("cross-train: the other trains of board %s were not brought up to date", board_id)

    def _may_cross(self, board_id: str, events: list[Committed]) -> bool:
        """Whether the commit may change another train's side: a cheap look, no database read, so a
        board that has no cross-train dependency pays nothing."""
        changes = [c for e in events for c in e.changes if c.kind in _READ_KINDS]
        if not changes:
            return False
        if any(
            c.kind == "dependency"
            and any(
                side and (side.get("provider_train") or side.get("requester_train"))
                for side in (c.before, c.after)
            )
            for c in changes
        ):
            return True
        held = self.op_path.held_state(board_id)
        return held is None or any(_crossing(d) for d in held.of(Dependency).values())

    def follow(self, board_id: str, by: Actor) -> None:
        """Bring every other train of ``board_id``'s solution up to date with it (and it with them),
        after ``by``'s change (the solution's own writes go on in the name of the change they follow)."""
        solution_id = self.solutions.solution_of(board_id)
        if solution_id is None:
            return
        name = (
            by.name
            if by.solution
            else f"the solution for {by.name} of {self.op_path.state(board_id).meta.name}"
        )
        for train in self.solutions.solution(solution_id).trains:
            if train.board_id != board_id:
                self.pair(board_id, train.board_id, name)

    def reconcile(self, solution_id: str) -> int:
        """Compare every pair of the solution's trains and write what either side misses; returns how
        many writes it made (0 when both sides of everything agree)."""
        trains = [t.board_id for t in self.solutions.solution(solution_id).trains]
        written = 0
        for board_id in trains:  # what a train that left the solution (a process stopping) left behind
            strays = self._strangers(board_id, set(trains))
            written += self.release(board_id, strays, "the solution (reconciling its trains)")
        for i, a in enumerate(trains):
            for b in trains[i + 1 :]:
                written += self.pair(a, b, "the solution (reconciling its trains)")
        return written

    def reconcile_all(self) -> int:
        """Every solution's trains compared (at start: a process may have stopped between two sides)."""
        with self.solutions.engine.connect() as conn:
            solution_ids = conn.execute(select(TRAIN.c.solution_id).distinct()).scalars().all()
        return sum(self.reconcile(s) for s in solution_ids)

    # --- a train leaving ------------------------------------------------------------------------

    def release(
        self, board_id: str, others: Iterable[str], name: str = "the solution (a train left it)"
    ) -> int:
        """``board_id`` and ``others`` are no longer trains of one solution: the requests between them
        are followed no more. Each mirror is withdrawn; each request stays, as an external party's with
        the last answer it had."""
        written = 0
        for other in others:
            for asking, providing in ((board_id, other), (other, board_id)):
                a, b = self.op_path.state(asking), self.op_path.state(providing)
                withdrawn = [
                    self._op("crosstrain.mirror", m.id, a, b, {"withdrawn": True})
                    for m in b.of(Dependency).values()
                    if (asked := requested_by(m)) is not None and asked[0] == asking
                ]
                written += self._write(providing, withdrawn, name)
                released = [
                    self._op("crosstrain.answer", d.id, b, a, {"released": True})
                    for d in a.of(Dependency).values()
                    if asks(d, providing) is not None
                ]
                written += self._write(asking, released, name)
        return written

    def _strangers(self, board_id: str, trains: set[str]) -> set[str]:
        """The boards ``board_id``'s cross-train dependencies name that are not trains of its solution."""
        named = set()
        for dep in self.op_path.state(board_id).of(Dependency).values():
            ref = parse_ref(dep.provider_train or dep.requester_train)
            if ref is not None:
                named.add(ref[0])
        return {b for b in named - trains if self._exists(b)}

    def _exists(self, board_id: str) -> bool:
        try:
            self.op_path.state(board_id)
        except NotFound:
            return False
        return True

    # --- one pair of trains ----------------------------------------------------------------------

    def pair(self, a: str, b: str, name: str) -> int:
        """Both directions between trains ``a`` and ``b``: requests mirrored, answers written back."""
        written = 0
        for asking, providing in ((a, b), (b, a)):
            written += self._mirror(asking, providing, name)
            written += self._answer(providing, asking, name)
        return written

    def _mirror(self, a_id: str, b_id: str, name: str) -> int:
        """A's requests of B's teams as B's mirrors; mirrors of requests A no longer makes withdrawn."""
        a, b = self.op_path.state(a_id), self.op_path.state(b_id)
        ops = []
        wanted = set()
        for dep in a.of(Dependency).values():
            shape = mirror_of(a, dep, b)
            if shape is None:
                continue
            wanted.add(mirror_id(dep.id))
            if differs(b.get(Dependency, mirror_id(dep.id)), shape):
                ops.append(self._op("crosstrain.mirror", mirror_id(dep.id), a, b, shape))
        for mirror in b.of(Dependency).values():
            asked = requested_by(mirror)
            if asked is not None and asked[0] == a_id and mirror.id not in wanted:
                ops.append(self._op("crosstrain.mirror", mirror.id, a, b, {"withdrawn": True}))
        return self._write(b_id, ops, name)

    def _answer(self, b_id: str, a_id: str, name: str) -> int:
        """B's answers on its mirrors written onto A's requests."""
        a, b = self.op_path.state(a_id), self.op_path.state(b_id)
        ops = []
        for mirror in b.of(Dependency).values():
            asked = requested_by(mirror)
            if asked is None or asked[0] != a_id:
                continue
            dep = a.get(Dependency, asked[1])
            if dep is None or asks(dep, b_id) is None:
                continue  # withdrawn on A: its mirror goes with the next mirror pass
            answer = answer_of(b, mirror, a)
            if differs(dep, answer):
                ops.append(self._op("crosstrain.answer", dep.id, b, a, answer))
        return self._write(a_id, ops, name)

    @staticmethod
    def _op(
        op_type: str, target: str, source: BoardState, written: BoardState, args: dict[str, object]
    ) -> Op:
        """An op writing on ``written`` what ``source`` (at its seq) says, named by both boards' seqs:
        the same write made by two processes is applied once."""
        client_op_id = f"{op_type}-{source.board_id}-{source.seq}-{written.seq}-{target}"
        plain = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in args.items()}
        return Op(op_type, target, None, {"seq": source.seq, **plain}, client_op_id)

    def _write(self, board_id: str, ops: Iterable[Op], name: str) -> int:
        """Each op on its own (one refused, a stale one, leaves the others to be written)."""
        written = 0
        for op in ops:
            try:
                self.op_path.submit_batch(board_id, [op], solution_actor(name))
                written += 1
            except PiboardError as refused:
                log.info("cross-train: %s on %s not written: %s", op.type, board_id, refused)
        return written

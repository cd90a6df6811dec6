"""Solutions: several trains (boards) on one cadence, the links into them and the people in them.

Like a board's join links (server/store/auth.py), a solution's links are access control, not a plan:
only a token's SHA-256 is stored, and a token is an HMAC of its link's id, so the STE's page shows the
live links again. A link is either for a person in a solution role (board.solution.SolutionRole) or,
of kind ``train``, for a train's RTE to join the train to the solution. Sessions are signed under a
salt of their own: a board's session never opens a solution, nor a solution's a board.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from board.errors import Forbidden, IllegalTransition, Invalid, NotFound
from board.fields import Text
from board.solution import LINK_KINDS, STE, TRAIN_LINK, Capability, SolutionActor, SolutionRole
from server.store.auth import Unauthenticated, participant_name
from server.store.db import (
    BoardRow,
    CapabilityFeatureRow,
    CapabilityRow,
    SolutionLinkRow,
    SolutionMemberRow,
    SolutionRow,
    SolutionTrainRow,
    utcnow,
)
from server.store.op_path import new_id

SOLUTION = SolutionRow.__table__  # type: ignore[attr-defined]
TRAIN = SolutionTrainRow.__table__  # type: ignore[attr-defined]
LINK = SolutionLinkRow.__table__  # type: ignore[attr-defined]
MEMBER = SolutionMemberRow.__table__  # type: ignore[attr-defined]
BOARD = BoardRow.__table__  # type: ignore[attr-defined]
CAPABILITY = CapabilityRow.__table__  # type: ignore[attr-defined]
CAPABILITY_FEATURE = CapabilityFeatureRow.__table__  # type: ignore[attr-defined]

# On PostgreSQL, every process learns that a solution changed (a capability written, a train joined or
# taken out, a link revoked) through this channel: its open pages show it (server/doors/solution_socket.py).
SOLUTION_CHANNEL = "piboard_solution"

SOLUTION_NAME = Text(max_len=120, required=True)
PI_NAME = Text(max_len=120)
LINK_LABEL = Text(max_len=80)
# As a feature's title and description (board/ops/schema.py): a capability's become its features'.
CAPABILITY_TITLE = Text(max_len=200, required=True)
CAPABILITY_DESCRIPTION = Text(max_len=4000)


def solution_cookie_name(solution_id: str) -> str:
    """Under the boards' cookie prefix ("pb_"), so the cross-site form guard (server/doors/origin.py)
    keeps other sites' pages from posting with it; no board id has an underscore (new_id)."""
    return f"pb_s_{solution_id}"


@dataclass(frozen=True)
class SolutionLink:
    id: str
    solution_id: str
    kind: str  # a SolutionRole's value, or TRAIN_LINK
    label: str
    token: str | None = None  # None once revoked
    created_at: datetime | None = None


@dataclass(frozen=True)
class Train:
    """A train of a solution, in the order the trains joined."""

    board_id: str
    name: str
    joined_at: datetime
    joined_by: str


@dataclass(frozen=True)
class Solution:
    id: str
    name: str
    pi_name: str
    trains: tuple[Train, ...]
    version: int = 0  # counts the solution's own changes (a page's hello names the one it shows)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SolutionStore:
    def __init__(self, engine: Engine, signing_key: str) -> None:
        self.engine = engine
        self._signer = URLSafeSerializer(signing_key, salt="piboard-solution-session")
        self._link_key = hashlib.sha256(b"piboard-solution-link:" + signing_key.encode()).digest()
        self._listeners: list[Callable[[str], None]] = []
        self._postgres = engine.dialect.name == "postgresql"

    def on_change(self, listener: Callable[[str], None]) -> None:
        """``listener(solution_id)`` runs after the solution itself changed (in the writing thread)."""
        self._listeners.append(listener)

    def _changing(self, conn: Connection, solution_id: str) -> None:
        """Inside the changing transaction: the solution's version moves on, and other processes hear of
        it when (and if) it commits."""
        conn.execute(
            update(SOLUTION).where(SOLUTION.c.id == solution_id).values(version=SOLUTION.c.version + 1)
        )
        if self._postgres:
            conn.execute(text("SELECT pg_notify(:ch, :id)"), {"ch": SOLUTION_CHANNEL, "id": solution_id})

    def _changed(self, solution_id: str) -> None:
        for listener in self._listeners:
            listener(solution_id)

    @contextlib.contextmanager
    def changing(self, solution_id: str) -> Iterator[Connection]:
        """A write transaction that changes the solution (server/store/solution_plan.py): when it
        commits, its open pages are told, here and on the other processes; raising writes nothing."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn
            self._changing(conn, solution_id)
        self._changed(solution_id)

    def _token_for(self, link_id: str) -> str:
        digest = hmac.new(self._link_key, link_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    # --- making a solution ----------------------------------------------------------------------

    def create(self, name: str, pi_name: str, ste_name: str) -> tuple[str, str, str]:
        """Make a solution and join it as its Solution Train Engineer, by ``ste_name``; returns (solution
        id, STE join token, STE session). Everything is checked first: a refusal makes nothing."""
        name = SOLUTION_NAME.clean("name", name)
        pi_name = PI_NAME.clean("pi_name", pi_name)
        ste_name = participant_name(ste_name)
        solution_id, link_id, member_id = new_id(), new_id(), new_id()
        token = self._token_for(link_id)
        now = utcnow()
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(insert(SOLUTION).values(id=solution_id, name=name, pi_name=pi_name, created_at=now))
            self._insert_link(conn, solution_id, link_id, STE.value, "STE", now)
            conn.execute(
                insert(MEMBER).values(
                    id=member_id, solution_id=solution_id, link_id=link_id, name=ste_name, created_at=now
                )
            )
        return solution_id, token, self._session(member_id, solution_id)

    def _insert_link(
        self, conn: Connection, solution_id: str, link_id: str, kind: str, label: str, now: datetime
    ) -> None:
        conn.execute(
            insert(LINK).values(
                id=link_id,
                solution_id=solution_id,
                token_hash=_hash(self._token_for(link_id)),
                kind=kind,
                label=label,
                created_at=now,
            )
        )

    def _session(self, member_id: str, solution_id: str) -> str:
        return self._signer.dumps({"p": member_id, "s": solution_id})

    def solution(self, solution_id: str) -> Solution:
        with self.engine.connect() as conn:
            row = conn.execute(select(SOLUTION).where(SOLUTION.c.id == solution_id)).first()
            if row is None:
                raise NotFound("there is no such solution")
            trains = conn.execute(
                select(TRAIN.c.board_id, BOARD.c.name, TRAIN.c.joined_at, TRAIN.c.joined_by)
                .join(BOARD, BOARD.c.id == TRAIN.c.board_id)
                .where(TRAIN.c.solution_id == solution_id)
                .order_by(TRAIN.c.joined_at, TRAIN.c.board_id)
            ).all()
        return Solution(
            row.id,
            row.name,
            row.pi_name,
            tuple(Train(t.board_id, t.name, t.joined_at, t.joined_by) for t in trains),
            row.version,
        )

    def solution_of(self, board_id: str) -> str | None:
        """The solution a board is a train of, if any."""
        with self.engine.connect() as conn:
            found: str | None = conn.execute(
                select(TRAIN.c.solution_id).where(TRAIN.c.board_id == board_id)
            ).scalar()
        return found

    # --- links and people -----------------------------------------------------------------------

    def create_link(self, solution_id: str, kind: str, label: str = "") -> SolutionLink:
        """A new link into the solution (the door asks the role rule first: only the STE makes them)."""
        if kind not in LINK_KINDS:
            raise Invalid(
                f"a solution's link is for a train or one of its roles ({', '.join(sorted(LINK_KINDS))})"
            )
        label = LINK_LABEL.clean("link_label", label)
        self.solution(solution_id)  # NotFound before anything is written
        link_id, now = new_id(), utcnow()
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            self._insert_link(conn, solution_id, link_id, kind, label, now)
        return SolutionLink(link_id, solution_id, kind, label, self._token_for(link_id), now)

    def links(self, solution_id: str) -> list[SolutionLink]:
        """The solution's live links, oldest first, each with its token (recomputed)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LINK)
                .where(LINK.c.solution_id == solution_id, LINK.c.revoked_at.is_(None))
                .order_by(LINK.c.created_at, LINK.c.id)
            ).all()
        return [
            SolutionLink(r.id, r.solution_id, r.kind, r.label, self._token_for(r.id), r.created_at)
            for r in rows
        ]

    def revoke_link(self, solution_id: str, link_id: str) -> None:
        """End a link: nobody joins with it again, and the sessions made with it end at their next request."""
        live = self.links(solution_id)
        link = next((lk for lk in live if lk.id == link_id), None)
        if link is None:
            raise NotFound("no such live link in this solution")
        if link.kind == STE.value and sum(lk.kind == STE.value for lk in live) == 1:
            # Nobody could set the solution up any more: make another STE link first.
            raise IllegalTransition(
                "this is the solution's only STE link; make another one before revoking it"
            )
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                update(LINK)
                .where(LINK.c.id == link_id, LINK.c.solution_id == solution_id, LINK.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            self._changing(conn, solution_id)
        self._changed(solution_id)

    def rename(self, solution_id: str, name: str, pi_name: str) -> None:
        name = SOLUTION_NAME.clean("name", name)
        pi_name = PI_NAME.clean("pi_name", pi_name)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            done = conn.execute(
                update(SOLUTION).where(SOLUTION.c.id == solution_id).values(name=name, pi_name=pi_name)
            )
            self._changing(conn, solution_id)
        if done.rowcount == 0:
            raise NotFound("there is no such solution")
        self._changed(solution_id)

    def link_for_token(self, token: str) -> SolutionLink:
        with self.engine.connect() as conn:
            row = conn.execute(select(LINK).where(LINK.c.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            raise Forbidden(
                "this solution link is not valid (revoked or mistyped); ask the STE for a new one"
            )
        return SolutionLink(row.id, row.solution_id, row.kind, row.label)

    def join(self, token: str, name: str) -> tuple[SolutionActor, str]:
        """A person joins the solution with a role's link; returns the actor and its signed session."""
        name = participant_name(name)
        link = self.link_for_token(token)
        if link.kind == TRAIN_LINK:
            raise Forbidden("this link joins a train, on its Admin page; a person joins with a role's link")
        member_id = new_id()
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                insert(MEMBER).values(
                    id=member_id,
                    solution_id=link.solution_id,
                    link_id=link.id,
                    name=name,
                    created_at=utcnow(),
                )
            )
        return SolutionActor(member_id, name, SolutionRole(link.kind)), self._session(
            member_id, link.solution_id
        )

    def actor(self, solution_id: str, session: str | None) -> SolutionActor:
        """The person a session belongs to, if it is valid for this solution and its link not revoked."""
        if not session:
            raise Unauthenticated("join this solution first: open the link the STE gave you")
        try:
            payload = self._signer.loads(session)
        except BadSignature:
            raise Unauthenticated("this session is not valid; open your solution link again") from None
        if not isinstance(payload, dict) or payload.get("s") != solution_id:
            raise Unauthenticated("this session belongs to another solution")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(MEMBER.c.id, MEMBER.c.name, LINK.c.kind, LINK.c.revoked_at)
                .join(LINK, LINK.c.id == MEMBER.c.link_id)
                .where(MEMBER.c.id == payload.get("p"), MEMBER.c.solution_id == solution_id)
            ).first()
        if row is None:
            raise Unauthenticated("this session is not known here; open your solution link again")
        if row.revoked_at is not None:
            raise Unauthenticated("your solution link was revoked by the STE")
        return SolutionActor(row.id, row.name, SolutionRole(row.kind))

    # --- trains ---------------------------------------------------------------------------------

    def join_train(self, link: SolutionLink, board_id: str, rte_name: str) -> bool:
        """Make ``board_id`` a train of the link's solution (the door checked both roles first:
        board.solution.train_join_refusal). Joining the same solution again changes nothing (False);
        a train of another solution is refused: a board belongs to one solution at most."""
        current = self.solution_of(board_id)
        if current == link.solution_id:
            return False
        if current is not None:
            raise IllegalTransition("this train is already part of another solution")
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                conn.execute(
                    insert(TRAIN).values(
                        board_id=board_id,
                        solution_id=link.solution_id,
                        joined_at=utcnow(),
                        joined_by=rte_name,
                    )
                )
                self._changing(conn, link.solution_id)
        except IntegrityError:
            # Joined at the same moment by another request: the answer is what it joined.
            if self.solution_of(board_id) == link.solution_id:
                return False
            raise IllegalTransition("this train is already part of another solution") from None
        self._changed(link.solution_id)
        return True

    def remove_train(self, solution_id: str, board_id: str) -> None:
        """Take a train out of the solution; its board, and the features splits made there, stay."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            done = conn.execute(
                delete(TRAIN).where(TRAIN.c.board_id == board_id, TRAIN.c.solution_id == solution_id)
            )
            self._changing(conn, solution_id)
        if done.rowcount == 0:
            raise NotFound("this train is not part of the solution")
        self._changed(solution_id)

    # --- capabilities ---------------------------------------------------------------------------

    def add_capability(self, solution_id: str, title: str, description: str, by: str) -> Capability:
        """A new capability (the door asks the role rule first: Solution Management's or the STE's)."""
        title = CAPABILITY_TITLE.clean("title", title)
        description = CAPABILITY_DESCRIPTION.clean("description", description)
        self.solution(solution_id)  # NotFound before anything is written
        capability_id = new_id()
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                insert(CAPABILITY).values(
                    id=capability_id,
                    solution_id=solution_id,
                    title=title,
                    description=description,
                    created_by=by,
                    created_at=utcnow(),
                )
            )
            self._changing(conn, solution_id)
        self._changed(solution_id)
        return Capability(capability_id, title, description, by, {})

    def update_capability(self, solution_id: str, capability_id: str, title: str, description: str) -> None:
        """A capability's new title and description. The features it was split into are the trains'
        now: each keeps its own (a train's people may have changed it)."""
        title = CAPABILITY_TITLE.clean("title", title)
        description = CAPABILITY_DESCRIPTION.clean("description", description)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            done = conn.execute(
                update(CAPABILITY)
                .where(CAPABILITY.c.id == capability_id, CAPABILITY.c.solution_id == solution_id)
                .values(title=title, description=description)
            )
            self._changing(conn, solution_id)
        if done.rowcount == 0:
            raise NotFound("this solution has no such capability")
        self._changed(solution_id)

    def delete_capability(self, solution_id: str, capability_id: str) -> None:
        """A capability gone from the solution; the features it was split into stay on their trains."""
        ours = (CAPABILITY.c.id == capability_id) & (CAPABILITY.c.solution_id == solution_id)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if conn.execute(select(CAPABILITY.c.id).where(ours)).first() is None:
                raise NotFound("this solution has no such capability")
            split_into = CAPABILITY_FEATURE.c.capability_id == capability_id
            conn.execute(delete(CAPABILITY_FEATURE).where(split_into))
            conn.execute(delete(CAPABILITY).where(ours))
            self._changing(conn, solution_id)
        self._changed(solution_id)

    def capabilities(self, solution_id: str) -> list[Capability]:
        """The solution's capabilities, oldest first, each with the features it was split into."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(CAPABILITY)
                .where(CAPABILITY.c.solution_id == solution_id)
                .order_by(CAPABILITY.c.created_at, CAPABILITY.c.id)
            ).all()
            split = conn.execute(
                select(CAPABILITY_FEATURE).where(CAPABILITY_FEATURE.c.capability_id.in_([r.id for r in rows]))
            ).all()
        features: dict[str, dict[str, str]] = {}
        for f in split:
            features.setdefault(f.capability_id, {})[f.board_id] = f.feature_id
        return [Capability(r.id, r.title, r.description, r.created_by, features.get(r.id, {})) for r in rows]

    def capability(self, solution_id: str, capability_id: str) -> Capability:
        found = next((c for c in self.capabilities(solution_id) if c.id == capability_id), None)
        if found is None:
            raise NotFound("this solution has no such capability")
        return found

    def record_split(self, capability_id: str, board_id: str, feature_id: str) -> None:
        """The feature ``capability_id`` was split into on ``board_id`` (made there by its op path)."""
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                conn.execute(
                    insert(CAPABILITY_FEATURE).values(
                        capability_id=capability_id, board_id=board_id, feature_id=feature_id
                    )
                )
                solution_id = conn.execute(
                    select(CAPABILITY.c.solution_id).where(CAPABILITY.c.id == capability_id)
                ).scalar_one()
                # The feature's own commit may have been shown before this row was written: show it again.
                self._changing(conn, solution_id)
        except IntegrityError:
            return  # recorded by a split at the same moment: the same feature (its id is the capability's)
        self._changed(solution_id)

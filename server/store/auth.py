"""Join links and sessions: no accounts, a link per role, a name, then a signed session.

Join links are access control, not part of the plan, so they live beside the op path
(their tokens must never reach the event log). Only a token's SHA-256 is stored; a
revoked link ends the sessions made with it at their next request. A link's token is an HMAC
of its id under the server's secret key, so the RTE's admin page can show every live link again
(to copy, or as a QR code on the big screen) without the token being stored anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, text, update

from board import Actor, Role
from board.errors import Forbidden, Invalid, NotFound, PiboardError
from board.fields import Text, line_problem, repaired
from server.store.db import JoinLinkRow, ParticipantRow, utcnow
from server.store.op_path import new_id

LINK = JoinLinkRow.__table__  # type: ignore[attr-defined]
PARTICIPANT = ParticipantRow.__table__  # type: ignore[attr-defined]
# Participants looked up per query (well under every database's bound-parameter limit).
_IDS_PER_QUERY = 500
_UNKNOWN_SESSION = "this session is not known here; open your join link again"
# Who sessions are: each participant with its link's role, team and revocation, in one statement.
_PARTICIPANTS = (
    select(
        PARTICIPANT.c.id,
        PARTICIPANT.c.name,
        PARTICIPANT.c.merged_into,
        PARTICIPANT.c.removed_at,
        PARTICIPANT.c.remote,
        LINK.c.role,
        LINK.c.team_id,
        LINK.c.revoked_at,
    )
    .join(LINK, LINK.c.id == PARTICIPANT.c.link_id)
    .where(
        PARTICIPANT.c.board_id == bindparam("board_id"),
        PARTICIPANT.c.id.in_(bindparam("ids", expanding=True)),
    )
)
LINK_LABEL = Text(max_len=80)


def participant_name(name: str) -> str:
    """The name a person joins with, checked: 1–80 characters on one line, held to the rule of every
    text field."""
    name = name.strip()
    problem = line_problem(name)
    if not name or len(name) > 80 or problem:
        raise Invalid("say your name (1–80 characters)" + (f": this one {problem}" if problem else ""))
    return name


class Unauthenticated(PiboardError):
    code = "unauthenticated"


@dataclass(frozen=True)
class JoinLink:
    id: str
    board_id: str
    role: Role
    team_id: str | None
    label: str
    revoked: bool
    token: str | None = None  # None for a link made before tokens were derived (or under another key)
    created_at: datetime | None = None
    uses: int = 0  # how many people joined with it


def may_show_on_screen(link: JoinLink) -> bool:
    """Whether a link's QR code may go on the big screen, for anyone in the room to scan: a live one,
    never the RTE's (whoever scanned it would run the event)."""
    return link.token is not None and not link.revoked and link.role != Role.RTE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_cookie_name(board_id: str) -> str:
    return f"pb_{board_id}"


# On PostgreSQL, every process learns of a change of access through this channel (server/live/access.py).
ACCESS_CHANNEL = "piboard_access"
AccessListener = Callable[[str], None]


class Auth:
    def __init__(self, engine: Engine, signing_key: str) -> None:
        self.engine = engine
        self._signer = URLSafeSerializer(signing_key, salt="piboard-session")
        self._link_key = hashlib.sha256(b"piboard-join-link:" + signing_key.encode()).digest()
        self._listeners: list[AccessListener] = []
        self._postgres = engine.dialect.name == "postgresql"

    def _token_for(self, link_id: str) -> str:
        digest = hmac.new(self._link_key, link_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def on_access_change(self, listener: AccessListener) -> None:
        """``listener(board_id)`` runs after a link is revoked or a participant removed or merged."""
        self._listeners.append(listener)

    def _access_changed(self, conn: Connection, board_id: str) -> None:
        """Inside the changing transaction: other processes hear of it when (and if) it commits."""
        if self._postgres:
            conn.execute(text("SELECT pg_notify(:ch, :board)"), {"ch": ACCESS_CHANNEL, "board": board_id})

    def _tell(self, board_id: str) -> None:
        for listener in self._listeners:
            listener(board_id)

    def create_link(self, board_id: str, role: Role, team_id: str | None = None, label: str = "") -> JoinLink:
        if role == Role.TEAM and not team_id:
            raise Invalid("a team join link names its team")
        if role != Role.TEAM and team_id:
            raise Invalid("only team links name a team")
        link_id = new_id()
        token = self._token_for(link_id)
        created = utcnow()
        label = LINK_LABEL.clean("link_label", label)  # before the row: PostgreSQL fails on a NUL
        link = JoinLink(link_id, board_id, role, team_id, label, False, token, created)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                insert(LINK).values(
                    id=link.id,
                    board_id=board_id,
                    token_hash=_hash(token),
                    role=role.value,
                    team_id=team_id,
                    label=link.label,
                    created_at=created,
                )
            )
        return link

    def links(self, board_id: str) -> list[JoinLink]:
        """Every link of the board, oldest first, with how often it was used and, while it is live,
        its token (recomputed; a link whose stored hash does not match has none to show)."""
        uses = (
            select(PARTICIPANT.c.link_id, func.count().label("uses"))
            .where(PARTICIPANT.c.board_id == board_id)
            .group_by(PARTICIPANT.c.link_id)
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LINK, func.coalesce(uses.c.uses, 0).label("uses"))
                .outerjoin(uses, uses.c.link_id == LINK.c.id)
                .where(LINK.c.board_id == board_id)
                .order_by(LINK.c.created_at, LINK.c.id)
            ).all()
        out = []
        for r in rows:
            token = self._token_for(r.id)
            live = r.revoked_at is None and hmac.compare_digest(_hash(token), r.token_hash)
            out.append(
                JoinLink(
                    r.id,
                    r.board_id,
                    Role(r.role),
                    r.team_id,
                    r.label,
                    r.revoked_at is not None,
                    token if live else None,
                    r.created_at,
                    int(r.uses),
                )
            )
        return out

    def revoke(self, board_id: str, link_id: str) -> None:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            done = conn.execute(
                update(LINK)
                .where(LINK.c.id == link_id, LINK.c.board_id == board_id, LINK.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            if done.rowcount == 0:
                raise NotFound("no such active join link on this board")
            self._access_changed(conn, board_id)
        self._tell(board_id)

    def link_for_token(self, token: str) -> JoinLink:
        with self.engine.connect() as conn:
            row = conn.execute(select(LINK).where(LINK.c.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            raise Forbidden("this join link is not valid (revoked or mistyped); ask the RTE for a new one")
        return JoinLink(row.id, row.board_id, Role(row.role), row.team_id, row.label, False)

    def join(
        self, token: str, name: str, session: str | None = None, *, remote: bool = False
    ) -> tuple[Actor, str]:
        """Join with a link and a name, in the room or ``remote``; returns the actor and its signed
        session. A browser that joined with this link before (its ``session``) returns to the same
        participant (one person, one vote), now where they say they are."""
        name = participant_name(name)
        link = self.link_for_token(token)
        returning = self.returning(link, session)
        if returning is not None and session is not None:
            self.set_remote(link.board_id, returning.id, remote)
            return returning, session
        participant_id = new_id()
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                insert(PARTICIPANT).values(
                    id=participant_id,
                    board_id=link.board_id,
                    link_id=link.id,
                    name=name,
                    created_at=utcnow(),
                    remote=remote,
                )
            )
        actor = Actor(participant_id, name, link.role, link.team_id)
        return actor, self._signer.dumps({"p": participant_id, "b": link.board_id})

    def returning(self, link: JoinLink, session: str | None) -> Actor | None:
        """The participant this browser already is on the link's board, if it joined with this link."""
        try:
            participant_id = self._participant_named(link.board_id, session)
        except Unauthenticated:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(PARTICIPANT.c.link_id).where(
                    PARTICIPANT.c.id == participant_id, PARTICIPANT.c.board_id == link.board_id
                )
            ).first()
        if row is None or row.link_id != link.id:
            return None
        try:
            return self.actor(link.board_id, session)
        except Unauthenticated:
            return None

    def actor(self, board_id: str, session: str | None) -> Actor:
        """The participant a session belongs to (or the one it was merged into), if it is valid for
        this board, not removed, and its link not revoked."""
        return self.actor_and_place(board_id, session)[0]

    def actor_and_place(self, board_id: str, session: str | None) -> tuple[Actor, bool]:
        """:meth:`actor`, and whether they take part remotely, in one read."""
        answer = self.actors_and_places(board_id, [session])[session]
        if isinstance(answer, Unauthenticated):
            raise answer
        return answer

    def actors_and_places(
        self, board_id: str, sessions: Collection[str | None]
    ) -> dict[str | None, tuple[Actor, bool] | Unauthenticated]:
        """:meth:`actor_and_place` of many sessions at once, each answer or why it has none, in a read or
        two for them all: a room reconnecting at once asks about 150 people together, and the sockets of
        a board are all looked at again when its access changes."""
        answers: dict[str | None, tuple[Actor, bool] | Unauthenticated] = {}
        wanted: dict[str | None, str] = {}  # session -> the participant it names
        for session in sessions:
            try:
                wanted[session] = self._participant_named(board_id, session)
            except Unauthenticated as refusal:
                answers[session] = refusal
        rows: dict[str, Any] = {}
        if wanted:
            with self.engine.connect() as conn:
                rows = self._participants(conn, board_id, set(wanted.values()))
                merged_into = {row.merged_into for row in rows.values() if row.merged_into is not None}
                rows.update(self._participants(conn, board_id, merged_into - rows.keys()))
        for session, participant_id in wanted.items():
            row = rows.get(participant_id)
            if row is not None and row.merged_into is not None:
                row = rows.get(row.merged_into)
            answers[session] = self._actor_and_place(row)
        return answers

    def _participant_named(self, board_id: str, session: str | None) -> str:
        """The participant id a session of this board names; Unauthenticated if it names none."""
        if not session:
            raise Unauthenticated("join this board first: open your join link")
        try:
            payload = self._signer.loads(session)
        except BadSignature:
            raise Unauthenticated("this session is not valid; open your join link again") from None
        if not isinstance(payload, dict) or payload.get("b") != board_id:
            raise Unauthenticated("this session belongs to another board")
        participant_id = payload.get("p")
        if not isinstance(participant_id, str):
            raise Unauthenticated(_UNKNOWN_SESSION)
        return participant_id

    @staticmethod
    def _actor_and_place(row: Any) -> tuple[Actor, bool] | Unauthenticated:
        if row is None:
            return Unauthenticated(_UNKNOWN_SESSION)
        if row.removed_at is not None:
            return Unauthenticated("the RTE removed you from this board; ask them for a join link")
        if row.revoked_at is not None:
            return Unauthenticated("your join link was revoked by the RTE")
        # A name stored before names were checked is shown repaired rather than breaking every frame.
        return Actor(row.id, repaired(row.name)[0], Role(row.role), row.team_id), bool(row.remote)

    # --- where a participant takes part: in the room or remote ------------------------------------

    def is_remote(self, board_id: str, participant_id: str) -> bool:
        with self.engine.connect() as conn:
            remote = conn.execute(
                select(PARTICIPANT.c.remote).where(
                    PARTICIPANT.c.id == participant_id, PARTICIPANT.c.board_id == board_id
                )
            ).scalar()
        return bool(remote)

    def set_remote(self, board_id: str, participant_id: str, remote: bool) -> None:
        """Told like a change of access, so the sockets of this person on every process are looked at
        again (server/live/access.py) and their presence says where they are now."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                update(PARTICIPANT)
                .where(PARTICIPANT.c.id == participant_id, PARTICIPANT.c.board_id == board_id)
                .values(remote=remote)
            )
            self._access_changed(conn, board_id)
        self._tell(board_id)

    @staticmethod
    def _participants(conn: Connection, board_id: str, participant_ids: set[str]) -> dict[str, Any]:
        """The rows of these participants that exist on the board (with their link's role, team and
        revocation), by id."""
        ids = sorted(participant_ids)
        found: dict[str, Any] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            rows = conn.execute(
                _PARTICIPANTS, {"board_id": board_id, "ids": ids[start : start + _IDS_PER_QUERY]}
            )
            found.update({row.id: row for row in rows})
        return found

    # --- the RTE's view of who joined -------------------------------------------------------------

    def participants(self, board_id: str) -> list[Participant]:
        """Everyone who joined the board and is neither merged into another nor removed."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PARTICIPANT, LINK.c.role, LINK.c.team_id, LINK.c.revoked_at)
                .join(LINK, LINK.c.id == PARTICIPANT.c.link_id)
                .where(
                    PARTICIPANT.c.board_id == board_id,
                    PARTICIPANT.c.merged_into.is_(None),
                    PARTICIPANT.c.removed_at.is_(None),
                )
                .order_by(PARTICIPANT.c.created_at)
            )
            return [
                Participant(
                    r.id,
                    repaired(r.name)[0],
                    Role(r.role),
                    r.team_id,
                    r.link_id,
                    r.created_at,
                    r.revoked_at is not None,
                    bool(r.remote),
                )
                for r in rows
            ]

    def merge(self, board_id: str, source: str, into: str) -> None:
        """``source`` was the same person as ``into``: its sessions (and those merged into it) become
        ``into``'s. Their ballots are merged by the ``vote.merge_voter`` op (server/doors/people.py)."""
        active = {p.id for p in self.participants(board_id)}
        if source == into or source not in active or into not in active:
            raise NotFound("choose two different people who are on this board")
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(
                update(PARTICIPANT)
                .where(PARTICIPANT.c.board_id == board_id, PARTICIPANT.c.merged_into == source)
                .values(merged_into=into)
            )
            conn.execute(update(PARTICIPANT).where(PARTICIPANT.c.id == source).values(merged_into=into))
            self._access_changed(conn, board_id)
        self._tell(board_id)

    def remove(self, board_id: str, participant_id: str) -> None:
        """End a participant's sessions for good (not a person of this train, or a leftover)."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            done = conn.execute(
                update(PARTICIPANT)
                .where(
                    PARTICIPANT.c.id == participant_id,
                    PARTICIPANT.c.board_id == board_id,
                    PARTICIPANT.c.removed_at.is_(None),
                )
                .values(removed_at=utcnow())
            )
            if done.rowcount == 0:
                raise NotFound("no such participant on this board")
            self._access_changed(conn, board_id)
        self._tell(board_id)


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    role: Role
    team_id: str | None
    link_id: str
    joined_at: datetime
    link_revoked: bool
    remote: bool = False


def same_person_key(name: str) -> str:
    """Names that differ only in case and spacing are taken for the same person."""
    return " ".join(name.casefold().split())


def likely_duplicates(people: list[Participant]) -> list[list[Participant]]:
    """Groups of participants with the same name (as ``same_person_key`` sees it), oldest first."""
    groups: dict[str, list[Participant]] = {}
    for person in people:
        groups.setdefault(same_person_key(person.name), []).append(person)
    return [group for group in groups.values() if len(group) > 1]

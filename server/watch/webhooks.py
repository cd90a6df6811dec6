"""Alerts posted to a board's webhook: the JSON Slack and Microsoft Teams incoming webhooks take.

After a change (or the clock closing an iteration) the alerts that hold now are compared with the
ones the webhook was told of; the new ones are posted, with retries, and every attempt is logged.
A webhook is the board's integration setting, not part of the plan: setting it is no op, and a
failed post changes nothing on the board or in its event log.

Several server processes on one PostgreSQL database all see the same changes and the same clock,
so each would post the same alerts. A process claims the alerts it is about to post in the
database first (the webhook row's ``sent`` list, under that row's write lock): a process that
comes second finds them claimed and posts nothing. A post that fails for good hands its alerts
back, to be posted with the next change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from board import BoardState
from board.errors import Invalid
from board.execution import Alert, AlertKind
from board.fields import require_text
from board.forecast import alerts_with_forecast
from server.clock import Clock
from server.store.board_store import BoardStore
from server.store.db import WebhookDeliveryRow, WebhookRow
from server.watch import outbound

log = logging.getLogger("piboard.webhooks")

WEBHOOK = WebhookRow.__table__  # type: ignore[attr-defined]

MAX_URL = 500
DEBOUNCE_SECONDS = 1.0
FORECAST_KEY = f"{AlertKind.LIKELY_LATE.value}|"


def check_url(url: str) -> str:
    """An http(s) URL with a host, or a refusal that says why."""
    url = url.strip()
    require_text("webhook URL", url)
    if len(url) > MAX_URL:
        raise Invalid(f"the webhook URL is longer than {MAX_URL} characters")
    outbound.check_url(url, "the webhook URL")
    return url


def payload(board_name: str, base_url: str, new: Sequence[Alert]) -> dict[str, Any]:
    """``text`` is what Slack and Teams show; ``alerts`` is for programs."""
    lines = [f"piboard · {board_name}: {len(new)} new alert{'s' if len(new) != 1 else ''}"]
    lines += [f"• {a.kind.value.replace('_', ' ').upper()}: {a.text}" for a in new]
    if base_url:
        lines.append(base_url)
    return {
        "text": "\n".join(lines),
        "alerts": [
            {
                "kind": a.kind.value,
                "item_kind": a.item_kind,
                "item_id": a.item_id,
                "team_ids": list(a.team_ids),
                "text": a.text,
            }
            for a in new
        ],
    }


@dataclass(frozen=True)
class Delivery:
    """One attempt to post alerts to the webhook, and the answer it got."""

    at: str
    attempt: int
    alerts: int
    status_code: int | None
    ok: bool
    error: str


class Webhooks:
    def __init__(
        self,
        engine: Engine,
        store: BoardStore,
        clock: Clock,
        retry_delays: Sequence[float] = (1.0, 5.0, 30.0),
        public_url: str = "",
    ) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.public_url = public_url.rstrip("/")
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[int]] = set()

    # --- settings (the RTE's) --------------------------------------------------------------------

    def boards(self) -> list[str]:
        """The boards that have a webhook."""
        with Session(self.engine) as db:
            return list(db.exec(select(WebhookRow.board_id)).all())

    def url_of(self, board_id: str) -> str:
        with Session(self.engine) as db:
            row = db.get(WebhookRow, board_id)
            return row.url if row else ""

    def set_url(self, board_id: str, url: str) -> None:
        """Set (or with an empty ``url``, remove) the board's webhook. A new URL is told only of
        alerts that arise from now on, not of everything that holds already."""
        url = check_url(url) if url.strip() else ""
        state = self.store.state(board_id)
        keys = [_key(a) for a in self._alerts(state)] if url else []
        # The write lock up front (BEGIN IMMEDIATE on SQLite): a read first, then a write, fails at
        # once with "database is locked" if a delivery was logged in between.
        with (
            self.engine.connect().execution_options(write=True) as conn,
            conn.begin(),
            Session(bind=conn) as db,
        ):
            row = db.get(WebhookRow, board_id)
            if not url:
                if row is not None:
                    db.delete(row)
            else:
                db.merge(WebhookRow(board_id=board_id, url=url, sent=keys))
            db.flush()

    def deliveries(self, board_id: str, limit: int = 20) -> list[Delivery]:
        with Session(self.engine) as db:
            rows = db.exec(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.board_id == board_id)
                .order_by(col(WebhookDeliveryRow.id).desc())
                .limit(limit)
            ).all()
        return [
            Delivery(
                at=r.at.isoformat(timespec="seconds"),
                attempt=r.attempt,
                alerts=r.alerts,
                status_code=r.status_code,
                ok=r.ok,
                error=r.error,
            )
            for r in rows
        ]

    # --- what to post --------------------------------------------------------------------------

    def _alerts(self, state: BoardState) -> list[Alert]:
        meta = state.meta
        if not meta.execution_started:
            return []
        baseline = self.store.state_at(state.board_id, meta.baseline_seq) if meta.baseline_seq else state
        return alerts_with_forecast(state, self.clock.today(), baseline, meta.velocity_threshold)

    def _claim_new(self, board_id: str) -> tuple[str, str, list[Alert]] | None:
        """The webhook's URL, the board's name and the alerts no process has posted or is posting
        yet, now claimed by this one; None if the board has no webhook."""
        with Session(self.engine) as db:
            if db.get(WebhookRow, board_id) is None:
                return None
        state = self.store.state(board_id)
        holding = self._alerts(state)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            found = _locked_row(conn, board_id)
            if found is None:
                return None
            url, claimed = found
            # A forecast alert goes out once per crossing: one that no longer holds is forgotten, so
            # falling below the threshold again is news (the rules' alerts go out once, ever).
            holding_keys = {_key(a) for a in holding}
            sent = {k for k in claimed if not k.startswith(FORECAST_KEY) or k in holding_keys}
            new = [a for a in holding if _key(a) not in sent]
            if new or sent != claimed:
                _set_sent(conn, board_id, sent | {_key(a) for a in new})
        return url, state.meta.name, new

    def _hand_back(self, board_id: str, alerts_not_posted: Sequence[Alert]) -> None:
        """Alerts whose post failed for good: no longer claimed, so the next change posts them."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            found = _locked_row(conn, board_id)
            if found is not None:
                _set_sent(conn, board_id, found[1] - {_key(a) for a in alerts_not_posted})

    def _log(self, board_id: str, attempt: int, count: int, status: int | None, ok: bool, error: str) -> None:
        with Session(self.engine) as db:
            db.add(
                WebhookDeliveryRow(
                    board_id=board_id,
                    attempt=attempt,
                    alerts=count,
                    status_code=status,
                    ok=ok,
                    error=error[:300],
                )
            )
            db.commit()

    # --- posting --------------------------------------------------------------------------------

    def soon(self, board_id: str) -> None:
        """Check the board shortly (changes come in bursts: one post for a burst). Call on the loop."""
        if board_id in self._pending:
            return
        loop = asyncio.get_running_loop()
        self._pending[board_id] = loop.call_later(DEBOUNCE_SECONDS, self._start_check, board_id)

    def _start_check(self, board_id: str) -> None:
        self._pending.pop(board_id, None)
        task = asyncio.create_task(self.check(board_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def check(self, board_id: str) -> int:
        """Post what is new for the board's webhook; returns how many alerts were delivered."""
        claimed = await run_in_threadpool(self._claim_new, board_id)
        if claimed is None or not claimed[2]:
            return 0
        url, name, new = claimed
        base = f"{self.public_url}/b/{board_id}/sync" if self.public_url else ""
        if await self._post(board_id, url, payload(name, base, new), len(new)):
            return len(new)
        await run_in_threadpool(self._hand_back, board_id, new)
        return 0

    async def _post(self, board_id: str, url: str, body: dict[str, Any], count: int) -> bool:
        attempts = len(self.retry_delays) + 1
        transport = outbound.AsyncGuardedTransport()
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False, transport=transport) as client:
            for attempt in range(1, attempts + 1):
                status: int | None = None
                refused = False
                try:
                    response = await client.post(url, json=body)
                    status = response.status_code
                    ok, error = response.is_success, "" if response.is_success else response.text[:200]
                except outbound.OutboundRefused as exc:  # no retry reaches it: said once, in the log
                    ok, error, refused = False, f"not sent: {exc.reason}", True
                    log.warning("webhook of board %s not sent: %s", board_id, exc.reason)
                except httpx.HTTPError as exc:
                    ok, error = False, f"{type(exc).__name__}: {exc}"
                await run_in_threadpool(self._log, board_id, attempt, count, status, ok, error)
                if ok:
                    return True
                if refused:
                    return False
                if attempt < attempts:
                    await asyncio.sleep(self.retry_delays[attempt - 1])
        log.warning(
            "webhook of board %s failed %d times; the alerts are posted with the next change",
            board_id,
            attempts,
        )
        return False

    async def stop(self) -> None:
        for handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
        for task in list(self._running):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _key(alert: Alert) -> str:
    return "|".join(alert.key)


def _locked_row(conn: Connection, board_id: str) -> tuple[str, set[str]] | None:
    """The board's webhook URL and claimed alerts, its row locked until the transaction ends
    (``FOR UPDATE`` on PostgreSQL; on SQLite the write transaction holds the whole database)."""
    query = WEBHOOK.select().where(WEBHOOK.c.board_id == board_id).with_for_update()
    row = conn.execute(query).first()
    return None if row is None else (row.url, set(row.sent))


def _set_sent(conn: Connection, board_id: str, keys: set[str]) -> None:
    conn.execute(update(WEBHOOK).where(WEBHOOK.c.board_id == board_id).values(sent=sorted(keys)))

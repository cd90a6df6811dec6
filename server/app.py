"""The application factory."""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError

from board.core import Committed
from board.errors import PiboardError
from server.clock import CLOCK
from server.doors import (
    boards,
    capabilities,
    files,
    forms,
    health,
    history,
    join,
    links,
    live_socket,
    meeting,
    pages,
    people,
    people_place,
    solution_board,
    solution_exports,
    solution_plan,
    solution_socket,
    solutions,
    sync,
    tracker_forms,
    trackers,
    webhooks,
)
from server.doors.deps import Services
from server.doors.error_handlers import (
    database_unavailable_handler,
    file_refused_handler,
    piboard_error_handler,
    request_validation_handler,
)
from server.doors.limits import RateLimiter
from server.doors.middleware import Compression, JsonBodies, LimitsAndHeaders
from server.doors.origin import CrossSiteFormGuard
from server.live.access import AccessWatch
from server.live.collector import QuietCollector
from server.live.hub import Hub
from server.live.listen_bridge import ListenBridge
from server.live.presence_bridge import PRESENCE_CHANNEL, PresenceBridge
from server.pages.templating import STATIC
from server.settings import Settings, get_settings
from server.store.auth import ACCESS_CHANNEL
from server.store.db import close_engine
from server.store.solutions import SOLUTION_CHANNEL
from server.store.storage import open_storage
from server.transfer.common import FileRefused
from server.transfer.files import Baselines
from server.version import __version__
from server.watch.cross_train import CrossTrainWatch
from server.watch.execution import ExecutionWatch
from server.watch.trackers.push import TrackerPush
from server.watch.trackers.sync import TrackerSync
from server.watch.trackers.watch import TrackerWatch
from server.watch.trackers.write_back import TrackerWriteBack
from server.watch.webhooks import Webhooks

# The event loop's thread sends to every screen while worker threads commit ops, and SQLite gives up
# and takes back the GIL at every statement: with CPython's default 5 ms switch interval, each take-back
# waits out the loop's turn, a commit takes tens of milliseconds during a broadcast and edits queue up.
# Handing the GIL over every 0.5 ms keeps commits quick (bench/fanout.py, 1,000 screens at 20 edits/s:
# p99 from seconds to about 50 ms).
GIL_SWITCH_SECONDS = 0.0005


def build_services(settings: Settings) -> Services:
    storage = open_storage(settings)
    tracker_sync = TrackerSync(storage.op_path, storage.trackers)
    return Services(
        storage.settings,
        storage.engine,
        storage.op_path,
        storage.auth,
        storage.trackers,
        limiter=RateLimiter(settings.ops_per_second, settings.ops_burst),
        webhooks=Webhooks(
            storage.engine, storage.op_path, CLOCK, settings.webhook_retry_delays, settings.public_url
        ),
        clock=CLOCK,
        history_reads=RateLimiter(
            settings.history_reads_per_second, settings.history_reads_burst, "history reads"
        ),
        exports=RateLimiter(2.0, 30, "downloads", "wait and retry"),
        new_boards=RateLimiter(
            settings.boards_per_hour / 3600,
            settings.boards_burst,
            "new boards from this address",
            "wait and retry",
        ),
        joins=RateLimiter(
            settings.joins_per_minute / 60, settings.joins_burst, "joins from this address", "wait and retry"
        ),
        baselines=Baselines(storage.op_path),
        tracker_sync=tracker_sync,
        tracker_watch=TrackerWatch(storage.trackers, tracker_sync, tick=settings.tracker_tick),
        tracker_push=TrackerPush(storage.op_path, storage.trackers),
        tracker_write_back=TrackerWriteBack(storage.op_path, storage.trackers),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = build_services(settings)
    hub = Hub(services.op_path, settings)
    access = AccessWatch(hub, services.auth, functools.partial(live_socket.authenticate, services))
    services.auth.on_access_change(access.changed)
    solution_followers = solution_socket.Followers()
    services.solutions.on_change(solution_followers.changed)
    cross_train = services.cross_train  # from now on, a commit on a train reaches the other trains

    # Several processes on PostgreSQL: presence is shared through the database too.
    presence = None if settings.is_sqlite else PresenceBridge(services.engine, hub, 3 * settings.ws_heartbeat)

    def recheck_all() -> None:
        for board_id in list(hub.channels):
            access.changed(board_id)
        if presence is not None:
            presence.recheck_all()
        solution_followers.all_changed()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        if not gc.get_freeze_count():
            # The application's own objects (modules, routes, templates: ~150,000 of them) live as long
            # as the process. Left to the collector, each of its full passes walks them all on the event
            # loop (250 ms on the loaded bench machine); frozen, a pass walks only what came since.
            # Once per process (a test run starts many apps); the quiet collector freezes what each of
            # its passes keeps, and thaws it all now and then (server/live/collector.py).
            gc.collect()
            gc.freeze()
        await hub.start()
        # What a process that stopped between a change and its other side's write left undone.
        await asyncio.to_thread(cross_train.reconcile_all)
        collector = QuietCollector(lambda: hub.busy_at)
        app.state.collector = collector
        hooks = services.webhooks
        watch = ExecutionWatch(
            hub,
            services.op_path,
            CLOCK,
            settings.execution_tick,
            on_change=hooks.soon,
            also_watch=hooks.boards,
        )
        app.state.execution_watch = watch
        loop = asyncio.get_running_loop()

        # Alerts follow changes: after a commit (in a worker thread), look for new ones on the loop.
        def look_for_alerts(board_id: str, _events: list[Committed]) -> None:
            loop.call_soon_threadsafe(hooks.soon, board_id)

        services.op_path.on_commit(look_for_alerts)

        # A board's standing with its tracker changed (unreachable, paused, back): its screens say so.
        # Called in the sync's worker thread: the board is read there, the screens told on the loop.
        def tracker_status_changed(board_id: str) -> None:
            loop.call_soon_threadsafe(hub.refresh, services.op_path.state(board_id))

        services.tracker_sync.on_status = tracker_status_changed
        access.start()
        solution_followers.start()
        # Several processes on PostgreSQL: other processes' commits reach this hub through LISTEN,
        # and so do their changes of access (a revoked link ends its sockets on every process).
        bridge = (
            None
            if settings.is_sqlite
            else ListenBridge(
                settings.database_url,
                hub,
                hub.channels.keys,
                channels={
                    ACCESS_CHANNEL: access.changed,
                    SOLUTION_CHANNEL: solution_followers.changed,
                    PRESENCE_CHANNEL: presence.heard if presence is not None else access.changed,
                },
                on_connect=recheck_all,
            )
        )
        app.state.listen_bridge = bridge
        trackers = services.tracker_watch
        reconciling = CrossTrainWatch(cross_train)
        background = [
            task for task in (collector, watch, trackers, bridge, presence, reconciling) if task is not None
        ]
        for task in background:
            task.start()
        yield
        try:
            for task in reversed(background):
                await task.stop()
            await hooks.stop()
            await hub.stop()
        finally:  # whatever fails on the way down, the database's connections are closed
            await asyncio.to_thread(services.op_path.close)  # the snapshots handed over are stored first
            await asyncio.to_thread(close_engine, services.engine)

    app = FastAPI(
        title="piboard",
        summary="A real-time PI Planning board for an Agile Release Train.",
        version=__version__,
        lifespan=lifespan,
        # FastAPI's API pages load Swagger UI and ReDoc from a CDN: a server told never to call out
        # (PIBOARD_HTMX_CDN=false) keeps only /openapi.json.
        docs_url="/docs" if settings.htmx_cdn else None,
        redoc_url="/redoc" if settings.htmx_cdn else None,
    )
    app.state.services = services
    app.state.hub = hub
    app.state.access = access
    app.state.solution_followers = solution_followers
    app.add_exception_handler(PiboardError, piboard_error_handler)
    app.add_exception_handler(FileRefused, file_refused_handler)
    app.add_exception_handler(OperationalError, database_unavailable_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_middleware(JsonBodies, skip=files.IMPORT_PATHS)
    app.add_middleware(CrossSiteFormGuard, public_url=settings.public_url, trusted_proxies=settings.proxies)
    app.add_middleware(
        LimitsAndHeaders, max_body=settings.max_body_bytes, route_limits=files.body_limits(settings)
    )
    # Outermost: every answer that leaves is compressed when the browser accepts it (streamed ones
    # chunk by chunk); the static files come gzipped already.
    app.add_middleware(Compression)
    app.mount(STATIC.prefix, STATIC, name="static")
    for router in (
        health.router,
        files.router,
        boards.router,
        links.router,
        join.router,
        forms.router,
        live_socket.router,
        solution_socket.router,
        pages.home_router,
        pages.router,
        pages.screen_router,
        meeting.router,
        meeting.links_router,
        people.router,
        people_place.router,
        sync.router,
        history.router,
        webhooks.router,
        links.join_router,
        webhooks.form_router,
        trackers.router,
        trackers.hooks_router,
        trackers.form_router,
        tracker_forms.form_router,
        solutions.router,
        solutions.train_router,
        solutions.page_router,
        capabilities.router,
        capabilities.page_router,
        solution_board.router,
        solution_exports.router,
        solution_plan.router,
        solution_plan.page_router,
    ):
        app.include_router(router)
    return app

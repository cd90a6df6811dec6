"""The ``piboard`` command: serve the board, make the demo, upgrade the database.

Each command imports what it needs when it runs: ``piboard --help`` (or a typo) answers at once
instead of loading the web application, the database layer and every export format first
(bench/cli_startup.py measures it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from board.model import Role

if TYPE_CHECKING:
    from board.roles import Actor
    from server.settings import Settings
    from server.store.storage import Storage
    from server.transfer.common import FileRefused
    from server.transfer.files import Progress
    from server.transfer.jira_preview import JiraPreview


class _Commands(typer.Typer):
    """The command line's one answer to what it refuses: the reason on stderr and exit code 1, never a
    traceback. That is any command's refusal (a name a board refuses, a board that does not exist), and
    an argument that is not UTF-8 text (bytes the terminal could not decode), refused before it runs."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from board.errors import PiboardError

        given = kwargs.get("args", sys.argv[1:])
        for arg in given or ():
            if any("\ud800" <= char <= "\udfff" for char in str(arg)):
                typer.echo(f"error: an argument is not UTF-8 text: {arg!a}", err=True)
                sys.exit(2)
        try:
            return super().__call__(*args, **kwargs)
        except PiboardError as exc:
            typer.echo(f"error: {exc.reason}", err=True)
            sys.exit(1)


app = _Commands(help="piboard: a real-time PI Planning board.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")


def _settings() -> Settings:
    from server.settings import get_settings

    return get_settings()


def _storage() -> Storage:
    """The database side only: no command but ``serve`` builds the web application."""
    from server.store.storage import open_storage

    return open_storage(_settings())


def _cli_actor() -> Actor:
    from board.roles import Actor

    # Whoever runs the command line runs the server: they act as the RTE.
    return Actor(id="cli", name="Command line", role=Role.RTE)


def _base_url(host: str, port: int) -> str:
    return _settings().public_url or f"http://{host}:{port}"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (bench/fanout.py runs the same)."""
    # Frames a little over the limit get the door's "too_large" answer; far bigger ones are cut off by
    # the websocket layer (close 1009) before they are ever held in memory whole.
    # Per-message compression only where it pays (server/doors/deflate.py): it compresses every frame
    # once per connection (a deflate context each), the largest cost of a broadcast to a thousand
    # screens on the room's LAN; a remote browser on a slow link gets updates 5-7 times smaller.
    from server.doors.deflate import live_protocol

    return {
        "ws": live_protocol(settings),
        "ws_max_size": 4 * settings.max_ws_message_bytes,
        "ws_per_message_deflate": settings.ws_deflate != "off",
    }


def _print_version(wanted: bool) -> None:
    if wanted:
        from server.version import __version__

        typer.echo(f"piboard {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Options before any command (only --version)."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 0,
) -> None:
    """Serve the board. On first start with an empty database, the demo ART is created."""
    import uvicorn

    from server.app import create_app
    from server.store.provision import ensure_demo

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    from server.version import __version__

    typer.echo(f"piboard {__version__}")
    typer.echo(f"  URL:      {_base_url(host, port)}")
    typer.echo(f"  database: {settings.database_label()}")
    typer.echo(f"  secret:   {settings.secret_label()}")
    fastapi_app = create_app(settings)
    if settings.demo_on_empty:
        token = ensure_demo(fastapi_app.state.services)
        if token:
            typer.echo(f"Demo ART created. Open as RTE: {_base_url(host, port)}/join/{token}")
    uvicorn.run(fastapi_app, host=host, port=port, log_level="info", **uvicorn_options(settings))


@app.command()
def demo(name: Annotated[str, typer.Option(help="Name of the demo board.")] = "Demo ART") -> None:
    """Create a demo ART (8 teams, 5 iterations + IP, features, stories, dependencies, risks)."""
    from server.store.provision import create_board_with_rte

    board_id, token, _ = create_board_with_rte(_storage(), name, demo=True)
    base = _base_url(_settings().host, _settings().port)
    typer.echo(f"Board {board_id} created. Open as RTE: {base}/join/{token}")


@app.command()
def link(
    board: Annotated[str, typer.Argument(help="Board id.")],
    role: Annotated[Role, typer.Option(help="Role the link grants.")] = Role.RTE,
    team: Annotated[str | None, typer.Option(help="Team id, for a team link.")] = None,
) -> None:
    """Make a new join link (for example when the RTE's link was lost)."""
    storage = _storage()
    storage.op_path.state(board)
    made = storage.auth.create_link(board, role, team, label=f"{role.value} (command line)")
    typer.echo(f"{_base_url(_settings().host, _settings().port)}/join/{made.token}")


@contextmanager
def _progress_bar(what: str) -> Iterator[Progress | None]:
    """A progress bar on stderr; the work reports ``(done, total, step)``. Only on a terminal: the bar
    disappears when done, so elsewhere (a script, a pipe) it would show nothing and only cost the
    start-up of its library."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Bar(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int, step: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{what}: {step}")

        yield advance


def _refused(exc: FileRefused) -> typer.Exit:
    typer.echo("Not imported, nothing was changed:", err=True)
    for problem in exc.problems:
        typer.echo(f"  {problem}", err=True)
    return typer.Exit(code=1)


@db_app.command("check")
def db_check() -> None:
    """Read every board whole and list stored rows that cannot be read as stored (written by an older
    piboard: broken text, items that no longer decode). Boards open anyway; exit code 1 if any."""
    from server.store.row_problems import scan_board

    storage = _storage()
    found = 0
    for board in storage.op_path.boards():
        for problem in scan_board(storage.op_path, board["id"]):
            found += 1
            typer.echo(f"board {problem.board_id}: {problem.row} {problem.problem}")
    typer.echo(f"{found} problem(s) found." if found else "Every stored row reads cleanly.", err=True)
    if found:
        raise typer.Exit(code=1)


@app.command("export")
def export(
    board: Annotated[str, typer.Argument(help="Board id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write ('-': standard output).")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="json, zip, csv:PART (features, stories, dependencies, …), jira, svg, png, html, pdf.",
        ),
    ] = "json",
) -> None:
    """Write an export of a board (with the baseline diff once a baseline was taken)."""
    from board.errors import PiboardError
    from server.transfer import files as export_door

    if fmt not in export_door.format_names():
        raise typer.BadParameter(
            f"choose one of {', '.join(export_door.format_names())}", param_hint="--format"
        )
    storage = _storage()
    try:
        with _progress_bar(f"exporting {fmt}") as progress:
            file = export_door.export_file(
                storage.op_path, export_door.Baselines(storage.op_path), board, fmt, progress=progress
            )
    except PiboardError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    if str(output) == "-":
        sys.stdout.buffer.write(file.content)
        return
    output.write_bytes(file.content)
    typer.echo(f"{output} ({len(file.content):,} bytes, {file.media_type})", err=True)


@app.command("import")
def import_(
    file: Annotated[
        Path | None,
        typer.Argument(help="A piboard JSON export: becomes a new board.", exists=True, dir_okay=False),
    ] = None,
    jira: Annotated[
        Path | None,
        typer.Option(
            help="A Jira CSV export: a new board, or into --board (re-import by key).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    board: Annotated[str | None, typer.Option(help="With --jira: the board to import into.")] = None,
    preview: Annotated[bool, typer.Option(help="With --jira: only show what would happen.")] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="With --jira: a mapping choice, e.g. type:Incident=story, sprint:Sprint 0=new, "
            "team=Team Name, points=Custom field (Story Points), removed=delete, conflicts=file (repeat it).",
        ),
    ] = None,
    default_team: Annotated[
        str | None, typer.Option(help="With --jira: the team of rows that name none.")
    ] = None,
    solution: Annotated[
        bool, typer.Option(help="FILE is a solution's JSON export: a new solution, a new board per train.")
    ] = False,
) -> None:
    """Import a JSON export as a new board (prints the RTE's join link), a solution's JSON export as a
    new solution (prints the STE's join link), or a Jira CSV export."""
    from board.errors import PiboardError
    from server.live.collector import no_full_collections
    from server.transfer import files as export_door
    from server.transfer.common import FileRefused

    if (file is None) == (jira is None):
        raise typer.BadParameter("give either FILE.json or --jira FILE.csv")
    source = file or jira
    assert source is not None
    settings = _settings()
    if source.stat().st_size > settings.max_import_bytes:
        typer.echo(
            f"error: {source} is over max_import_bytes ({settings.max_import_bytes:,} bytes)", err=True
        )
        raise typer.Exit(code=1)
    choices = [*(map_ or []), *([f"default-team={default_team}"] if default_team is not None else [])]
    try:
        # The database's set-up (a new one is migrated) is part of the command, before the batch.
        with no_full_collections():
            storage = _storage()
            if jira is not None:
                _import_jira(storage, board, source.read_bytes(), choices, preview=preview)
                return
            if solution:
                _import_solution(storage, source)
                return
            # Read a piece at a time (server.transfer.json_stream), never held whole.
            with source.open("rb") as stream, _progress_bar("importing") as progress:
                board_id, events = export_door.import_board_file(storage.op_path, stream, progress=progress)
    except FileRefused as exc:
        raise _refused(exc) from None
    except PiboardError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    made = storage.auth.create_link(board_id, Role.RTE, label="RTE (import)")
    typer.echo(f"Board {board_id} imported ({events} events).", err=True)
    typer.echo(f"{_base_url(settings.host, settings.port)}/join/{made.token}")


def _import_solution(storage: Storage, source: Path) -> None:
    """A new solution from a solution's JSON export (server/transfer/solution_files.py); prints the STE's
    join link, then each new train's RTE's."""
    from server.transfer.solution_files import import_solution_file

    storage.cross_train  # noqa: B018 - hooked into the op path: the cross-train requests' mirrors are written
    with source.open("rb") as stream:
        made = import_solution_file(storage.op_path, storage.solutions, stream)
    base = _base_url(_settings().host, _settings().port)
    typer.echo(f"Solution {made.id} imported ({len(made.trains)} trains).", err=True)
    typer.echo(f"{base}/s/join/{made.ste_token}")
    for board_id, _ in made.trains:
        link = storage.auth.create_link(board_id, Role.RTE, label="RTE (import)")
        typer.echo(f"{base}/join/{link.token}")


def _import_jira(
    storage: Storage, board: str | None, data: bytes, choices: list[str], *, preview: bool
) -> None:
    """Into ``board``, or (none) a new board; prints every row's fate, then what happened."""
    from server.transfer import jira_import as jira_door

    new_board = None
    if board is None and preview:
        planned = jira_door.jira_preview_new_board(data, choices)
    elif board is None:
        new_board, planned = jira_door.jira_new_board(storage.op_path, data, choices)
    elif preview:
        _, planned = jira_door.jira_preview(storage.op_path, board, data, _cli_actor(), choices)
    else:
        planned, _ = jira_door.jira_apply(storage.op_path, board, data, _cli_actor(), choices)
    _print_preview(planned, preview=preview)
    if new_board is not None:
        made = storage.auth.create_link(new_board, Role.RTE, label="RTE (Jira import)")
        settings = _settings()
        typer.echo(f"Board {new_board} made from the Jira export.", err=True)
        typer.echo(f"board id: {new_board}")
        typer.echo(f"{_base_url(settings.host, settings.port)}/join/{made.token}")


def _print_preview(planned: JiraPreview, *, preview: bool) -> None:
    """Every row's fate, every link's, what is gone and not used, then the counts."""
    from server.transfer.jira_preview import SKIP

    for row in planned.rows:
        what = row.reason or "; ".join(f"{c.field}: {c.board} -> {c.file}" for c in row.changes)
        kind = f" {row.kind}" if row.fate != SKIP and row.kind in ("feature", "story") else ""
        typer.echo(f"line {row.line}: {row.key} ({row.type}) {row.fate}{kind}{': ' + what if what else ''}")
    for link in planned.links:
        typer.echo(
            f"line {link.line}: {link.provider} blocks {link.requester}: {link.fate} {link.reason}".rstrip()
        )
    for gone in planned.gone:
        typer.echo(f"gone from the file: {gone.key} {gone.title} ({gone.action})")
    for column in planned.unused_columns:
        typer.echo(f"not used: {column}")
    for problem in planned.warnings:
        typer.echo(f"warning: {problem}")
    counts, points = planned.counts(), planned.points()
    verb = "would be" if preview else "were"
    typer.echo(
        f"{counts['create']} {verb} created, {counts['update']} updated, {counts['skip']} skipped; "
        f"{counts['dependencies']} dependencies, {counts['orders']} story orders, "
        f"{counts['teams']} new teams, {counts['iterations']} new iterations; "
        f"points {points['file']} in the file, {points['board']} on the board"
    )


@app.command("sync")
def sync(
    board: Annotated[str, typer.Argument(help="Board id (connected to Jira or Azure DevOps on Admin).")],
    apply: Annotated[bool, typer.Option(help="Apply the first sync (without it: only its preview).")] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="First sync: a mapping choice, as for --jira (repeatable); kept."),
    ] = None,
    watch: Annotated[bool, typer.Option(help="Keep polling when due, until interrupted.")] = False,
) -> None:
    """Sync a board with its tracker once: the first sync's preview (or --apply), then a poll. With
    --watch, keep polling (each board is polled by one process at a time, the server's included)."""
    import time

    from board.errors import PiboardError
    from server.store.trackers import TrackerSettings
    from server.watch.trackers.errors import TrackerError
    from server.watch.trackers.sync import TrackerSync
    from server.watch.trackers.watch import TrackerWatch

    storage = _storage()
    status = storage.trackers.status(board)
    if status is None:
        typer.echo(f"error: board '{board}' is not connected to a tracker: connect it on Admin", err=True)
        raise typer.Exit(code=1)
    # Hooked into the op path as the server's: the tracker's changes to a train of a solution reach the
    # other trains' side of its cross-train dependencies right after each commit.
    storage.cross_train  # noqa: B018
    tracker_sync = TrackerSync(storage.op_path, storage.trackers)
    try:
        if status.state == "new":
            if map_:
                storage.trackers.connect(
                    board, TrackerSettings(**{**vars(status.settings), "choices": map_}), None
                )
            if not apply:
                planned, first = tracker_sync.first_preview(board, _cli_actor())
                _print_preview(planned, preview=True)
                typer.echo(
                    f"{len(first.issues)} issues read from {status.product_name}; --apply applies this."
                )
                return
            planned, applied = tracker_sync.first_apply(board, _cli_actor())
            typer.echo(f"first sync applied: {applied} changes")
    except (PiboardError, TrackerError) as exc:
        typer.echo(f"error: {getattr(exc, 'reason', exc)}", err=True)
        raise typer.Exit(code=1) from None
    poller = TrackerWatch(storage.trackers, tracker_sync)
    while True:
        status = storage.trackers.status(board)
        if status is None or status.state == "paused":
            typer.echo(f"error: {status.message if status else 'the board was disconnected'}", err=True)
            raise typer.Exit(code=1)
        if not watch or board in storage.trackers.due(poller.clock()):
            report = poller.poll_if_free(board)
            text = "another process is polling this board" if report is None else report.summary()
            typer.echo(f"{poller.clock():%H:%M:%S} {status.product_name}: {text}")
            if not watch:
                raise typer.Exit(code=1 if report is None or report.failed else 0)
        time.sleep(1.0)


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (must not exist yet).")],
) -> None:
    """Copy the database to FILE while the server keeps serving (SQLite's online backup; PostgreSQL's
    pg_dump)."""
    from server.store import backup_postgres
    from server.store.backup import BackupRefused
    from server.store.backup import backup as copy_sqlite

    settings = _settings()
    try:
        if settings.sqlite_file is not None:
            found = copy_sqlite(settings.sqlite_file, file)
            typer.echo(f"{file}: {found.describe()} (copied from {settings.sqlite_file})")
        else:
            size = backup_postgres.backup(settings.database_url, file)
            typer.echo(f"{file}: pg_dump archive, {size:,} bytes (of {settings.database_label()})")
    except BackupRefused as exc:
        typer.echo(f"error: {exc.reason}; nothing was written", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by 'piboard backup'.")],
    replace: Annotated[
        bool, typer.Option(help="Replace a database that holds boards (a copy of it is kept first).")
    ] = False,
) -> None:
    """Bring back a backup as the database, on stopped servers; then run the migrations."""
    from server.store import backup_postgres
    from server.store.backup import BackupRefused, contents
    from server.store.backup import restore as put_back_sqlite
    from server.store.db import upgrade

    settings = _settings()
    try:
        if settings.sqlite_file is not None:
            kept = put_back_sqlite(file, settings.sqlite_file, replace=replace)
        else:
            kept = backup_postgres.restore(
                file, settings.database_url, replace=replace, keep_in=settings.data_dir
            )
    except BackupRefused as exc:
        typer.echo(f"error: {exc.reason}; nothing was changed", err=True)
        raise typer.Exit(code=1) from None
    if kept is not None:
        typer.echo(f"the replaced database is kept as {kept}")
    upgrade(settings.database_url)
    held = f": {contents(settings.sqlite_file).describe()}" if settings.sqlite_file else ""
    typer.echo(f"{settings.database_label()}: restored from {file}{held}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (also done at every start)."""
    from server.store.db import upgrade

    upgrade(_settings().database_url)
    typer.echo("database is up to date")


if __name__ == "__main__":
    app()

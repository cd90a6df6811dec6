"""The ``piboard`` command: serve the board, make the demo, upgrade the database."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from board import Role
from server.app import build_services, create_app
from server.provision import create_board_with_rte, ensure_demo
from server.settings import get_settings

app = typer.Typer(help="piboard: a real-time PI Planning board.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")


def _base_url(host: str, port: int) -> str:
    return get_settings().public_url or f"http://{host}:{port}"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 0,
) -> None:
    """Serve the board. On first start with an empty database, the demo ART is created."""
    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    fastapi_app = create_app(settings)
    if settings.demo_on_empty:
        token = ensure_demo(fastapi_app.state.services)
        if token:
            typer.echo(f"Demo ART created. Open as RTE: {_base_url(host, port)}/join/{token}")
    typer.echo(f"piboard on {_base_url(host, port)} (database: {settings.database_url})")
    uvicorn.run(fastapi_app, host=host, port=port, ws="websockets-sansio", log_level="info")


@app.command()
def demo(name: Annotated[str, typer.Option(help="Name of the demo board.")] = "Demo ART") -> None:
    """Create a demo ART (8 teams, 5 iterations + IP, features, stories, dependencies, risks)."""
    services = build_services(get_settings())
    board_id, token, _ = create_board_with_rte(services, name, demo=True)
    base = _base_url(get_settings().host, get_settings().port)
    typer.echo(f"Board {board_id} created. Open as RTE: {base}/join/{token}")


@app.command()
def link(
    board: Annotated[str, typer.Argument(help="Board id.")],
    role: Annotated[Role, typer.Option(help="Role the link grants.")] = Role.RTE,
    team: Annotated[str | None, typer.Option(help="Team id, for a team link.")] = None,
) -> None:
    """Make a new join link (for example when the RTE's link was lost)."""
    services = build_services(get_settings())
    services.oppath.state(board)
    made = services.auth.create_link(board, role, team, label=f"{role.value} (command line)")
    typer.echo(f"{_base_url(get_settings().host, get_settings().port)}/join/{made.token}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (also done at every start)."""
    from server.db import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


if __name__ == "__main__":
    app()

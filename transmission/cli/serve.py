"""`transmission serve`: the REST + WebSocket API with the engine running in the same process."""

from __future__ import annotations

import socket
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from transmission.cli.common import friendly_errors
from transmission.extras import require_extra


class Feed(StrEnum):
    none = "none"
    replay = "replay"
    follow = "follow"


def register(app: typer.Typer) -> None:
    app.command(help="Serve the REST + WebSocket API, with the engine on a live-like feed.")(serve)


@friendly_errors
def serve(
    db: Annotated[
        Path | None, typer.Option(help="DuckDB journal file (env TRANSMISSION_DB).")
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to bind (default 127.0.0.1); another needs TRANSMISSION_API_TOKEN."
        ),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    feed: Annotated[
        Feed | None,
        typer.Option(
            help="none: serve the journal only; replay: the engine on --data or the simulator, "
            "paced as live; follow: the engine on a file another program appends to "
            "(default replay)."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Bar file to replay or follow (replay default: the simulator)."),
    ] = None,
    simulate: Annotated[
        int | None,
        typer.Option(
            metavar="DAYS", help="Simulated trading days to replay when no --data (default 20)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Simulator seed (default 7).")] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Replay speed: 60 plays a market minute a second (default 60)."),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Engine config file (TOML).")] = None,
    symbol: Annotated[
        str | None, typer.Option(help="Symbol the engine trades (default MNQ).")
    ] = None,
) -> None:
    """Settings not given here come from TRANSMISSION_* variables (see the README, "API"). The API
    token is TRANSMISSION_API_TOKEN, or one generated and printed at start."""
    require_extra("api", "transmission serve")
    from transmission.api.main import run_server  # the web stack loads only for this command
    from transmission.api.state import preflight
    from transmission.settings import load_settings

    overrides: dict[str, Any] = {
        "db": db,
        "host": host,
        "port": port,
        "feed": feed.value if feed else None,
        "data": data,
        "simulate_days": simulate,
        "seed": seed,
        "speed": speed,
        "config": config,
        "symbol": symbol,
    }
    settings = load_settings(**overrides)
    preflight(settings)
    # Failures uvicorn would report as a traceback (exit 1 or 3) are found here first, as one line.
    _check_journal(settings.db, read_only=settings.feed == "none")
    _check_port(settings.host, settings.port)
    run_server(**overrides)


def _check_journal(db: Path, *, read_only: bool) -> None:
    """Open and close the journal: a locked, damaged or unwritable file fails here, named."""
    from transmission.journal import Journal, open_reader

    journal = open_reader(db) if read_only else Journal(db)
    journal.close()


def _check_port(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

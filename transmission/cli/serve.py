"""`transmission serve`: the REST + WebSocket API with the engine running in the same process."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from transmission.cli.common import friendly_errors


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
    from transmission.api.main import run_server  # the web stack loads only for this command

    run_server(
        db=db,
        host=host,
        port=port,
        feed=feed.value if feed else None,
        data=data,
        speed=speed,
        config=config,
        symbol=symbol,
    )

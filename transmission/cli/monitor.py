"""`transmission monitor`: the live dashboard served as a page (Voila), for people who do not
want a notebook."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from transmission.cli.common import DbOption, console, friendly_errors
from transmission.extras import require_extra


def register(app: typer.Typer) -> None:
    app.command(
        help="Serve the live monitor page: an engine replaying bars (a file, the shared sample "
        "or the simulator) with the dashboard, or the dashboard of a running `transmission serve`."
    )(monitor)


@friendly_errors
def monitor(
    db: DbOption = ...,  # type: ignore[assignment]
    data: Annotated[
        Path | None,
        typer.Option(
            help="Bar file to replay (default: the shared NQ sample, else the simulator)."
        ),
    ] = None,
    simulate: Annotated[
        int, typer.Option(help="Simulated trading days, when there is no bar file.")
    ] = 5,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    symbol: Annotated[str, typer.Option(help="Contract traded (MNQ, NQ, MES, ES).")] = "MNQ",
    config: Annotated[Path | None, typer.Option(help="Engine config file (TOML).")] = None,
    speed: Annotated[
        float, typer.Option(help="Replay pace: 60 plays a market minute a second.")
    ] = 10_000.0,
    flush_every_bars: Annotated[
        int, typer.Option(help="Bars per journal commit (1: every bar, as a live feed).")
    ] = 20,
    remote: Annotated[
        str | None,
        typer.Option(help="Watch a running `transmission serve` at this URL instead."),
    ] = None,
    api_token: Annotated[
        str | None,
        typer.Option(
            help="Token of that API (default TRANSMISSION_API_TOKEN).",
            envvar="TRANSMISSION_API_TOKEN",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address the page binds to; any other than loopback gets a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the page.")] = 8866,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a browser.")
    ] = False,
    notebook: Annotated[
        Path | None,
        typer.Option(help="The live notebook to serve (default notebooks/03_live_monitor.ipynb)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check everything and print the command; serve nothing."),
    ] = False,
) -> None:
    """A local replay writes to --db (a finished replay starts over, an unfinished one resumes);
    --remote only reads the API. Stop with Ctrl-C."""
    require_extra("monitor", "transmission monitor")
    # Widgets, Voila and nbformat load only for this command.
    from transmission.journal import Journal, JournalBusyError
    from transmission.widgets.launch import MonitorOptions
    from transmission.widgets.page import LIVE_NOTEBOOK, check_port, page_notebook, voila_command

    if remote is not None:
        options = MonitorOptions.build(mode="remote", url=remote, token=api_token, run_seconds=0)
    else:
        options = MonitorOptions.build(
            mode="local",
            data=data.resolve() if data else None,
            simulate_days=simulate,
            seed=seed,
            symbol=symbol,
            config=config.resolve() if config else None,
            speed=speed,
            flush_every_bars=flush_every_bars,
            db=db.resolve(),
            run_seconds=0,
        )
        try:
            Journal(options.db or db).close()
        except JournalBusyError:
            raise RuntimeError(
                f"journal {db} is held by another process: if a `transmission serve` runs on "
                "it, watch that one with --remote http://127.0.0.1:8000"
            ) from None
    check_port(host, port)
    with tempfile.TemporaryDirectory(prefix="transmission-monitor-") as folder:
        page = page_notebook(notebook or LIVE_NOTEBOOK, Path(folder))
        command = voila_command(page, options, host=host, port=port, open_browser=open_browser)
        watched = options.url if remote else f"a replay into {options.db}"
        console.print(
            f"live monitor of {watched} at {command.url} (Ctrl-C stops it)",
            soft_wrap=True,
        )
        if dry_run:
            console.print(" ".join(command.argv), soft_wrap=True, markup=False)
            return
        try:
            result = subprocess.run(command.argv, env=command.env, cwd=folder, check=False)
        except KeyboardInterrupt:
            return
    if result.returncode not in (0, -2, 130):
        raise typer.Exit(result.returncode)

"""Assembles the Typer app from one module per command group."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

from transmission.cli import control, data, monitor, reports, research, serve, sweep

app = typer.Typer(
    name="transmission",
    help=(
        "Regime-switching intraday futures research and live monitoring.\n\n"
        "Bars go in, the market regime picks the strategy, the risk manager sizes or vetoes "
        "each signal in R, a paper broker fills it, and a DuckDB journal keeps everything."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: no text is read as rich markup, and flags show no `<bool>` metavar.
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"transmission {metadata.version('transmission')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Regime-switching intraday futures research and live monitoring."""


data.register(app)
research.register(app)
serve.register(app)
monitor.register(app)
reports.register(app)
sweep.register(app)
control.register(app)

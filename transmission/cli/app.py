"""Assembles the Typer app from one module per command group."""

from __future__ import annotations

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
    rich_markup_mode="rich",
)
data.register(app)
research.register(app)
serve.register(app)
monitor.register(app)
reports.register(app)
sweep.register(app)
control.register(app)

"""What every command shares: options, the error shell, output helpers."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from transmission.paths import DEFAULT_DB

console = Console(stderr=True)
# Piped output (no terminal to measure) is given room for a full metrics table.
out = Console(width=None if sys.stdout.isatty() else 140)

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="TRANSMISSION_DB",
        help="DuckDB journal file.",
        default_factory=lambda: DEFAULT_DB,
        show_default=str(DEFAULT_DB),
    ),
]
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn our errors (bad input, bad config, busy journal) into a message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ValueError, OSError, RuntimeError) as exc:
            console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def progress_bar(total: int, description: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def print_json(data: Any) -> None:
    out.print_json(json.dumps(data, default=str, allow_nan=False))

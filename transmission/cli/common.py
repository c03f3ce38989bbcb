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
from rich.text import Text

from transmission.extras import MissingExtraError
from transmission.paths import DEFAULT_DB

# Text is printed as text: markup off, so `[risk]` or a path holding `[/]` prints as it is.
console = Console(stderr=True, markup=False, highlight=False)
# Piped output (no terminal to measure) is given room for a full metrics table.
out = Console(width=None if sys.stdout.isatty() else 140, markup=False, highlight=False)

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
PYDANTIC_PREFIX = "Value error, "


def print_error(message: str) -> None:
    """One line on stderr, as text: never parsed as markup, never wrapped (paths stay whole)."""
    line = Text("error: ", style="bold red")
    # pydantic prefixes a validator's own message with its error type; the message says enough.
    line.append(" ".join(message.replace(PYDANTIC_PREFIX, "").split()))
    console.print(line, soft_wrap=True, highlight=False, markup=False)


def describe_error(exc: BaseException, db: object = None) -> str:
    """The one-line message for an error a command cannot recover from."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        title = exc.title if exc.title not in ("", "Settings") else "settings"
        problems = [
            f"{'.'.join(str(part) for part in err['loc']) or title}: "
            f"{err['msg'].removeprefix(PYDANTIC_PREFIX)}"
            for err in exc.errors()
        ]
        return f"{title}: " + "; ".join(problems)
    if _is_duckdb_error(exc):
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f"journal {db}" if db is not None else "journal"
        return f"{where}: {first_line} ({type(exc).__name__})"
    return str(exc) or type(exc).__name__


def _is_duckdb_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")  # loaded only if the command touched a journal
    return duckdb is not None and isinstance(exc, duckdb.Error)


def friendly_errors(func: F) -> F:
    """Turn bad input, bad config or settings, a missing extra, a busy, full or damaged journal
    (any DuckDB error) into one line naming what and where, and exit code 2. The journal commits
    atomically, so whatever was stored before the error stays as it was."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ValueError, OSError, RuntimeError, MissingExtraError) as exc:
            print_error(describe_error(exc, kwargs.get("db")))
            raise typer.Exit(2) from None
        except Exception as exc:
            if not _is_duckdb_error(exc):
                raise
            print_error(describe_error(exc, kwargs.get("db")))
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

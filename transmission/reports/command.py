"""One report run from start to files: check the request, then execute and publish.

Both front ends of a report call `run_one`: the `transmission report` command (typer, in
`cli/reports.py`) and `python -m transmission.reports` (what the scheduler starts; plain
argparse here, so that the reports package never imports the CLI).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from transmission.paths import DEFAULT_DB
from transmission.reports.errors import EXIT_BAD_INPUT, ReportFailed
from transmission.reports.runner import (
    DEFAULT_CELL_TIMEOUT_S,
    DEFAULT_KERNEL,
    DEFAULT_START_TIMEOUT_S,
    KINDS,
    ReportResult,
    check_kernel,
    prepare,
    run_report,
    template_for,
)


def run_one(
    kind: str,
    day: str | date | None,
    db: Path,
    out_dir: Path,
    *,
    window: int = 20,
    symbol: str | None = None,
    run_id: str | None = None,
    kernel: str = DEFAULT_KERNEL,
    cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S,
    start_timeout_s: int = DEFAULT_START_TIMEOUT_S,
    template: Path | None = None,
    announce: Callable[[str], None] = lambda line: None,
) -> ReportResult:
    """Check (bad input raises ReportInputError before any kernel starts), then run.

    `announce` hears one line once the request is checked. Raises ReportFailed when the
    notebook fails or its kernel does not start.
    """
    job = prepare(kind, db, day, window=window, symbol=symbol, run_id=run_id)
    template_for(kind, template)
    check_kernel(kernel)
    source = "the engine's snapshot" if job.snapshot else "the journal"
    announce(f"{job.title} from {job.run_line or f'run {job.run_id}'} ({source})")
    return run_report(
        job,
        out_dir,
        kernel=kernel,
        cell_timeout_s=cell_timeout_s,
        start_timeout_s=start_timeout_s,
        template=template,
    )


def result_line(kind: str, result: ReportResult) -> str:
    """The one line a finished report prints (the scheduler logs it)."""
    return f"{kind} {result.job.name}: {result.html} ({result.elapsed_s:.1f} s)"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m transmission.reports daily|weekly [options]`; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m transmission.reports")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--date", "--week", dest="day", default=None)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--symbol", default=None)
    parser.add_argument("--run", dest="run_id", default=None)
    parser.add_argument("--kernel", default=DEFAULT_KERNEL)
    parser.add_argument("--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT_S)
    parser.add_argument("--start-timeout", type=int, default=DEFAULT_START_TIMEOUT_S)
    parser.add_argument("--template", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        result = run_one(
            args.kind,
            args.day,
            args.db,
            args.out,
            window=args.window,
            symbol=args.symbol,
            run_id=args.run_id,
            kernel=args.kernel,
            cell_timeout_s=args.cell_timeout,
            start_timeout_s=args.start_timeout,
            template=args.template,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ReportFailed as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT
    print(result_line(args.kind, result), flush=True)
    return 0

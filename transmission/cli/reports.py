"""`report daily`, `report weekly` and `schedule`: papermill reports, on demand or on a schedule."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from transmission.cli.common import DbOption, console, friendly_errors, out, print_error
from transmission.extras import require_extra
from transmission.reports.errors import ReportFailed

report_app = typer.Typer(
    help=(
        "Daily and weekly reports: the notebook executed with papermill and published as HTML "
        "without code, as OUT/daily/DAY.ipynb + .html or OUT/weekly/MONDAY.ipynb + .html."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _default_out() -> Path:
    try:
        from transmission.settings import load_settings

        return load_settings().reports_dir
    except ValueError:
        return Path("reports")


OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Reports folder (default: TRANSMISSION_REPORTS_DIR or reports).",
        default_factory=_default_out,
    ),
]
WindowOption = Annotated[int, typer.Option(help="Rolling window of the metrics, in trades.")]
SymbolOption = Annotated[str | None, typer.Option(help="Symbol (default: the run's).")]
RunOption = Annotated[str | None, typer.Option("--run", help="Run id (default: the latest run).")]
KernelOption = Annotated[str, typer.Option(help="Jupyter kernel to execute the notebook on.")]
CellTimeoutOption = Annotated[
    int, typer.Option("--cell-timeout", help="Seconds a notebook cell may take.")
]
StartTimeoutOption = Annotated[
    int, typer.Option("--start-timeout", help="Seconds the kernel may take to start.")
]
PdfOption = Annotated[
    bool, typer.Option("--pdf", help="Also print the report to PDF (headless Chromium).")
]
EmailOption = Annotated[
    bool,
    typer.Option(
        "--email",
        help="E-mail the report (HTML inline, the PDF attached) to TRANSMISSION_REPORT_RECIPIENTS.",
    ),
]
TemplateOption = Annotated[
    Path | None,
    typer.Option(help="Report notebook to run (default: the <kind>_report.ipynb shipped)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.command(help="Run the daily and weekly reports on their cron schedule (Ctrl-C stops).")(
        schedule
    )


EXIT_CODES = (
    " Exit codes: 0 done; 2 bad input, found before any kernel starts; 1 a cell failed (the "
    "executed notebook is kept, with the error); 75 the kernel did not start (worth a retry)."
)


@report_app.command(help="The daily report of one trading day." + EXIT_CODES)
def daily(
    date: Annotated[
        str | None,
        typer.Option(help="Trading day, YYYY-MM-DD (default: the last one in the journal)."),
    ] = None,
    db: DbOption = ...,  # type: ignore[assignment]
    out_dir: OutOption = ...,  # type: ignore[assignment]
    window: WindowOption = 20,
    symbol: SymbolOption = None,
    run: RunOption = None,
    kernel: KernelOption = "python3",
    cell_timeout: CellTimeoutOption = 120,
    start_timeout: StartTimeoutOption = 60,
    template: TemplateOption = None,
    pdf: PdfOption = False,
    email: EmailOption = False,
) -> None:
    code = _run(
        "daily", date, db, out_dir, window, symbol, run, kernel, cell_timeout, start_timeout,
        template, pdf, email,
    )  # fmt: skip
    _exit(code)


@report_app.command(help="The weekly report of one week, Monday to Friday." + EXIT_CODES)
def weekly(
    week: Annotated[
        str | None,
        typer.Option(help="Any day of the week, YYYY-MM-DD (default: the last complete week)."),
    ] = None,
    db: DbOption = ...,  # type: ignore[assignment]
    out_dir: OutOption = ...,  # type: ignore[assignment]
    window: WindowOption = 20,
    symbol: SymbolOption = None,
    run: RunOption = None,
    kernel: KernelOption = "python3",
    cell_timeout: CellTimeoutOption = 120,
    start_timeout: StartTimeoutOption = 60,
    template: TemplateOption = None,
    pdf: PdfOption = False,
    email: EmailOption = False,
) -> None:
    code = _run(
        "weekly", week, db, out_dir, window, symbol, run, kernel, cell_timeout, start_timeout,
        template, pdf, email,
    )  # fmt: skip
    _exit(code)


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


@friendly_errors
def _run(
    kind: str,
    day: str | None,
    db: Path,
    out_dir: Path,
    window: int,
    symbol: str | None,
    run: str | None,
    kernel: str,
    cell_timeout: int,
    start_timeout: int,
    template: Path | None,
    pdf: bool = False,
    email: bool = False,
) -> int:
    """Check, then run; the exit code of a failed run (bad input raises, for exit code 2)."""
    require_extra("reports", f"transmission report {kind}")
    from transmission.reports.command import result_line, run_one
    from transmission.reports.delivery import deliver, load_delivery_settings

    # Bad delivery settings or no browser are bad input: found before the kernel starts.
    delivery = load_delivery_settings(need_smtp=email, need_browser=pdf)
    try:
        result = run_one(
            kind,
            day,
            db,
            out_dir,
            window=window,
            symbol=symbol,
            run_id=run,
            kernel=kernel,
            cell_timeout_s=cell_timeout,
            start_timeout_s=start_timeout,
            template=template,
            announce=lambda line: console.print(line, soft_wrap=True),
        )
        delivered = deliver(result, delivery, pdf=pdf, email=email)
    except ReportFailed as exc:
        # One unwrapped line: the scheduler logs it, and paths stay whole.
        print_error(str(exc))
        return exc.exit_code
    out.print(result_line(kind, result), highlight=False, soft_wrap=True)
    for line in delivered:
        out.print(line, soft_wrap=True)
    return 0


@friendly_errors
def schedule(
    db: DbOption = ...,  # type: ignore[assignment]
    out_dir: OutOption = ...,  # type: ignore[assignment]
) -> None:
    """Cron expressions and the time zone come from TRANSMISSION_REPORT_* (docs/reports.md).

    Each report runs in its own process on the journal's last trading day; a kernel that does
    not start is retried; every run logs one line.
    """
    from transmission.reports.schedule import build_scheduler, describe_jobs, load_report_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = load_report_settings()
    scheduler = build_scheduler(settings, db.expanduser().resolve(), out_dir.expanduser().resolve())
    log = logging.getLogger("transmission.reports.schedule")
    for line in describe_jobs(scheduler):
        log.info("scheduled %s", line)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        log.info("scheduler stopped")

"""Run a report: check its parameters, execute its notebook with papermill, publish it as HTML.

Every check that can fail on bad input (the journal, the run, the symbol, the day, the kernel,
the template) runs in `prepare`, before any kernel starts. `run_report` then executes the
notebook with an explicit kernel and a per-cell timeout into DIR/<kind>/<day>.ipynb, and
converts it to DIR/<kind>/<day>.html without code cells.

Most of a report's time is Python starting and importing, in this process and in the kernel, so
`run_report` overlaps them: the kernel is started once the checks pass and boots while this
process imports papermill; nbconvert is imported, and its templates loaded, while the cells run;
the HTML is written while the kernel shuts down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from transmission.reports.content import (
    check_trading_weekday,
    check_window,
    open_journal,
    parse_day,
    resolve_day,
    resolve_week,
    run_context,
)
from transmission.reports.errors import CellFailed, KernelStartFailed, ReportInputError

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger(__name__)

Kind = Literal["daily", "weekly"]
KINDS: tuple[Kind, ...] = ("daily", "weekly")
# Shipped inside the package, so a wheel install (not only a checkout) can run its reports.
NOTEBOOK_DIR = Path(__file__).resolve().parent / "notebooks"
DEFAULT_KERNEL = "python3"
DEFAULT_CELL_TIMEOUT_S = 120
DEFAULT_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class ReportJob:
    """A checked report request: every value concrete, the day known to have data."""

    kind: Kind
    db: Path
    day: date  # the trading day (daily) or the week's Monday (weekly)
    window: int
    symbol: str
    run_id: str
    snapshot: bool
    run_line: str = ""  # which run, and what it was run on (`RunDescription.line`)

    @property
    def name(self) -> str:
        return self.day.isoformat()

    @property
    def title(self) -> str:
        what = "daily report" if self.kind == "daily" else "weekly report, week of"
        return f"{self.symbol} {what} {self.name}"

    def parameters(self) -> dict[str, Any]:
        """The values papermill injects into the notebook's parameters cell."""
        day_key = "date" if self.kind == "daily" else "week"
        return {
            "db": str(self.db),
            day_key: self.name,
            "window": self.window,
            "symbol": self.symbol,
            "run_id": self.run_id,
        }


@dataclass(frozen=True)
class ReportResult:
    job: ReportJob
    notebook: Path
    html: Path
    elapsed_s: float


def prepare(
    kind: str,
    db: str | Path,
    day: str | date | None = None,
    *,
    window: int = 20,
    symbol: str | None = None,
    run_id: str | None = None,
) -> ReportJob:
    """Check a report request against the journal, before any kernel starts.

    `day` is the trading day (daily) or any day of the week (weekly); None picks the run's last.
    Raises ReportInputError with what was wrong and where.
    """
    if kind not in KINDS:
        raise ReportInputError(f"unknown report {kind!r}: choose one of {', '.join(KINDS)}")
    check_window(window)
    option = "--date" if kind == "daily" else "--week"
    parsed = parse_day(day, option)
    if kind == "daily" and parsed is not None:
        check_trading_weekday(parsed, option)
    path = Path(db).expanduser().resolve()
    with open_journal(path) as journal:
        ctx = run_context(journal, path, run_id, symbol)
        if kind == "daily":
            resolved = resolve_day(journal, ctx, parsed)
        else:
            resolved = resolve_week(journal, ctx, parsed)
    return ReportJob(
        kind="daily" if kind == "daily" else "weekly",
        db=path,
        day=resolved,
        window=window,
        symbol=ctx.symbol,
        run_id=ctx.run_id,
        snapshot=ctx.snapshot,
        run_line=ctx.run.line,
    )


def template_for(kind: str, template: str | Path | None = None) -> Path:
    """The notebook a report runs: the given one, or NOTEBOOK_DIR/<kind>_report.ipynb."""
    path = Path(template) if template is not None else NOTEBOOK_DIR / f"{kind}_report.ipynb"
    if not path.is_file():
        raise ReportInputError(f"report notebook not found: {path}")
    if path.suffix != ".ipynb":
        raise ReportInputError(f"report notebook must be an .ipynb file, got {path}")
    return path


def check_kernel(name: str) -> str:
    """The kernel must be installed: a typo is bad input, not a start failure to retry."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise ReportInputError(f"no Jupyter kernel named {name!r} (installed: {known})") from None
    return name


def output_paths(job: ReportJob, out_dir: str | Path) -> tuple[Path, Path]:
    folder = Path(out_dir) / job.kind
    return folder / f"{job.name}.ipynb", folder / f"{job.name}.html"


def run_report(
    job: ReportJob,
    out_dir: str | Path,
    *,
    kernel: str = DEFAULT_KERNEL,
    cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S,
    start_timeout_s: int = DEFAULT_START_TIMEOUT_S,
    template: str | Path | None = None,
) -> ReportResult:
    """Execute the report's notebook and convert it to HTML.

    Raises CellFailed (the executed notebook, with papermill's error cell, is kept) or
    KernelStartFailed (the kernel never ran a cell: worth retrying).
    """
    if cell_timeout_s < 1 or start_timeout_s < 1:
        raise ReportInputError("timeouts must be at least 1 second")
    source = template_for(job.kind, template)
    check_kernel(kernel)
    notebook, html_path = output_paths(job, out_dir)
    notebook.parent.mkdir(parents=True, exist_ok=True)
    # A failed run must not leave last run's HTML looking current.
    html_path.unlink(missing_ok=True)
    started = time.perf_counter()
    # One worker thread for nbconvert: this process is idle while the kernel runs the cells.
    with ThreadPoolExecutor(1, thread_name_prefix="report-html") as html_worker:
        with _started_kernel(job, kernel, source.parent) as kernel_manager:
            # The kernel boots while this process imports what runs it.
            _skip_slow_optional_imports()
            import papermill  # noqa: F401

            exporter = html_worker.submit(_html_exporter)
            executed = _execute(
                job, source, notebook, kernel_manager, kernel, cell_timeout_s, start_timeout_s
            )
            written = html_worker.submit(_write_html, exporter, executed, html_path, job.title)
        # Leaving the kernel's block shut it down while the worker wrote the HTML.
        written.result()
    elapsed = time.perf_counter() - started
    log.info("%s report %s: %s in %.1f s", job.kind, job.name, html_path, elapsed)
    return ReportResult(job, notebook, html_path, elapsed)


@contextlib.contextmanager
def _started_kernel(job: ReportJob, kernel: str, cwd: Path) -> Iterator[AsyncKernelManager]:
    """A kernel started now, handed to papermill later; shut down (gracefully) on leaving.

    Papermill would start the kernel only once it is imported and has read the notebook; the
    kernel's own start-up (a second or more of imports) can run meanwhile. The manager is the
    asynchronous one nbclient itself creates, driven on the event loop nbclient then uses.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    # Unix sockets, not TCP: the kernel is local, nothing else may connect, and ipykernel warns
    # ("running over TCP without encryption") on every TCP start.
    sockets = tempfile.TemporaryDirectory(prefix="tm-kernel-")
    manager = AsyncKernelManager(
        kernel_name=kernel, transport="ipc", ip=str(Path(sockets.name) / "k")
    )
    # What nbclient passes when it starts an IPython kernel: history in memory, not in ~/.ipython.
    extra = ["--HistoryManager.hist_file=:memory:"] if manager.ipykernel else []
    try:
        run_sync(manager.start_kernel)(extra_arguments=extra, cwd=str(cwd))
    except Exception as exc:
        with contextlib.suppress(Exception):  # the start's own error is the one to report
            run_sync(manager.cleanup_resources)()
        sockets.cleanup()
        raise KernelStartFailed(
            f"{job.kind} report {job.name}: kernel {kernel!r} did not start: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        yield manager
    finally:
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)()
        else:  # it died: nothing to stop, but its connection file and sockets remain
            run_sync(manager.cleanup_resources)()
        sockets.cleanup()


def _execute(
    job: ReportJob,
    source: Path,
    notebook: Path,
    kernel_manager: AsyncKernelManager,
    kernel: str,
    cell_timeout_s: int,
    start_s: int,
) -> Any:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            str(source),
            str(notebook),
            parameters=job.parameters(),
            kernel_name=kernel,
            execution_timeout=cell_timeout_s,
            start_timeout=start_s,
            progress_bar=False,
            cwd=str(source.parent),
            # An engine argument that nbclient takes: run on the kernel started above.
            km=kernel_manager,
            # A cell over its time limit is interrupted and shows as papermill's error cell.
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"cell took longer than {cell_timeout_s} s",
                "traceback": [f"CellTimeoutError: cell took longer than {cell_timeout_s} s"],
            },
        )
    except PapermillExecutionError as exc:
        # The time limit interrupts the kernel, so a timed-out cell ends in KeyboardInterrupt.
        if exc.ename in ("KeyboardInterrupt", "CellTimeoutError"):
            what = f"was stopped at its time limit of {cell_timeout_s} s"
        else:
            what = f"failed with {exc.ename}: {exc.evalue}"
        raise CellFailed(
            f"{job.kind} report {job.name}: cell {exc.exec_count} {what}; "
            f"executed notebook kept at {notebook}",
            notebook,
        ) from None
    except Exception as exc:
        if _cells_started(notebook):
            raise CellFailed(
                f"{job.kind} report {job.name}: execution stopped: {type(exc).__name__}: "
                f"{exc}; executed notebook kept at {notebook}",
                notebook,
            ) from None
        # Nothing ran: the notebook papermill wrote holds no result worth keeping.
        notebook.unlink(missing_ok=True)
        raise KernelStartFailed(
            f"{job.kind} report {job.name}: kernel {kernel!r} did not start: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _cells_started(notebook: Path) -> bool:
    """Whether papermill recorded any cell as started in the notebook it wrote."""
    if not notebook.exists():
        return False
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # an unreadable notebook tells us nothing ran to completion
        return False
    return any(cell.get("metadata", {}).get("papermill", {}).get("start_time") for cell in nb.cells)


def _skip_slow_optional_imports() -> None:
    """Import nbformat without letting jsonschema import rfc3987-syntax.

    When installed, that package compiles a grammar at import, 1-2 s of a report's ~10; it only
    serves jsonschema's "iri" formats, which notebook validation never uses. The block is lifted
    once nbformat is in, so later code may still import the package itself.
    """
    if "jsonschema" in sys.modules:
        return
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import nbformat  # noqa: F401
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]


# JupyterLab's HTML template without the scripts it loads from a CDN (require.js, MathJax,
# Mermaid, the widget manager): a report must read offline and inline in a mail client. The
# report's figures are inline images and its tables plain HTML; none needs a script.
SELF_CONTAINED_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def _html_exporter() -> Any:
    """An HTML exporter with its templates, theme and HTML parser loaded.

    Converting a first notebook loads what every conversion needs (the Jinja templates, the
    JupyterLab theme CSS, BeautifulSoup); done on an empty notebook while the cells run, it
    leaves only the report's own conversion for after them.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        extra_loaders=[DictLoader({"report.html.j2": SELF_CONTAINED_TEMPLATE})],
        template_file="report.html.j2",
    )
    exporter.from_notebook_node(nbformat.v4.new_notebook())
    return exporter


def _write_html(exporter: Future[Any], executed: Any, target: Path, title: str) -> None:
    body, _ = exporter.result().from_notebook_node(
        executed, resources={"metadata": {"name": title}}
    )
    # Readers (a browser, a mail job) never see half a file: write aside, then rename.
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_text(body, encoding="utf-8")
    os.replace(partial, target)

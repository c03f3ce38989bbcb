"""What can go wrong with a report, and the exit code each failure gives."""

from __future__ import annotations

from pathlib import Path

EXIT_BAD_INPUT = 2  # the same code as every other command's bad input
EXIT_CELL_FAILED = 1
EXIT_KERNEL_START = 75  # EX_TEMPFAIL: the scheduler retries this one


class ReportInputError(ValueError):
    """Bad report parameters or journal, found before any kernel starts."""

    exit_code = EXIT_BAD_INPUT


class ReportFailed(Exception):
    """A report could not be produced; `notebook` is the executed notebook when one was kept."""

    exit_code = EXIT_CELL_FAILED

    def __init__(self, message: str, notebook: Path | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook


class CellFailed(ReportFailed):
    """A cell raised or timed out; the executed notebook holds papermill's error cell."""


class KernelStartFailed(ReportFailed):
    """The kernel did not start (or died before the first cell): worth retrying."""

    exit_code = EXIT_KERNEL_START


class PdfFailed(ReportFailed):
    """Chromium did not print the report's HTML to PDF (the HTML is kept)."""


class DeliveryFailed(ReportFailed):
    """The SMTP server refused or could not be reached (the HTML and PDF are kept): worth
    retrying, as a kernel start is."""

    exit_code = EXIT_KERNEL_START

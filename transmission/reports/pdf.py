"""A PDF of a report: its self-contained HTML printed by headless Chromium.

Chromium prints the very HTML the mail and the browser show (same CSS, same inline images), so
the PDF cannot drift from the HTML; it is a system package the browser tests already need, and
its `--print-to-pdf` needs no Python driver (Playwright stays a test tool, out of [reports]).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from transmission.reports.errors import PdfFailed, ReportInputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PRINT_TIMEOUT_S = 120


def find_browser(browser: str | None = None) -> str:
    """The Chromium executable: the one given (TRANSMISSION_REPORT_BROWSER), else one on PATH."""
    for name in (browser,) if browser else BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    wanted = browser or " or ".join(BROWSERS)
    raise ReportInputError(
        f"--pdf needs a Chromium browser: {wanted} not found (apt-get install chromium, or set "
        "TRANSMISSION_REPORT_BROWSER)"
    )


def html_to_pdf(html: Path, pdf: Path, *, browser: str | None = None) -> Path:
    """Print `html` to `pdf` (written aside, then renamed: readers never see half a file)."""
    executable = find_browser(browser)
    partial = pdf.with_name(f".{pdf.name}.{os.getpid()}.tmp")
    # A profile of its own: a Chromium the user has open (or a parallel print) holds the default.
    with tempfile.TemporaryDirectory(prefix="tm-chromium-") as profile:
        command = [
            executable,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",  # as root (containers, CI) Chromium refuses to start with its sandbox
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            html.resolve().as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise PdfFailed(f"{executable} did not print {html} in {PRINT_TIMEOUT_S} s") from None
    if result.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise PdfFailed(f"{executable} could not print {html}: {detail}")
    os.replace(partial, pdf)
    return pdf

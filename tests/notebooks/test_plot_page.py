"""`result.plot()` in a Voila page, in headless Chromium: the plotly figure is drawn.

A notebook that backtests the simulator and calls `result.plot()` (not as its last expression:
`plot` displays wherever it is called) is served by Voila, the real command in its own process
group; Playwright drives Debian's chromium, waits for plotly's nodes, takes a screenshot and
checks that the candles, the equity curve and the histogram are there, one figure a call.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.test_monitor_page import (
    CHROMIUM_ARGS,
    _answers,
    free_port,
    require_chromium,
)

PAGE_CELLS = [
    "import transmission as tm",
    "result = tm.backtest(tm.simulate(3, 7), 'ema_cross', journal={journal!r})\n"
    "result.plot()\n"
    "print('plotted', result.run_id)",
    "result.plot()",  # the last expression: shown once, not twice
]


@pytest.mark.slow
@pytest.mark.browser
def test_result_plot_renders_in_a_voila_page(tmp_path: Path) -> None:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    journal = str(tmp_path / "research.duckdb")
    cells = [nbformat.v4.new_code_cell(c.format(journal=journal)) for c in PAGE_CELLS]
    notebook = tmp_path / "plot.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    port = free_port()
    log = tmp_path / "voila.log"
    command = [
        sys.executable, "-m", "voila", str(notebook), f"--port={port}",
        "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--no-browser",
        "--show_tracebacks=True",
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while not _answers(url + "api"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"voila did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1100})
                page.goto(url, wait_until="commit", timeout=240_000)
                try:
                    page.wait_for_selector(".plotly .main-svg", timeout=240_000)
                except Exception:
                    text = page.inner_text("body")[-2000:]
                    pytest.fail(f"no plotly figure on the page:\n{text}\n{log.read_text()[-2000:]}")
                page.wait_for_timeout(1000)  # let plotly finish its first draw
                found = page.evaluate(
                    """() => ({
                        plots: document.querySelectorAll('.js-plotly-plot').length,
                        svgs: document.querySelectorAll('.main-svg').length,
                        candles: document.querySelectorAll('.trace.boxes').length,
                        lines: document.querySelectorAll('.scatterlayer .trace').length,
                        bars: document.querySelectorAll('.barlayer .trace').length,
                        title: (document.querySelector('.gtitle') || {}).textContent || '',
                    })"""
                )
                screenshot = tmp_path / "plot.png"
                page.screenshot(path=str(screenshot), full_page=True)
            finally:
                browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    assert found["plots"] == 2 and found["svgs"] >= 2, f"one figure a call: {found}"
    assert found["candles"] >= 1, f"no candlestick trace: {found}"
    assert found["lines"] >= 3 and found["bars"] >= 1, f"equity or histogram missing: {found}"
    assert "minute candles" in found["title"], found
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

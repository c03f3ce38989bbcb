"""`transmission monitor`: its checks, and the page itself in headless Chromium.

The browser test serves the live monitor with Voila (the real command, in its own process
group), opens it in Debian's chromium driven by Playwright (no browser download), and watches
the regime badge and the trades table change as the in-kernel engine replays the simulator.
It saves a screenshot (to docs/img/monitor.png with TRANSMISSION_UPDATE_SCREENSHOTS=1).
Under CI a missing chromium fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psutil
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from typer.testing import CliRunner

from transmission.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# The README's picture is refreshed on request (TRANSMISSION_UPDATE_SCREENSHOTS=1), so a test
# run leaves the checkout clean; otherwise the screenshot goes to the test's temporary folder.
README_SCREENSHOT = ROOT / "docs" / "img" / "monitor.png"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
runner = CliRunner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the command's checks (no server) ------------------------------------------------------------


def test_dry_run_prints_the_voila_command_for_a_local_replay(tmp_path: Path) -> None:
    port = free_port()
    result = runner.invoke(
        app, ["monitor", "--dry-run", "--db", str(tmp_path / "m.duckdb"), "--port", str(port)]
    )
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{port}/" in result.output
    assert "-m voila" in result.output and "--no-browser" in result.output
    assert "--token" not in result.output, "loopback pages need no token"


def test_a_page_off_loopback_gets_a_token(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["monitor", "--dry-run", "--db", str(tmp_path / "m.duckdb"), "--host", "0.0.0.0",
         "--port", str(free_port())],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "?token=" in result.output and "--token=" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--speed", "0"], "speed: Input should be greater than 0"),
        (["--data", "/no/such/bars.csv"], "no bar file at /no/such/bars.csv"),
        (["--simulate", "0"], "simulate_days"),
        (["--remote", "localhost:8000"], "url must look like http://"),
        (["--notebook", "/no/such.ipynb"], "the live monitor notebook is not at /no/such.ipynb"),
        (["--port", "70000"], "--port must be 1 to 65535"),
    ],
)
def test_bad_options_exit_2_saying_what_is_wrong(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["monitor", "--dry-run", "--db", str(tmp_path / "m.db"), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_a_taken_port_is_refused_before_voila_starts(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = runner.invoke(
            app, ["monitor", "--dry-run", "--db", str(tmp_path / "m.db"), "--port", str(port)]
        )
    assert result.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in result.output


@pytest.mark.slow
def test_a_journal_held_by_a_serving_process_points_to_remote(locked_journal: Path) -> None:
    # The message may be wrapped to any console width (COLUMNS): words are compared with the
    # line breaks taken out, and the path with every blank taken out.
    result = runner.invoke(app, ["monitor", "--dry-run", "--db", str(locked_journal)])
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "held by another process" in words and "--remote" in words
    assert str(locked_journal) in "".join(result.output.split())


# -- the page in a browser -----------------------------------------------------------------------


def require_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"chromium is required under CI and is not at {CHROMIUM} (.ci/system-deps)")
    pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium to run the browser test")


@dataclass(frozen=True)
class Served:
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def monitor_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`transmission monitor` replaying 20 simulated days at 10000x into a fresh journal (a
    couple of minutes of replay: the page, however slow to load, opens on a running engine)."""
    port = free_port()
    folder = tmp_path_factory.mktemp("monitor")
    served = Served(f"http://127.0.0.1:{port}/", folder / "monitor.log")
    command = [
        str(Path(sys.executable).parent / "transmission"), "monitor", "--db",
        str(folder / "monitor.duckdb"), "--port", str(port), "--simulate", "20",
        "--speed", "10000",
    ]  # fmt: skip
    # No shared sample: the page must work on a fresh clone, and the simulator is the same
    # market on every run.
    env = {**os.environ, "TRANSMISSION_SAMPLE": ""}
    with served.log.open("w") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        # Ready when the server answers; only the page request starts a kernel (and an
        # engine), so the page is requested once.
        deadline = time.monotonic() + 120
        while not _answers(f"{served.url}api"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the monitor did not start:\n{served.log_tail()}")
            time.sleep(0.5)
        yield served
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the command and its Voila: our own group
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _answers(url: str) -> bool:
    """Whether the server answers at all (its API redirects to a login: that is an answer)."""
    try:
        return httpx.get(url, timeout=5).status_code < 500
    except httpx.HTTPError:
        return False


def snapshot(page: Page) -> dict[str, Any]:
    script = """() => {
        const badge = document.querySelector('.tm-regime');
        const status = document.querySelector('.tm-status');
        return {
            regime: badge ? badge.dataset.regime : null,
            direction: badge ? badge.dataset.direction : null,
            trades: document.querySelectorAll('tr.tm-trade').length,
            status: status ? status.innerText : null,
            can_trade: (document.querySelector('.tm-can-trade') || {}).innerText || null,
        };
    }"""
    found: dict[str, Any] = page.evaluate(script)
    return found


@pytest.mark.slow
@pytest.mark.browser
def test_monitor_page_updates_as_the_engine_replays(monitor_page: Served, tmp_path: Path) -> None:
    update = os.environ.get("TRANSMISSION_UPDATE_SCREENSHOTS") == "1"
    screenshot = README_SCREENSHOT if update else tmp_path / "monitor.png"
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    seen: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            requested = time.monotonic()
            page.goto(monitor_page.url, wait_until="commit", timeout=240_000)
            try:
                page.wait_for_selector(".tm-regime", timeout=240_000)
            except PlaywrightError:
                text = page.inner_text("body")[-2000:]
                pytest.fail(f"no dashboard on the page:\n{text}\n{monitor_page.log_tail()}")
            started = time.monotonic()
            first = snapshot(page)
            regimes = {first["regime"]}
            while time.monotonic() - started < 240:
                now = snapshot(page)
                seen.append({"t": round(time.monotonic() - started, 1), **now})
                regimes.add(now["regime"])
                if len(regimes) > 1 and now["trades"] > first["trades"]:
                    break
                time.sleep(0.5)
            shown_after = round(started - requested, 1)
            print(json.dumps({"dashboard_shown_after_s": shown_after, "seen": seen}))
            assert len(regimes) > 1, f"the regime badge never changed: {seen[-1]}"
            assert seen[-1]["trades"] > first["trades"], f"no new trade: {seen[-1]}"
            page.wait_for_function(CANDLES_DRAWN, timeout=30_000)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)

            page.get_by_placeholder("reason for the halt").fill("browser test")
            page.get_by_role("button", name="Halt").click()
            page.wait_for_function(
                "() => document.querySelector('.tm-can-trade').innerText.includes('halted')",
                timeout=60_000,
            )
            page.get_by_role("button", name="Resume").click()
            page.wait_for_function(
                "() => !document.querySelector('.tm-can-trade').innerText.includes('halted')",
                timeout=60_000,
            )
        finally:
            browser.close()
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- one engine, many pages, and a clean stop ----------------------------------------------------


def kernels_of(monitor: psutil.Process) -> list[psutil.Process]:
    """The page kernels Voila runs under the monitor (each in a session of its own)."""
    found = []
    for proc in monitor.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if proc.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in proc.cmdline():
                found.append(proc)
    return found


def wait_for(condition: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            pytest.fail(f"{what} within {seconds} s:\n{tail}")
        time.sleep(0.25)


def shows_a_live_engine(page: Page, log: Path) -> None:
    """The page shows the dashboard, and its status line (bars processed, last bar) moves."""
    try:
        page.wait_for_selector(".tm-status", timeout=90_000)
    except PlaywrightError:
        pytest.fail(f"no dashboard on the page:\n{page.inner_text('body')[-2000:]}")
    first = page.inner_text(".tm-status")
    assert "traceback" not in page.inner_text("body").lower()
    try:
        page.wait_for_function(
            "(first) => document.querySelector('.tm-status').innerText !== first",
            arg=first,
            timeout=30_000,
        )
    except PlaywrightError:
        pytest.fail(f"the status line never changed from {first!r}")
    try:
        page.wait_for_function(CANDLES_DRAWN, timeout=30_000)
    except PlaywrightError:
        pytest.fail(f"the price chart drew no candles: {page.evaluate(CHART_TRACES)}")


# The price chart as the browser drew it: plotly's own copy of the figure's traces. (A chart
# whose traces came before the page connected stayed empty: FigureWidget sends its whole
# figure only when it is created.)
CHART_TRACES = """() => Array.from(document.querySelectorAll('.tm-price-chart .js-plotly-plot'))
    .map(d => (d.data || []).map(t => `${t.type}:${t.name}:${t.x ? t.x.length : 0}`))"""
CANDLES_DRAWN = """() => Array.from(document.querySelectorAll('.tm-price-chart .js-plotly-plot'))
    .some(d => (d.data || []).some(t => t.type === 'candlestick' && t.x && t.x.length > 0))"""


@pytest.mark.slow
@pytest.mark.browser
def test_reloads_and_second_tabs_watch_one_engine_and_sigterm_stops_everything(
    tmp_path: Path,
) -> None:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    db = tmp_path / "monitor.duckdb"
    log = tmp_path / "monitor.log"
    url = f"http://127.0.0.1:{port}/"
    command = [
        str(Path(sys.executable).parent / "transmission"), "monitor", "--db", str(db),
        "--port", str(port), "--simulate", "20", "--speed", "10000", "--cull-after", "8",
    ]  # fmt: skip
    env = {**os.environ, "TRANSMISSION_SAMPLE": ""}
    with log.open("w") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    monitor = psutil.Process(server.pid)
    try:
        # Its API, not the page: a page request starts a kernel.
        wait_for(lambda: _answers(f"{url}api"), 90, "the monitor did not answer", log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(url, wait_until="commit", timeout=90_000)
                shows_a_live_engine(page, log)
                page.reload(wait_until="commit")
                shows_a_live_engine(page, log)
                second = browser.new_page()
                second.goto(url, wait_until="commit", timeout=90_000)
                shows_a_live_engine(second, log)
                shows_a_live_engine(page, log)
                # The reloaded page's kernel went; the tab closed without `beforeunload` (as a
                # crashed browser) loses its own to the culler.
                assert len(kernels_of(monitor)) <= 3
                second.close()
                wait_for(
                    lambda: len(kernels_of(monitor)) == 1,
                    30,
                    f"kernels left {[(k.pid, k.status()) for k in kernels_of(monitor)]}",
                    log,
                )
            finally:
                browser.close()
        family = monitor.children(recursive=True)
        assert family, "the monitor runs its engine and Voila as children"
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0, log.read_text()
        _gone, alive = psutil.wait_procs(family, timeout=5)
        assert not alive, f"left running after SIGTERM: {alive}"
        duckdb.connect(str(db)).close()  # the journal opens for writing
    finally:
        # Its children first: Voila and its kernels run in sessions of their own, and once the
        # monitor is dead they can no longer be found from it.
        left: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            left = monitor.children(recursive=True)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for proc in left:
            with contextlib.suppress(psutil.Error):
                proc.kill()

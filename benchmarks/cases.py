"""The measurements, each run in a child process of its own (`python -m benchmarks.child`).

A case takes keyword arguments (JSON-safe) and returns a dict of figures; the child adds its peak
RSS. A case that cannot run here raises `Skip` with the reason (the table shows it).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.data import DATA_DIR, SAMPLE, bar_source, tiled_bars, trade_journal, trade_rows

Figures = dict[str, Any]
CASES: dict[str, Callable[..., Figures]] = {}


class Skip(Exception):
    """This case cannot run here; the message says why."""


def case(fn: Callable[..., Figures]) -> Callable[..., Figures]:
    CASES[fn.__name__] = fn
    return fn


def warm_imports() -> None:
    """Import what the engine imports lazily, so a replay's time is the replay's (backtesting.py
    is timed after its imports too). Not scipy: the engine no longer uses it, and importing
    scipy.signal alone is 70 MB of a replay's peak RSS."""
    import pandas_market_calendars  # noqa: F401


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "n": 0}
    array = np.asarray(values, dtype=float)
    return {
        "p50": float(np.percentile(array, 50)),
        "p99": float(np.percentile(array, 99)),
        "n": len(values),
    }


# --- whole-engine replays ----------------------------------------------------------------------


@case
def transmission_replay(bars: int | None, config: str) -> Figures:
    """run_source over the sample (bars None) or the tiled sample: risk manager and journal on.

    The bars are stored in the journal beforehand (as after `transmission ingest`); the replay
    journals every signal, trade, regime change and risk event, with checkpoints.
    """
    from benchmarks.configs import engine_config
    from transmission.engine.runner import run_source
    from transmission.journal import Journal
    from transmission.journal.queries import count_trades

    source = bar_source(bars)
    engine = engine_config(config)
    warm_imports()
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "replay.duckdb") as journal:
        cpu, started = time.process_time(), time.perf_counter()
        summary = run_source(journal, source, engine, store_bars=False)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        trades = count_trades(journal)
    return {
        "value": summary.bars / seconds,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "bars": summary.bars,
        "trades": trades,
    }


@case
def backtesting_replay(bars: int | None) -> Figures:
    """backtesting.py 0.6.6 with the same EMA-cross rules on the same bars."""
    try:
        from benchmarks.peers import backtesting_py
    except ImportError as exc:
        raise Skip(f"backtesting.py is not installed ({exc})") from None
    source = bar_source(bars)
    data = backtesting_py.frame_for(source.bars)
    cpu, started = time.process_time(), time.perf_counter()
    result = backtesting_py.run(data)
    seconds = time.perf_counter() - started
    return {
        "value": len(data) / seconds,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "bars": len(data),
        "trades": result["trades"],
    }


@case
def numpy_floor(bars: int, inner: int = 5) -> Figures:
    """EMA(20), EMA(50), ATR(14) alone over the bars: the least the EMA-cross rules need."""
    from benchmarks.floor import ema_cross_features

    frame = tiled_bars(bars)
    high, low, close = (frame[k].to_numpy(np.float64) for k in ("high", "low", "close"))
    ema_cross_features(high, low, close)  # first call loads scipy.signal's filter
    times = []
    for _ in range(inner):
        started = time.perf_counter()
        ema_cross_features(high, low, close)
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times)
    return {"value": bars / seconds, "seconds": seconds, "bars": bars}


# --- sweeps ------------------------------------------------------------------------------------

# 36 points: EMA fast x slow x stop distance (in ATR), for both engines.
SWEEP_GRID = {"fast": [10, 20, 30], "slow": [50, 80, 110], "stop_atr": [1.0, 1.5, 2.0, 3.0]}


@case
def backtesting_optimize(bars: int | None) -> Figures:
    """backtesting.py's `Backtest.optimize` over SWEEP_GRID (its fork pool of every core)."""
    try:
        from benchmarks.peers import backtesting_py
    except ImportError as exc:
        raise Skip(f"backtesting.py is not installed ({exc})") from None
    data = backtesting_py.frame_for(bar_source(bars).bars)
    cpu, started = time.process_time(), time.perf_counter()
    result = backtesting_py.optimize(data, SWEEP_GRID)
    seconds = time.perf_counter() - started
    return {
        "value": result["points"] / seconds * 60,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "points": result["points"],
        "bars": len(data),
    }


@case
def transmission_sweep(bars: int | None, workers: int = 2) -> Figures:
    """`tm.sweep` of the EMA cross over SWEEP_GRID on a LocalCluster of `workers` processes.

    The wall time counts everything a user waits for: the cluster's start, the bars sent to
    the workers, every point, and the journal. Peak RSS is the driver's (the workers' is not
    counted).
    """
    from distributed import Client, LocalCluster

    from benchmarks.configs import engine_config
    from transmission.sweep import sweep

    source = bar_source(bars)
    grid = {"ema_fast": SWEEP_GRID["fast"], "ema_slow": SWEEP_GRID["slow"],
            "stop_atr": SWEEP_GRID["stop_atr"]}  # fmt: skip
    config = engine_config("ema_cross")
    warm_imports()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            ready = time.perf_counter()
            result = sweep(source, "ema_cross", grid, config=config, client=client,
                           journal=Path(tmp) / "sweep.duckdb", progress=False)  # fmt: skip
            swept = time.perf_counter()
        seconds = time.perf_counter() - started
    return {
        "value": len(result) / seconds * 60,
        "seconds": seconds,
        "cluster_start_s": ready - started,
        "sweep_s": swept - ready,
        "points": len(result),
        "feature_sets_computed": int(result.frame["features_computed"].sum()),
        "workers": workers,
        "bars": len(source.bars),
    }


# --- research mode -----------------------------------------------------------------------------


@case
def research(bars: int, minutes: int = 5, inner: int = 3) -> Figures:
    """Vectorised research over `bars` one-minute bars: resample, annotate, features, regimes.

    `value` is the features + regimes rate (compute_features and classify_frame); the whole
    pipeline and each stage are reported beside it. Rates count input (1-minute) bars.
    """
    from transmission.features import compute_features
    from transmission.market.calendar import annotate
    from transmission.market.resample import resample
    from transmission.regime import classify_frame

    frame = tiled_bars(bars)
    warm_imports()
    annotate(resample(frame.iloc[:20_000], minutes))  # the calendar's first schedules, once
    stages: dict[str, list[float]] = {"resample": [], "annotate": [], "features": [], "regimes": []}
    for _ in range(inner):
        t0 = time.perf_counter()
        signal = resample(frame, minutes)
        t1 = time.perf_counter()
        annotated = annotate(signal)
        t2 = time.perf_counter()
        features = compute_features(annotated, bar_minutes=minutes)
        t3 = time.perf_counter()
        classify_frame(annotated, features, bar_minutes=minutes)
        t4 = time.perf_counter()
        for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            stages[name].append(seconds)
    median = {name: statistics.median(times) for name, times in stages.items()}
    features_regimes = median["features"] + median["regimes"]
    pipeline = sum(median.values())
    return {
        "value": bars / features_regimes,
        "pipeline_rate": bars / pipeline,
        "seconds": features_regimes,
        "pipeline_seconds": pipeline,
        "stages_s": median,
        "signal_bars": len(signal),
    }


# --- journal -----------------------------------------------------------------------------------


@case
def journal_row_commits(rows: int = 300) -> Figures:
    """The slow way, for reference: one trade row per transaction."""
    from transmission.journal import Journal, JournalBatch

    data = trade_rows(rows, seed=11)
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "rows.duckdb") as journal:
        started = time.perf_counter()
        for row in data:
            batch = JournalBatch()
            batch.add("trades", row)
            journal.write_batch(batch)
        seconds = time.perf_counter() - started
    return {"value": rows / seconds, "seconds": seconds, "rows": rows}


@case
def journal_bulk_trades(rows: int = 100_000) -> Figures:
    """write_batch of `rows` trade rows in one transaction (a replay's journal path)."""
    from transmission.journal import Journal, JournalBatch

    batch = JournalBatch()
    for row in trade_rows(rows, seed=13):
        batch.add("trades", row)
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "bulk.duckdb") as journal:
        started = time.perf_counter()
        journal.write_batch(batch)
        seconds = time.perf_counter() - started
    return {"value": rows / seconds, "seconds": seconds, "rows": rows}


@case
def journal_bulk_bars(bars: int = 1_000_000) -> Figures:
    """insert_bars of the tiled sample (what `transmission ingest` and a backtest store)."""
    from transmission.journal import Journal

    frame = tiled_bars(bars)
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "bars.duckdb") as journal:
        started = time.perf_counter()
        inserted, _ = journal.insert_bars("bench", "MNQ", frame)
        seconds = time.perf_counter() - started
    return {"value": inserted / seconds, "seconds": seconds, "rows": inserted}


@case
def journal_live_flush(bars: int = 6000) -> Figures:
    """A live engine (paced replay, as fast as it goes) committing after every bar: the time of
    each commit of a bar that produced events, in ms. `bars`: how many bars of the sample."""
    from benchmarks.configs import engine_config
    from transmission.engine.live import LiveEngine
    from transmission.journal import Journal

    source = bar_source(None)
    source = replace(source, bars=source.bars.iloc[:bars].reset_index(drop=True))
    warm_imports()
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "live.duckdb") as journal:
        engine = LiveEngine(
            journal, engine_config("ema_cross"), source=source, speed=1e12, flush_every_bars=1
        )
        run = engine.run
        flush = run.flush
        with_events: list[float] = []
        every: list[float] = []

        def timed_flush(*, snapshot: bool = False) -> None:
            events = run.recorder.batch.has_events
            started = time.perf_counter()
            flush(snapshot=snapshot)
            elapsed = (time.perf_counter() - started) * 1e3
            every.append(elapsed)
            if events:
                with_events.append(elapsed)

        run.flush = timed_flush  # type: ignore[method-assign]
        engine.start()
        engine.finished.wait(600)
        engine.stop()  # joins the thread before its journal cursor goes
        if engine.error is not None:
            raise RuntimeError(f"the live engine failed: {engine.error!r}")
    events = percentiles(with_events)
    return {
        "value": events["p50"],
        "p99": events["p99"],
        "flushes_with_events": events["n"],
        "all_flushes": percentiles(every),
    }


# --- API ---------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(app: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn, one worker, on a free loopback port; returns (process, base URL) once it answers."""
    import httpx

    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{app} exited at start-up: {error[-2000:]}")
        try:
            httpx.get(f"{base}/", timeout=1.0)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not answer on {base} within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@case
def api_load(target: str, path: str, trades: int = 100_000, seconds: float = 5.0) -> Figures:
    """Requests/s and latency of GET `path` on uvicorn (one worker), under a loopback load
    generator. `target` is "bare" (a bare FastAPI JSON endpoint) or "transmission" (the API on a
    journal of `trades` trades, no engine)."""
    from benchmarks.loadgen import load

    if target == "bare":
        app, env = "benchmarks.servers:bare_app", {}
    else:
        try:
            import transmission.api.main  # noqa: F401
        except ImportError as exc:
            raise Skip(f"transmission.api.main is not importable yet ({exc})") from None
        db = trade_journal(trades)
        app = "transmission.api.main:app"
        env = {"TRANSMISSION_DB": str(db), "TRANSMISSION_FEED": "none"}
    process, base = _serve(app, env)
    try:
        import httpx

        answer = httpx.get(base + path, timeout=30.0)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
        load(base + path, 1.0)  # warm-up: caches, first queries
        result = load(base + path, seconds)
    finally:
        _stop(process)
    return {"value": result["rps"], **result, "bytes": len(answer.content)}


def uncached_paths(kind: str, trades: int, count: int, seed: int = 3) -> list[str]:
    """`count` GET paths no two alike, so no response cache can answer them: "filters" (a
    strategy, a regime and a trading-day range each), "cursor" (pages from random depths by
    `before_id`), "offset" (the same depths by `offset`, for comparison)."""
    rng = np.random.default_rng(seed)
    first = np.datetime64("2020-01-02")
    span_days = max(2, int(trades * 17 / 60 / 24))  # trade_rows: one trade every 17 minutes
    paths = set()
    while len(paths) < count:
        if kind == "filters":
            start = first + np.timedelta64(int(rng.integers(0, span_days - 1)), "D")
            end = start + np.timedelta64(int(rng.integers(1, 60)), "D")
            strategy = ("vwap_pullback", "VWAP Band Reversion")[int(rng.integers(0, 2))]
            regime = ("TREND", "RANGE", "VOLATILE", "NO_TRADE")[int(rng.integers(0, 4))]
            paths.add(
                f"/api/trades?limit=100&strategy={strategy.replace(' ', '%20')}"
                f"&regime={regime}&since={start}&until={end}"
            )
        else:
            depth = int(rng.integers(100, trades - 100))
            if kind == "cursor":
                paths.add(f"/api/trades?limit=100&before_id={trades - depth}")
            else:
                paths.add(f"/api/trades?limit=100&offset={depth}")
    return sorted(paths, key=lambda _: rng.random())


@case
def api_uncached(kind: str, trades: int = 1_000_000, requests: int = 1000) -> Figures:
    """Latency of GETs that no cache answers (each path once, one keep-alive connection, one
    at a time) on uvicorn with the API on a journal of `trades` trades: `kind` as in
    `uncached_paths`. The p99 is the target: a trader's chart paging back, or a new filter."""
    import httpx

    db = trade_journal(trades)
    env = {"TRANSMISSION_DB": str(db), "TRANSMISSION_FEED": "none"}
    process, base = _serve("transmission.api.main:app", env)
    latencies: list[float] = []
    try:
        with httpx.Client(base_url=base, timeout=30.0) as http:
            for path in uncached_paths(kind, trades, 50, seed=99):  # warm-up: first queries
                http.get(path)
            for path in uncached_paths(kind, trades, requests):
                started = time.perf_counter()
                answer = http.get(path)
                latencies.append((time.perf_counter() - started) * 1e3)
                if answer.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {answer.status_code}")
        server = _memory_mb(process.pid)
    finally:
        _stop(process)
    figures = percentiles(latencies)
    return {
        "value": figures["p99"],
        "p50": figures["p50"],
        "p99": figures["p99"],
        "n": figures["n"],
        "server_rss_mb": server.get("VmRSS"),
        "server_peak_rss_mb": server.get("VmHWM"),
    }


def _memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB; empty where /proc is not there."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in lines
        if line.startswith(("VmRSS:", "VmHWM:"))
    }


# --- WebSocket ---------------------------------------------------------------------------------


@case
def websocket_latency(clients: int = 100, bars: int = 3000) -> Figures:
    """Time from a bar entering the engine to each of its event messages reaching each client.

    A server process (benchmarks.servers ws) runs the API's app and connection manager with a
    live engine (EMA-cross rules, the sample paced at 20 ms a bar) that starts once every client
    is connected; it records, per event, when its bar entered `EngineRun.on_bar`. The clients
    (benchmarks.wsclient, in this process) date each frame by when it reached their socket and
    read lazily, so that they do not take the CPU from the server while it sends. Both
    processes read the same wall clock.
    """
    try:
        import transmission.api.main  # noqa: F401
    except ImportError as exc:
        raise Skip(f"transmission.api.main is not importable yet ({exc})") from None
    from benchmarks.wsclient import FrameReader, Readers

    port = _free_port()
    path = "/ws?token=bench"
    with tempfile.TemporaryDirectory() as tmp:
        stamps_path = Path(tmp) / "stamps.json"
        command = [sys.executable, "-m", "benchmarks.servers", "ws", str(port), str(clients)]
        command += [str(bars), str(stamps_path), tmp]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def check_server(what: str) -> None:
            if server.poll() is not None:
                error = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"the WebSocket server {what}: {error[-2000:]}")

        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    FrameReader("127.0.0.1", port, path).close()
                    break
                except OSError:
                    check_server("did not start")
                    if time.monotonic() > deadline:
                        raise RuntimeError("the WebSocket server did not start in 60 s") from None
                    time.sleep(0.2)
            readers = Readers([FrameReader("127.0.0.1", port, path) for _ in range(clients)])
            try:
                while not stamps_path.exists():
                    check_server("stopped")
                    readers.poll()
                last_messages = time.monotonic() + 1.0  # the last messages in flight
                while time.monotonic() < last_messages:
                    readers.poll()
            finally:
                readers.close()
            stamps: dict[str, int] = json.loads(stamps_path.read_text())
        finally:
            _stop(server)
    latencies = []
    for reader in readers.readers:
        for arrived, payload in reader.frames:
            entered = stamps.get(json.dumps(json.loads(payload), sort_keys=True))
            if entered is not None:
                latencies.append((arrived - entered) / 1e6)
    if not latencies:
        raise RuntimeError("no engine event reached the clients")
    figures = percentiles(latencies)
    return {
        "value": figures["p50"],
        "p99": figures["p99"],
        "deliveries": figures["n"],
        "events": len(stamps),
        "clients": clients,
        "stamped_by": readers.stamped_by,
    }


# --- reports -----------------------------------------------------------------------------------


def report_journal() -> Path:
    """A journal holding a default-config backtest of the sample (built once)."""
    from transmission.config import load_config
    from transmission.engine.runner import run_source
    from transmission.journal import Journal

    path = DATA_DIR / "report_journal.duckdb"
    if path.is_file():
        return path
    if not SAMPLE.is_file():
        raise Skip(f"the NQ sample is not at {SAMPLE}")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("report_journal.tmp.duckdb")
    tmp.unlink(missing_ok=True)
    with Journal(tmp) as journal:
        run_source(journal, bar_source(None), load_config())
    tmp.replace(path)
    return path


@case
def daily_report() -> Figures:
    """Wall time of `transmission report daily` (papermill + HTML) on a backtest journal."""
    cli = Path(sys.executable).with_name("transmission")
    if not cli.exists():
        raise Skip(f"the transmission command is not installed next to {sys.executable}")
    probe = subprocess.run(
        [str(cli), "report", "daily", "--help"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        raise Skip(f"`transmission report daily` is not available yet: {probe.stderr[-300:]}")
    db = report_journal()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [str(cli), "report", "daily", "--db", str(db), "--out", tmp],
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - started
        outputs = sorted(p.name for p in Path(tmp).rglob("*") if p.is_file())
    if done.returncode != 0:
        raise RuntimeError(f"the daily report failed ({done.returncode}): {done.stderr[-1500:]}")
    return {"value": seconds, "outputs": outputs}

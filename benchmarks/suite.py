"""The benchmark suite: which measurements, how often, against which baseline, and the report.

Each run of each benchmark is a fresh child process (`benchmarks.child`), so peak RSS is per
benchmark; runs of benchmarks that are compared go round-robin (peer, transmission, peer, ...)
so a shared machine's drift hits both. Ratios are of medians measured in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import data
from benchmarks.child import MARK

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MILLION = 1_000_000


@dataclass(frozen=True)
class Target:
    """A floor (or ceiling) a benchmark should meet; `of` names what is compared."""

    of: str  # "ratio", "rss_vs_baseline", "value" or a figure such as "p99"
    limit: float
    at_least: bool = True

    def text(self) -> str:
        sign = ">=" if self.at_least else "<="
        if self.of == "ratio":
            return f"ratio {sign} {self.limit:g}"
        if self.of == "rss_vs_baseline":
            return "RSS <= baseline's"
        return f"{self.of} {sign} {self.limit:g}"

    def holds(self, row: dict[str, Any]) -> bool | None:
        value = row.get(self.of)
        if self.of == "rss_vs_baseline":
            value = row.get("rss_ratio")
        if value is None:
            return None
        return bool(value >= self.limit if self.at_least else value <= self.limit)


@dataclass(frozen=True)
class Spec:
    name: str
    group: str
    case: str
    args: dict[str, Any]
    unit: str
    repeats: int = 3
    baseline: str | None = None
    targets: tuple[Target, ...] = ()
    figure: str = "value"  # which figure of the case's result this row shows
    note: str = ""
    quick_args: dict[str, Any] = field(default_factory=dict)

    def key(self, quick: bool) -> str:
        args = {**self.args, **(self.quick_args if quick else {})}
        return f"{self.case}:{json.dumps(args, sort_keys=True)}"


def specs() -> list[Spec]:
    """Every benchmark, in the order the table shows them."""
    one_m = {"bars": MILLION}
    quick_bars = {"bars": 60_000}
    # The targets (issue 15, item 8): 2.5x the peer on 1M bars, at no more memory; at
    # least its speed on the sample, where start-up costs weigh most (walk-forward windows).
    ratio = Target("ratio", 2.5)
    return [
        Spec("numpy floor: EMA/ATR features", "engine", "numpy_floor", one_m, "bars/s",
             quick_args=quick_bars, note="EMA(20), EMA(50), ATR(14) over the bars, nothing else"),
        Spec("backtesting.py 0.6.6, sample", "engine", "backtesting_replay", {"bars": None},
             "bars/s"),
        Spec("transmission EMA cross, sample", "engine", "transmission_replay",
             {"bars": None, "config": "ema_cross"}, "bars/s",
             baseline="backtesting.py 0.6.6, sample", targets=(Target("ratio", 1.0),)),
        Spec("transmission default, sample", "engine", "transmission_replay",
             {"bars": None, "config": "default"}, "bars/s",
             baseline="backtesting.py 0.6.6, sample"),
        # The pair with the tightest target: five runs each, so one slow run moves no median.
        Spec("backtesting.py 0.6.6, 1M", "engine", "backtesting_replay", one_m, "bars/s",
             repeats=5, quick_args=quick_bars),
        Spec("transmission EMA cross, 1M", "engine", "transmission_replay",
             {**one_m, "config": "ema_cross"}, "bars/s", baseline="backtesting.py 0.6.6, 1M",
             targets=(ratio, Target("rss_vs_baseline", 1.0, at_least=False)), repeats=5,
             quick_args=quick_bars),
        Spec("transmission default, 1M", "engine", "transmission_replay",
             {**one_m, "config": "default"}, "bars/s", baseline="backtesting.py 0.6.6, 1M",
             quick_args=quick_bars, note="regime-switching: 5-minute signal bars, sessions"),
        # Sweeps: the 36-point EMA-cross grid (fast x slow x stop ATR), points a minute (wall).
        Spec("backtesting.py optimize, 36 points, 1M", "sweeps", "backtesting_optimize",
             one_m, "points/min", repeats=2, quick_args=quick_bars,
             note="Backtest.optimize: a fork pool of every core"),
        Spec("transmission sweep, 36 points, 1M, 2 workers", "sweeps", "transmission_sweep",
             {**one_m, "workers": 2}, "points/min", repeats=2,
             baseline="backtesting.py optimize, 36 points, 1M", targets=(Target("ratio", 2.0),),
             quick_args=quick_bars, note="tm.sweep on a LocalCluster, cluster start included"),
        Spec("transmission sweep, 36 points, 1M, 1 worker", "sweeps", "transmission_sweep",
             {**one_m, "workers": 1}, "points/min", repeats=2, quick_args=quick_bars),
        Spec("transmission sweep: 2 workers vs 1", "sweeps", "transmission_sweep",
             {**one_m, "workers": 2}, "points/min", repeats=2,
             baseline="transmission sweep, 36 points, 1M, 1 worker",
             targets=(Target("ratio", 1.6),), quick_args=quick_bars),
        Spec("research: features + regimes, 1M", "research", "research", one_m, "bars/s",
             baseline="numpy floor: EMA/ATR features", targets=(Target("ratio", 0.2),),
             quick_args=quick_bars, note="compute_features + classify_frame on 5-min bars"),
        Spec("research: whole pipeline, 1M", "research", "research", one_m, "bars/s",
             figure="pipeline_rate", baseline="numpy floor: EMA/ATR features",
             quick_args=quick_bars, note="resample + annotate + features + regimes"),
        Spec("journal: a commit per row", "journal", "journal_row_commits", {"rows": 300},
             "rows/s", quick_args={"rows": 50}),
        Spec("journal: bulk write, 100k trades", "journal", "journal_bulk_trades",
             {"rows": 100_000}, "rows/s", baseline="journal: a commit per row",
             quick_args={"rows": 5000}),
        Spec("journal: bulk write, 1M bars", "journal", "journal_bulk_bars", one_m, "rows/s",
             baseline="journal: a commit per row", quick_args=quick_bars),
        Spec("journal: live commit of a bar's events", "journal", "journal_live_flush",
             {"bars": 6000}, "ms p50", quick_args={"bars": 1500},
             note="a commit after every bar, as a live engine"),
        Spec("API: bare FastAPI endpoint", "api", "api_load",
             {"target": "bare", "path": "/bare"}, "req/s", quick_args={"seconds": 2.0}),
        Spec("API: GET /api/trades?limit=100", "api", "api_load",
             {"target": "transmission", "path": "/api/trades?limit=100"}, "req/s",
             baseline="API: bare FastAPI endpoint",
             targets=(Target("ratio", 0.5), Target("p99", 20.0, at_least=False)),
             quick_args={"seconds": 2.0, "trades": 5000}, note="100,000-trade journal"),
        Spec("API: GET /api/metrics", "api", "api_load",
             {"target": "transmission", "path": "/api/metrics"}, "req/s",
             baseline="API: bare FastAPI endpoint",
             targets=(Target("ratio", 0.5), Target("p99", 20.0, at_least=False)),
             quick_args={"seconds": 2.0, "trades": 5000}, note="100,000-trade journal"),
        Spec("API: uncached filters (1M trades)", "api", "api_uncached",
             {"kind": "filters"}, "ms p99", targets=(Target("p99", 20.0, at_least=False),),
             quick_args={"trades": 5000, "requests": 100},
             note="each path once: strategy, regime, day range; RSS: the server's"),
        Spec("API: deep cursor pages (1M trades)", "api", "api_uncached",
             {"kind": "cursor"}, "ms p99", targets=(Target("p99", 20.0, at_least=False),),
             quick_args={"trades": 5000, "requests": 100},
             note="before_id at random depths; RSS: the server's"),
        Spec("API: deep offset pages (1M trades)", "api", "api_uncached",
             {"kind": "offset"}, "ms p99", targets=(Target("p99", 20.0, at_least=False),),
             quick_args={"trades": 5000, "requests": 100},
             note="random offsets, the same depths; RSS: the server's"),
        Spec("WebSocket: bar to 100 clients", "websocket", "websocket_latency",
             {"clients": 100, "bars": 1800}, "ms p50", repeats=2,
             targets=(Target("p99", 5.0, at_least=False),),
             quick_args={"clients": 10, "bars": 300}),
        Spec("daily report (papermill + HTML)", "reports", "daily_report", {}, "s", repeats=2,
             targets=(Target("value", 10.0, at_least=False),)),
    ]  # fmt: skip


# --- running -----------------------------------------------------------------------------------


def run_child(case: str, args: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
    """One run of a case in a fresh interpreter; its figures (or an "error"/"skipped" entry)."""
    command = [sys.executable, "-m", "benchmarks.child", case, json.dumps(args)]
    env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONHASHSEED": "0"}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            result: dict[str, Any] = json.loads(line[len(MARK) :])
            return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
    return {"error": f"exit {done.returncode}: " + " | ".join(tail)}


def build_data(quick: bool, say: Any) -> None:
    """Build (or find) the tiled bars and the trade journals the benchmarks read."""
    if not data.SAMPLE.is_file():
        raise data.BenchDataError(
            f"the NQ sample is not at {data.SAMPLE}; set TRANSMISSION_BENCH_SAMPLE to its path"
        )
    started = time.perf_counter()
    # In a child process: building a million trade rows would leave this process's memory
    # high, and forked children inherit that high-water mark.
    code = (
        "from benchmarks import data;"
        f"data.tiled_bars({60_000 if quick else MILLION});"
        f"[data.trade_journal(n) for n in {(5000,) if quick else (100_000, MILLION)}]"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
    say(f"data ready in {data.DATA_DIR} ({time.perf_counter() - started:.0f} s)")


def run_suite(
    chosen: Sequence[Spec], *, quick: bool, repeats: int | None, say: Any
) -> dict[str, list[dict[str, Any]]]:
    """Runs per distinct (case, args), round-robin over repeats."""
    keys: dict[str, Spec] = {}
    for spec in chosen:
        keys.setdefault(spec.key(quick), spec)
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    rounds = max((repeats or spec.repeats) for spec in keys.values())
    for round_no in range(rounds):
        for key, spec in keys.items():
            wanted = repeats or spec.repeats
            if round_no >= wanted:
                continue
            if runs[key] and ("skipped" in runs[key][-1]):
                continue
            args = {**spec.args, **(spec.quick_args if quick else {})}
            started = time.perf_counter()
            result = run_child(spec.case, args)
            runs[key].append(result)
            status = result.get("skipped") or result.get("error") or "ok"
            say(f"  [{round_no + 1}/{wanted}] {spec.name}: {status[:160]} "
                f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
    return runs


def summarise(
    chosen: Sequence[Spec], runs: dict[str, list[dict[str, Any]]], quick: bool
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for spec in chosen:
        results = runs[spec.key(quick)]
        good = [r for r in results if "skipped" not in r and "error" not in r]
        row: dict[str, Any] = {
            "name": spec.name,
            "group": spec.group,
            "unit": spec.unit,
            "note": spec.note,
            "args": {**spec.args, **(spec.quick_args if quick else {})},
            "runs": [r.get(spec.figure) for r in good],
            "baseline": spec.baseline,
        }
        skipped = next((r["skipped"] for r in results if "skipped" in r), None)
        errors = [r["error"] for r in results if "error" in r]
        if skipped:
            row["skipped"] = skipped
        if errors:
            row["errors"] = errors
        if good:
            row["median"] = statistics.median(r[spec.figure] for r in good)
            # A case that serves (the uncached API reads) reports its server's peak: the figure
            # that its index or cache moves, not the load generator's.
            served = all(r.get("server_peak_rss_mb") for r in good)
            rss = "server_peak_rss_mb" if served else "rss_mb"
            row["rss_mb"] = statistics.median(r[rss] for r in good)
            if all("p99" in r for r in good):
                row["p99"] = statistics.median(r["p99"] for r in good)
            if all("p99_ms" in r for r in good):
                row["p99"] = statistics.median(r["p99_ms"] for r in good)
                row["p50_ms"] = statistics.median(r["p50_ms"] for r in good)
            row["details"] = good[len(good) // 2]
        rows[spec.name] = row
    for spec in chosen:
        row = rows[spec.name]
        base = rows.get(spec.baseline or "")
        if base and "median" in row and "median" in base:
            row["ratio"] = row["median"] / base["median"]
            row["rss_ratio"] = row["rss_mb"] / base["rss_mb"]
        row["value"] = row.get("median")
        row["targets"] = [{"target": t.text(), "holds": t.holds(row)} for t in spec.targets]
    return list(rows.values())


# --- reporting ---------------------------------------------------------------------------------


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit.endswith("/s"):
        if value >= 1e6:
            return f"{value / 1e6:,.2f} M"
        if value >= 1e4:
            return f"{value / 1e3:,.1f} k"
        return f"{value:,.0f}"
    return f"{value:,.3g}" if value < 100 else f"{value:,.0f}"


def table_rows(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    out = []
    for row in rows:
        if "median" not in row:
            reason = row.get("skipped") or "; ".join(row.get("errors", [])) or "no result"
            out.append([row["name"], "skipped" if "skipped" in row else "failed", "", "", "", "",
                        reason[:90], ""])  # fmt: skip
            continue
        ratio = row.get("ratio")
        versus = f"{ratio:.2f}x {row['baseline']}" if ratio is not None else ""
        targets = row.get("targets", [])
        verdict = ", ".join(
            f"{t['target']}: {'yes' if t['holds'] else 'NO' if t['holds'] is False else '?'}"
            for t in targets
        )
        out.append(
            [
                row["name"],
                _number(row["median"], row["unit"]),
                row["unit"],
                _number(row.get("p99")) if "p99" in row else "",
                f"{row['rss_mb']:.0f}",
                str(len(row["runs"])),
                versus,
                verdict,
            ]
        )
    return out


HEADERS = ["benchmark", "median", "unit", "p99 ms", "peak RSS MB", "runs", "ratio (same run)",
           "target"]  # fmt: skip


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="transmission benchmarks (medians; ratios measured in the same run)")
    for header in HEADERS:
        table.add_column(header, overflow="fold")
    for cells in table_rows(rows):
        table.add_row(*cells)
    Console(width=200).print(table)


def markdown(result: dict[str, Any]) -> str:
    """The results as a Markdown table (for docs/performance.md)."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for cells in table_rows(result["rows"]):
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def write(result: dict[str, Any], baseline: bool, folder: Path = RESULTS_DIR) -> list[Path]:
    """latest.json (and baseline.json) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "latest.json"]
    if baseline:
        paths.append(folder / "baseline.json")
    text = json.dumps(result, indent=1, sort_keys=False, default=str) + "\n"
    for path in paths:
        path.write_text(text)
    return paths

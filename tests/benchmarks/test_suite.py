"""The benchmark harness: its data, its floor and peer, its child processes and its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import suite
from benchmarks.data import tile
from benchmarks.floor import atr, ema
from transmission.features.ema import ema as transmission_ema
from transmission.features.wilder import atr as transmission_atr
from transmission.market.loader import load_bars

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> pd.DataFrame:
    return load_bars(sample_path).bars.drop(columns="line")


def test_tiled_sample_keeps_order_weekdays_and_times_of_day(sample: pd.DataFrame) -> None:
    n = 2 * len(sample) + 100
    tiled = tile(sample, n)
    assert len(tiled) == n
    assert tiled["ts"].is_monotonic_increasing and tiled["ts"].is_unique
    copy = tiled.iloc[len(sample) : 2 * len(sample)].reset_index(drop=True)
    original = sample["ts"].dt.tz_localize(None)
    shifted = copy["ts"].dt.tz_localize(None)
    assert (shifted.dt.day_of_week == original.dt.day_of_week).all()
    assert (shifted.dt.time == original.dt.time).all()
    np.testing.assert_array_equal(copy["close"], sample["close"])


def test_tiling_to_no_bars_is_refused(sample: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="at least 1 bar, got 0"):
        tile(sample, 0)


def test_numpy_floor_computes_the_engines_ema_and_atr_exactly(sample: pd.DataFrame) -> None:
    high, low, close = (sample[k].to_numpy(np.float64) for k in ("high", "low", "close"))
    np.testing.assert_array_equal(ema(close, 20), transmission_ema(close, 20))
    np.testing.assert_array_equal(atr(high, low, close, 14), transmission_atr(high, low, close, 14))


def test_backtesting_peer_trades_the_ema_cross_on_the_sample(sample: pd.DataFrame) -> None:
    from benchmarks.peers import backtesting_py

    result = backtesting_py.run(backtesting_py.frame_for(sample))
    assert result["trades"] == 225  # the transmission golden replay trades 225 times too


def test_a_child_run_of_an_unknown_case_reports_the_error() -> None:
    result = suite.run_child("no_such_case", {})
    assert result["error"].startswith("exit 2: usage: python -m benchmarks.child CASE")
    assert "transmission_replay" in result["error"]


def _rows(bars_per_s: dict[str, list[float]], rss: dict[str, float]) -> list[dict]:
    chosen = [s for s in suite.specs() if s.name in bars_per_s]
    runs = {
        spec.key(False): [{"value": v, "rss_mb": rss[spec.name]} for v in bars_per_s[spec.name]]
        for spec in chosen
    }
    return suite.summarise(chosen, runs, quick=False)


def test_summary_takes_medians_ratios_and_says_which_targets_hold() -> None:
    rows = _rows(
        {
            "backtesting.py 0.6.6, 1M": [100.0, 80.0, 120.0],
            "transmission EMA cross, 1M": [260.0, 250.0, 270.0],
        },
        {"backtesting.py 0.6.6, 1M": 500.0, "transmission EMA cross, 1M": 550.0},
    )
    ours = next(r for r in rows if r["name"] == "transmission EMA cross, 1M")
    assert ours["median"] == 260.0 and ours["ratio"] == pytest.approx(2.6)
    assert [t["holds"] for t in ours["targets"]] == [True, False]  # 2.6x, but more memory
    markdown = suite.markdown({"rows": rows})
    assert "| transmission EMA cross, 1M | 260 | bars/s |" in markdown
    assert "ratio >= 2.5: yes, RSS <= baseline's: NO" in markdown


def test_a_skipped_benchmark_shows_its_reason_in_the_table() -> None:
    spec = next(s for s in suite.specs() if s.name == "API: GET /api/metrics")
    runs = {spec.key(False): [{"skipped": "transmission.api.main is not importable yet"}]}
    rows = suite.summarise([spec], runs, quick=False)
    cells = suite.table_rows(rows)[0]
    assert cells[1] == "skipped" and "not importable" in cells[6]


@pytest.mark.slow
def test_quick_journal_benchmarks_run_end_to_end_and_write_their_results(
    sample_path: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--repeat", "1", "--group", "journal",
         "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "latest.json").read_text())
    rows = {row["name"]: row for row in result["rows"]}
    assert result["machine"]["cores"] >= 1 and result["quick"] is True
    bulk = rows["journal: bulk write, 100k trades"]
    assert bulk["median"] > 0 and bulk["ratio"] > 1  # bulk beats a commit per row
    assert rows["journal: live commit of a bar's events"]["p99"] > 0
    assert "journal: bulk write, 100k trades" in done.stdout


def test_the_scaling_row_reads_the_two_worker_sweeps_own_runs() -> None:
    """ "2 workers vs 1" is a ratio of rows measured anyway: its runs are the 2-worker sweep's
    (one key, so `run_suite` runs them once), not a third sweep of their own."""
    specs = {spec.name: spec for spec in suite.specs() if spec.group == "sweeps"}
    scaling = specs["transmission sweep: 2 workers vs 1"]
    two = specs["transmission sweep, 36 points, 1M, 2 workers"]
    assert scaling.key(False) == two.key(False) and scaling.key(True) == two.key(True)
    assert scaling.baseline == "transmission sweep, 36 points, 1M, 1 worker"
    assert len({spec.key(False) for spec in specs.values()}) == len(specs) - 1

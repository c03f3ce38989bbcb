"""The `transmission` command line end to end, in real subprocesses on real journals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from transmission.engine.runner import RunSummary

BIN = Path(sys.executable).parent / "transmission"
ENV = {**os.environ, "COLUMNS": "200"}

METRIC_FIELDS = {
    "window_trades",
    "profit_factor",
    "expected_r",
    "win_rate",
    "win_rate_wilson_lb",
    "total_trades",
    "total_wins",
    "total_losses",
    "avg_win_r",
    "avg_loss_r",
    "max_drawdown_r",
    "sqn",
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=ENV)


def test_help_lists_every_command() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("ingest", "backtest", "metrics", "trades"):
        assert command in result.stdout


def test_ingest_twice_accepts_every_bar_once(sample_path: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "t.duckdb")
    first = cli("ingest", str(sample_path), "--symbol", "NQ", "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["accepted"] == 14714 and report["quarantined"] == 0
    again = json.loads(
        cli("ingest", str(sample_path), "--symbol", "NQ", "--db", db, "--json").stdout
    )
    assert again["accepted"] == 0 and again["already_stored"] == 14714


def test_ingest_quarantines_broken_rows_and_keeps_every_good_one(
    sample_path: Path, tmp_path: Path
) -> None:
    lines = sample_path.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    broken = list(rows)
    broken[10] = "2023-11-19 18:10:00,15870.00,15860.00,15880.00,15865.00,100"  # high < low
    broken[20] = "2023-11-19 18:20:00,15870.00,15880.00,15860.00,nan,100"  # NaN close
    broken[30] = "2023-11-19 18:30:00,15870.00,15880.00,15860.00,15865.00,-5"  # negative volume
    ts40, o, h, low, _close, v = rows[40].split(",")
    broken.insert(41, ",".join([ts40, o, h, low, low, v]))  # same timestamp, other prices
    broken.insert(61, "2023-11-19 18:05:30,15880.00,15881.00,15879.00,15880.00,10")  # out of order
    broken.insert(71, rows[69])  # an exact repeat: skipped and counted, not quarantined
    broken.insert(81, "2023-11-19 19:25:00,oops")  # malformed
    path = tmp_path / "broken.csv"
    path.write_text("\n".join([header, *broken]) + "\n")
    db = str(tmp_path / "b.duckdb")
    report = json.loads(cli("ingest", str(path), "--symbol", "NQ", "--db", db, "--json").stdout)
    assert report["quarantined"] == 6
    assert report["accepted"] == 14714 - 3
    assert report["duplicates_skipped"] == 1
    reasons = report["quarantine_reasons"]
    assert set(reasons) == {
        "high < low",
        "non-finite price",
        "negative volume",
        "duplicate timestamp with different prices",
        "out of order",
        "malformed line",
    }


def test_ingest_of_a_missing_file_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = cli("ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    assert "nope.csv" in result.stderr


def test_metrics_json_has_the_api_fields(nq_backtest: tuple[Path, RunSummary]) -> None:
    db, _ = nq_backtest
    result = cli("metrics", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) >= METRIC_FIELDS
    assert figures["total_trades"] > 0


def test_metrics_by_strategy_groups_the_trades(nq_backtest: tuple[Path, RunSummary]) -> None:
    db, _ = nq_backtest
    figures = json.loads(cli("metrics", "--db", str(db), "--by", "strategy", "--json").stdout)
    assert set(figures) <= {"vwap_pullback", "vwap_band_reversion", "opening_range_breakout"}
    assert sum(group["total_trades"] for group in figures.values()) > 0


def test_metrics_on_a_missing_journal_says_so(tmp_path: Path) -> None:
    result = cli("metrics", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2 and "no journal" in result.stderr


def test_trades_export_as_json_and_csv_with_filters(nq_backtest: tuple[Path, RunSummary]) -> None:
    db, _ = nq_backtest
    trades = json.loads(cli("trades", "--db", str(db), "--format", "json").stdout)
    assert trades and {"trade_id", "result_r", "exit_reason", "trade_type"} <= set(trades[0])
    first_day = trades[0]["trading_day"]
    only = json.loads(
        cli(
            "trades",
            "--db",
            str(db),
            "--format",
            "json",
            "--since",
            first_day,
            "--until",
            first_day,
        ).stdout
    )
    assert only and all(t["trading_day"] == first_day for t in only)
    csv = cli("trades", "--db", str(db), "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("trade_id,") and len(csv) == len(trades) + 1


def test_trades_rejects_a_malformed_date(nq_backtest: tuple[Path, RunSummary]) -> None:
    db, _ = nq_backtest
    result = cli("trades", "--db", str(db), "--since", "21/11/2023")
    assert result.returncode == 2 and "--since expects a date" in result.stderr


@pytest.mark.slow
def test_backtest_prints_a_summary_with_trades_and_speed(sample_path: Path, tmp_path: Path) -> None:
    result = cli(
        "backtest",
        "--data",
        str(sample_path),
        "--symbol",
        "MNQ",
        "--db",
        str(tmp_path / "b.duckdb"),
    )
    assert result.returncode == 0, result.stderr
    for label in ("trades", "profit factor", "E[R]", "tripwire trips", "bars/s"):
        assert label in result.stdout


def test_backtest_with_a_bad_config_names_the_problem(sample_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[risk]\nrisk_per_trade = 100\n")
    result = cli(
        "backtest",
        "--data",
        str(sample_path),
        "--db",
        str(tmp_path / "c.duckdb"),
        "--config",
        str(config),
    )
    assert result.returncode == 2
    assert "risk_per_trade" in result.stderr and "bad.toml" in result.stderr

"""The CLI refuses bad inputs before a run starts and says which run it reads (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from transmission.engine.feeds import from_simulator

BIN = Path(sys.executable).parent / "transmission"
ENV = {**os.environ, "COLUMNS": "200"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command's result, its stderr unwrapped (rich wraps it at the terminal's width)."""
    result = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=ENV)
    result.stderr = " ".join(result.stderr.split())
    return result


def _runs(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT run_id, status FROM runs").fetchall()
    return [(str(run_id), str(status)) for run_id, status in rows]


def _sim_csv(path: Path, days: int = 2) -> Path:
    bars = from_simulator(days, "MNQ").bars
    bars.assign(ts=bars["ts"].dt.tz_localize(None)).rename(columns={"ts": "timestamp"}).to_csv(
        path, index=False
    )
    return path


@pytest.mark.parametrize(
    "toml",
    [
        '[risk]\nrisk_per_trade_usd = "lots"',
        "[risk]\nrisk_per_trade_usd = -200",
        "[costs]\ncommission_per_side = -1",
        "[risk]\nmax_drawdown_r = 0",
        "[strategies.nosuch]\nx = 1",
    ],
)
def test_backtest_with_a_bad_config_exits_2_naming_the_file_before_any_run_starts(
    tmp_path: Path, toml: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    db = tmp_path / "j.duckdb"
    result = cli("backtest", "--simulate", "2", "--config", str(config), "--db", str(db))
    assert result.returncode == 2
    assert "bad.toml" in result.stderr
    assert _runs(db) == []  # nothing left `running`


def test_backtest_takes_the_symbol_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "es.toml"
    config.write_text('symbol = "ES"\n')
    db = tmp_path / "j.duckdb"
    result = cli("backtest", "--simulate", "2", "--config", str(config), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT symbol FROM runs").fetchall() == [("ES",)]


def test_backtest_of_a_file_with_every_row_quarantined_exits_2_with_the_reasons(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.csv"
    times = pd.date_range("2023-11-20 09:30", periods=5, freq="1min")
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(f"{t},100.0,99.0,98.0,100.0,5\n" for t in times)
    )
    db = tmp_path / "j.duckdb"
    result = cli("backtest", "--data", str(path), "--db", str(db))
    assert result.returncode == 2
    assert "no good bars" in result.stderr and "high below open/close: 5" in result.stderr
    assert _runs(db) == []


def test_backtest_of_hourly_bars_exits_2_saying_what_interval_it_found(tmp_path: Path) -> None:
    path = tmp_path / "eurusd_h1.csv"
    times = pd.date_range("2023-01-02", periods=300, freq="1h")
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(f"{t},1.0712,1.0719,1.0705,1.0714,1200\n" for t in times)
    )
    result = cli("backtest", "--data", str(path), "--db", str(tmp_path / "j.duckdb"))
    assert result.returncode == 2
    assert "not 1-minute bars" in result.stderr and "1 hour" in result.stderr


@pytest.mark.slow
def test_backtest_rerun_keeps_the_completed_run_and_runs_lists_both(tmp_path: Path) -> None:
    db = str(tmp_path / "j.duckdb")
    first = json.loads(cli("backtest", "--simulate", "2", "--db", db, "--json").stdout)
    again = json.loads(cli("backtest", "--simulate", "2", "--db", db, "--json").stdout)
    rerun = json.loads(cli("backtest", "--simulate", "2", "--db", db, "--rerun", "--json").stdout)
    assert again["status"] == "already completed" and again["run_id"] == first["run_id"]
    assert rerun["run_id"] == f"{first['run_id']}-r2" and rerun["status"] == "completed"
    listed = json.loads(cli("runs", "--db", db, "--json").stdout)
    assert {row["run_id"] for row in listed} == {first["run_id"], rerun["run_id"]}
    assert all(row["status"] == "completed" and row["bars_digest"] for row in listed)
    assert listed[0]["trades"] == rerun["metrics"]["total_trades"]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["metrics", "trades"])
def test_reading_commands_name_the_run_and_refuse_an_unknown_one(
    tmp_path: Path, command: str
) -> None:
    db = str(tmp_path / "j.duckdb")
    run_id = json.loads(cli("backtest", "--simulate", "2", "--db", db, "--json").stdout)["run_id"]
    read = cli(command, "--db", db)
    assert read.returncode == 0, read.stderr
    # Which run, and what it was run on: symbol, source, dataset, first and last bar.
    bars = from_simulator(2, "MNQ").bars
    span = f"{bars['ts'].iloc[0]:%Y-%m-%d %H:%M} to {bars['ts'].iloc[-1]:%Y-%m-%d %H:%M} ET"
    assert f"run {run_id} (backtest, completed; MNQ, simulator: 2 days, seed 7, dataset sim-" in (
        read.stderr
    )
    assert f", {span})" in read.stderr
    unknown = cli(command, "--db", db, "--run", "backtest-nosuch")
    assert unknown.returncode == 2
    assert "unknown run 'backtest-nosuch'" in unknown.stderr


@pytest.mark.slow
def test_backtest_start_and_end_select_trading_days(tmp_path: Path) -> None:
    db = str(tmp_path / "j.duckdb")
    whole = json.loads(cli("backtest", "--simulate", "4", "--db", db, "--json").stdout)
    days = from_simulator(4, "MNQ").bars
    from transmission.market.calendar import trading_days_of

    trading = trading_days_of(days["ts"]).dt.date
    second, third = sorted(set(trading))[1:3]
    part = cli("backtest", "--simulate", "4", "--db", db, "--json",
               "--start", str(second), "--end", str(third))  # fmt: skip
    assert part.returncode == 0, part.stderr
    report = json.loads(part.stdout)
    assert report["bars"] == int(((trading >= second) & (trading <= third)).sum())
    assert report["bars"] < whole["bars"] and report["run_id"] != whole["run_id"]


@pytest.mark.slow
def test_backtest_warns_when_naive_times_are_not_eastern_and_tz_fixes_it(tmp_path: Path) -> None:
    bars = from_simulator(3, "MNQ").bars
    path = tmp_path / "utc.csv"
    utc = bars["ts"].dt.tz_convert("UTC").dt.tz_localize(None)
    bars.assign(ts=utc).rename(columns={"ts": "timestamp"}).to_csv(path, index=False)
    db = str(tmp_path / "j.duckdb")
    shifted = cli("backtest", "--data", str(path), "--db", db, "--json")
    assert shifted.returncode == 0, shifted.stderr
    assert "maintenance break" in shifted.stderr
    fixed = cli("backtest", "--data", str(path), "--db", db, "--json", "--tz", "UTC")
    assert fixed.returncode == 0, fixed.stderr
    assert "maintenance break" not in fixed.stderr
    assert json.loads(fixed.stdout)["bars"] == len(bars)


def test_backtest_summary_prints_its_risk_lines_and_sample_warning_as_text(tmp_path: Path) -> None:
    # 40 simulated days: a strategy's win-rate pause holds to the end of the data (a headline),
    # and 17 trades are too few to judge.
    result = cli("backtest", "--simulate", "40", "--db", str(tmp_path / "j.duckdb"))
    assert result.returncode == 0, result.stderr
    lines = [line.strip("│ ") for line in result.stdout.splitlines()]
    assert lines[0].startswith("risk: wilson_win_rate paused vwap_pullback from ")
    assert any(line.startswith("risk: to trade through: ") for line in lines)
    assert "`[risk] profile` in the config" in " ".join(result.stdout.split())
    assert any(line.startswith("sample ") and "too few to judge" in line for line in lines)
    assert "[/]" not in result.stdout and "\\[" not in result.stdout


@pytest.mark.slow
def test_metrics_name_a_run_whose_stored_config_this_version_cannot_read(tmp_path: Path) -> None:
    db = str(tmp_path / "j.duckdb")
    run_id = json.loads(cli("backtest", "--simulate", "2", "--db", db, "--json").stdout)["run_id"]
    with duckdb.connect(db) as con:  # as an older version might have stored it
        con.execute(
            'UPDATE runs SET params = json_merge_patch(params, \'{"config": {"gone": 1}}\')'
        )
    read = cli("metrics", "--db", db)
    assert read.returncode == 0, read.stderr
    assert f"run {run_id} (backtest, completed; MNQ, simulator: 2 days, seed 7" in read.stderr

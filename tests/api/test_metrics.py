"""GET /api/metrics: the package's metrics of the matching trades, windowed and grouped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.api.conftest import BacktestJournal, Server
from tests.samples import SAMPLE
from transmission.engine.feeds import BarSource, from_file, from_simulator
from transmission.market.calendar import globex_session, trading_days_of
from transmission.metrics import compute_metrics, trade_stats
from transmission.risk.summary import risk_summary


@pytest.fixture(scope="module")
def results(server: Server, backtest_journal: BacktestJournal) -> list[dict]:
    with server.client() as http:
        page = http.get("/api/trades", params={"run_id": backtest_journal.run_id, "limit": 1000})
    return page.json()["trades"][::-1]  # oldest first, as metrics read them


@pytest.mark.parametrize("window", [1, 3, 20])
def test_metrics_equal_the_package_metrics_of_the_runs_trades(
    server: Server, backtest_journal: BacktestJournal, results: list[dict], window: int
):
    expected = compute_metrics(np.array([t["result_r"] for t in results]), window=window)
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "window": window}
        ).json()
    assert got == pytest.approx(expected.to_dict())
    assert got["window_trades"] == min(window, len(results))
    design = {
        "window_trades", "profit_factor", "expected_r", "win_rate", "win_rate_wilson_lb",
        "total_trades", "total_wins", "total_losses", "avg_win_r", "avg_loss_r",
        "profit_factor_infinite", "max_drawdown_r", "sqn",
    }  # fmt: skip
    assert design <= set(got)


def test_metrics_grouped_by_strategy_have_one_set_per_strategy(
    server: Server, backtest_journal: BacktestJournal, results: list[dict]
):
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "by": "strategy"}
        ).json()
    assert got["by"] == "strategy" and got["window"] == 20
    assert set(got["groups"]) == {t["strategy_used"] for t in results}
    for name, figures in got["groups"].items():
        mine = [t["result_r"] for t in results if t["strategy_used"] == name]
        assert figures["total_trades"] == len(mine)
        assert figures["total_r"] == pytest.approx(sum(mine))


def test_metrics_with_a_filter_cover_only_matching_trades(
    server: Server, backtest_journal: BacktestJournal, results: list[dict]
):
    regime = results[0]["regime"]
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "regime": regime}
        ).json()
    assert got["total_trades"] == sum(t["regime"] == regime for t in results)


def test_metrics_of_a_run_without_trades_are_empty_not_an_error(server: Server):
    with server.client() as http:
        got = http.get("/api/metrics", params={"run_id": "no-such-run"})
    assert got.status_code == 200
    body = got.json()
    assert body["total_trades"] == 0 and body["profit_factor"] is None


@pytest.mark.parametrize(
    "params", [{"window": 0}, {"window": "ten"}, {"by": "weekday"}, {"windw": 5}]
)
def test_metrics_with_a_bad_parameter_are_422(server: Server, params):
    with server.client() as http:
        got = http.get("/api/metrics", params=params)
    assert got.status_code == 422 and got.json()["error"] == "invalid_request"


@pytest.fixture(scope="module")
def source(backtest_journal: BacktestJournal) -> BarSource:
    """The bars the session's backtest ran on, read again from their file (or simulator)."""
    if SAMPLE.exists():
        return from_file(SAMPLE, "MNQ")
    return from_simulator(6, "MNQ", seed=11)


def _journal_frames(path: Path, run_id: str) -> tuple[pd.DataFrame, ...]:
    """The run's trades, tripwire events and signals straight from a copy of the file."""
    with duckdb.connect(str(path), read_only=True) as con:
        return tuple(
            con.execute(f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {order}", [run_id]).df()
            for table, order in (
                ("trades", "timestamp_exit, trade_id"),
                ("risk_events", "ts, seq"),
                ("signals", "ts, signal_id"),
            )
        )


def test_metrics_with_details_give_the_runs_trade_stats_and_risk_summary(
    server: Server, backtest_journal: BacktestJournal, source: BarSource
):
    run = backtest_journal.run_id
    with server.client() as http:
        got = http.get("/api/metrics", params={"run_id": run, "details": "true"}).json()
    trades, events, signals = _journal_frames(backtest_journal.copy, run)
    for frame in (events, signals):
        frame["ts"] = frame["ts"].dt.tz_convert("America/New_York")
    days = list(trading_days_of(source.bars["ts"]).unique())
    stats = trade_stats(trades, source.bars, point_value=2.0, trading_days=days).to_dict()
    assert got["stats"] == pytest.approx(stats)
    assert got["stats"]["sharpe_daily"] is not None and got["stats"]["exposure"] > 0
    risk = risk_summary(events, signals, days, source.bars["ts"].iloc[-1])
    assert got["risk"] == {**risk, "profile": "live"}
    assert got["risk"]["blocks"] and got["risk"]["vetoes"]  # the sample trips and vetoes
    assert got["run"]["run_id"] == run and got["run"]["symbol"] == "MNQ"
    assert pd.Timestamp(got["run"]["first_bar"]) == source.bars["ts"].iloc[0]
    assert pd.Timestamp(got["run"]["last_bar"]) == source.bars["ts"].iloc[-1]
    # The metrics themselves are those without details.
    assert {k: got[k] for k in compute_metrics([]).to_dict()} == pytest.approx(
        compute_metrics(trades["result_r"].to_numpy()).to_dict()
    )


def test_metrics_with_details_of_one_day_cover_that_days_trades_and_blocks(
    server: Server, backtest_journal: BacktestJournal, results: list[dict]
):
    day = results[0]["trading_day"]
    params = {"run_id": backtest_journal.run_id, "details": "true", "since": day, "until": day}
    with server.client() as http:
        got = http.get("/api/metrics", params=params).json()
    assert got["stats"]["trades"] == sum(t["trading_day"] == day for t in results)
    assert got["stats"]["trading_days"] == got["risk"]["trading_days"] == 1
    start, end = globex_session(date.fromisoformat(day))
    for block in got["risk"]["blocks"]:
        assert pd.Timestamp(block["start"]) < end
        assert block["end"] is None or pd.Timestamp(block["end"]) > start


def test_metrics_without_details_are_the_metrics_alone(
    server: Server, backtest_journal: BacktestJournal
):
    with server.client() as http:
        got = http.get("/api/metrics", params={"run_id": backtest_journal.run_id}).json()
        grouped = http.get(
            "/api/metrics",
            params={"run_id": backtest_journal.run_id, "by": "regime", "details": "true"},
        ).json()
    assert not {"run", "stats", "risk"} & set(got)
    assert grouped["stats"]["trades"] == sum(g["total_trades"] for g in grouped["groups"].values())


def test_metrics_with_details_of_an_unknown_run_are_404_naming_it(server: Server):
    with server.client() as http:
        got = http.get("/api/metrics", params={"run_id": "no-such-run", "details": "true"})
    assert got.status_code == 404
    assert "unknown run 'no-such-run'" in got.json()["message"]

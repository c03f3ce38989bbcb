"""GET /api/runs, /api/equity, /api/candles, /api/positions, and `run=` on the reads."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import BacktestJournal, Server
from transmission.journal import Journal
from transmission.journal.queries import signals_frame
from transmission.metrics import compute_metrics
from transmission.strategies.names import display_name


@pytest.fixture(scope="module")
def closed(server: Server, backtest_journal: BacktestJournal) -> list[dict]:
    with server.client() as http:
        page = http.get("/api/trades", params={"run": backtest_journal.run_id, "limit": 1000})
    return list(reversed(page.json()["trades"]))  # exit order


def test_runs_list_every_run_with_what_it_ran_on(server: Server, backtest_journal: BacktestJournal):
    with server.client() as http:
        runs = http.get("/api/runs").json()["runs"]
    by_id = {run["run_id"]: run for run in runs}
    backtest = by_id[backtest_journal.run_id]
    assert backtest["kind"] == "backtest" and backtest["status"] == "completed"
    assert backtest["trades"] == backtest_journal.trades and backtest["symbol"] == "MNQ"
    assert backtest["dataset"] and backtest["timeframe_minutes"] == 5
    assert backtest["gearbox"]["TREND"] == "vwap_pullback"
    assert by_id[server.state.engine.run_id]["kind"] == "live"
    assert len({run["run_number"] for run in runs}) == len(runs)


def test_run_selects_the_run_of_trades_metrics_and_status(
    server: Server, backtest_journal: BacktestJournal
):
    run = {"run": backtest_journal.run_id}
    with server.client() as http:
        trades = http.get("/api/trades", params=run).json()
        metrics = http.get("/api/metrics", params=run).json()
        status = http.get("/api/system/status", params=run).json()
        live = http.get("/api/system/status").json()
        unknown = http.get("/api/system/status", params={"run": "no-such-run"})
    assert trades["total"] == metrics["total_trades"] == backtest_journal.trades
    assert status["run_id"] == backtest_journal.run_id and status["source"] == "journal"
    assert status["system_state"] == "completed"
    assert live["run_id"] == server.state.engine.run_id and live["source"] == "engine"
    assert unknown.status_code == 404 and "/api/runs" in unknown.json()["message"]


def test_equity_by_trade_adds_up_each_trade_in_r_and_dollars(
    server: Server, backtest_journal: BacktestJournal, closed: list[dict]
):
    with server.client() as http:
        curve = http.get("/api/equity", params={"run": backtest_journal.run_id}).json()
    points = curve["points"]
    assert [p["trade_id"] for p in points] == [t["trade_id"] for t in closed]
    assert points[-1]["equity_r"] == pytest.approx(sum(t["result_r"] for t in closed))
    assert points[-1]["equity_usd"] == pytest.approx(sum(t["pnl_usd"] for t in closed))
    figures = compute_metrics([t["result_r"] for t in closed])
    assert max(p["drawdown_r"] for p in points) == pytest.approx(figures.max_drawdown_r)


def test_equity_by_day_sums_each_trading_day(
    server: Server, backtest_journal: BacktestJournal, closed: list[dict]
):
    with server.client() as http:
        daily = http.get("/api/equity", params={"run": backtest_journal.run_id, "by": "day"})
    points = daily.json()["points"]
    days = sorted({t["trading_day"] for t in closed})
    assert [p["trading_day"] for p in points] == days
    first = [t for t in closed if t["trading_day"] == days[0]]
    assert points[0]["trades"] == len(first)
    assert points[0]["pnl_usd"] == pytest.approx(sum(t["pnl_usd"] for t in first))
    assert points[-1]["equity_r"] == pytest.approx(sum(t["result_r"] for t in closed))


@pytest.mark.parametrize("interval", [1, 5])
def test_candles_carry_vwap_bands_and_the_regime(
    server: Server, backtest_journal: BacktestJournal, interval: int
):
    params = {"run": backtest_journal.run_id, "interval": interval, "limit": 120}
    with server.client() as http:
        got = http.get("/api/candles", params=params)
        assert got.status_code == 200, got.text
        got = got.json()
    candles = got["candles"]
    assert got["minutes"] == interval and len(candles) == 120
    times = [c["ts"] for c in candles]
    assert times == sorted(times)
    for c in candles:
        assert c["low"] <= min(c["open"], c["close"]) <= max(c["open"], c["close"]) <= c["high"]
        assert c["regime"] in {"TREND", "RANGE", "VOLATILE", "NO_TRADE"}
        if c["vwap"] is not None:
            assert c["vwap_lower_2"] <= c["vwap_lower_1"] <= c["vwap"] <= c["vwap_upper_1"]


def test_candles_over_a_time_range_stay_inside_it(
    server: Server, backtest_journal: BacktestJournal, closed: list[dict]
):
    since = closed[0]["timestamp_entry"][:10] + "T09:30:00"
    until = closed[0]["timestamp_entry"][:10] + "T10:30:00"
    params = {"run": backtest_journal.run_id, "interval": 5, "since": since, "until": until}
    with server.client() as http:
        candles = http.get("/api/candles", params=params).json()["candles"]
        backwards = http.get("/api/candles", params={"since": until, "until": since})
    assert len(candles) == 12
    assert candles[0]["ts"].startswith(since) and candles[-1]["ts"] < until
    assert backwards.status_code == 422


def test_an_open_trade_is_answered_by_id_from_its_entry_with_exit_fields_null(server: Server):
    """The entry's WebSocket id is a REST id at once (it was 404 until the trade closed)."""
    deadline = time.monotonic() + 180
    with server.client() as http:
        while True:
            positions = http.get("/api/positions").json()["positions"]
            if positions:
                break
            assert time.monotonic() < deadline, "the engine opened no trade in 180 s"
            time.sleep(0.05)
        position = positions[0]
        trade = position["trade"]
        got = http.get(f"/api/trades/{trade['trade_id']}")
    assert got.status_code == 200
    body = got.json()
    if body["timestamp_exit"] is None:  # still open when asked (it may close in between)
        assert body == trade
        assert body["exit_price"] is None and body["result_r"] is None
    assert body["timestamp_entry"] == trade["timestamp_entry"]
    assert position["last_price"] is not None and position["unrealized_usd"] is not None
    risk = trade["risk_usd"]
    assert position["unrealized_r"] == pytest.approx(position["unrealized_usd"] / risk)


def test_a_run_without_an_open_trade_has_no_positions(
    server: Server, backtest_journal: BacktestJournal
):
    with server.client() as http:
        got = http.get("/api/positions", params={"run": backtest_journal.run_id}).json()
    assert got == {"run_id": backtest_journal.run_id, "positions": []}


def test_signals_list_the_runs_journalled_signals_with_their_decisions_newest_first(
    server: Server, backtest_journal: BacktestJournal
):
    run = backtest_journal.run_id
    with Journal(backtest_journal.copy, read_only=True) as journal:
        stored = signals_frame(journal, run)
    with server.client() as http:
        everything = http.get("/api/signals", params={"run": run, "limit": 1000}).json()
        vetoed = http.get("/api/signals", params={"run": run, "decision": "vetoed"}).json()
        newest = http.get("/api/signals", params={"run": run, "limit": 2}).json()
        unknown = http.get("/api/signals", params={"run": "no-such-run"})
        bad = http.get("/api/signals", params={"decision": "maybe"})
    signals = everything["signals"]
    assert everything["run_id"] == run and len(signals) == len(stored) > 0
    assert [s["signal_id"] for s in signals] == stored["signal_id"].tolist()[::-1]
    assert signals[0]["strategy"] == display_name(signals[0]["strategy_id"])
    assert {s["decision"] for s in vetoed["signals"]} == {"vetoed"}
    assert len(vetoed["signals"]) == int((stored["decision"] == "vetoed").sum()) > 0
    assert all(s["veto_reason"] for s in vetoed["signals"])
    assert newest["signals"] == signals[:2]
    assert unknown.status_code == 404 and "/api/runs" in unknown.json()["message"]
    assert bad.status_code == 422 and "decision" in bad.text

"""A backtest of the real NQ sample obeys the session, sizing and tripwire rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transmission.config import load_config
from transmission.engine.feeds import from_file
from transmission.engine.runner import RunSummary, run_source
from transmission.journal import Journal, open_reader
from transmission.journal.queries import (
    TRADE_FIELDS,
    TradeFilter,
    regime_changes_frame,
    risk_events_frame,
    signals_frame,
    trades_frame,
)
from transmission.market.calendar import rth_windows

RISK_PER_TRADE = load_config().risk_config().risk_per_trade_usd


@pytest.fixture(scope="module")
def journalled(nq_backtest: tuple[Path, RunSummary]) -> dict[str, pd.DataFrame]:
    db, summary = nq_backtest
    with open_reader(db) as journal:
        return {
            "trades": trades_frame(journal, TradeFilter(run_id=summary.run_id)),
            "regimes": regime_changes_frame(journal, summary.run_id),
            "risk": risk_events_frame(journal, summary.run_id),
            "signals": signals_frame(journal, summary.run_id),
        }


def test_backtest_journals_trades_regime_changes_and_risk_events(
    journalled: dict[str, pd.DataFrame],
) -> None:
    assert len(journalled["trades"]) > 0
    assert len(journalled["regimes"]) > 0
    assert len(journalled["risk"]) > 0
    assert list(journalled["trades"].columns) == list(TRADE_FIELDS)


def test_every_trade_lies_inside_rth_and_is_flat_five_minutes_before_the_close(
    journalled: dict[str, pd.DataFrame],
) -> None:
    trades = journalled["trades"]
    windows = rth_windows(pd.to_datetime(trades["trading_day"]))
    for _, t in trades.iterrows():
        day = pd.Timestamp(t["trading_day"])
        rth_open, rth_close = windows.loc[day, "rth_open"], windows.loc[day, "rth_close"]
        assert rth_open <= t["timestamp_entry"] < rth_close
        assert t["timestamp_exit"] <= rth_close - pd.Timedelta(minutes=5)


def test_one_r_never_exceeds_the_risk_per_trade(journalled: dict[str, pd.DataFrame]) -> None:
    trades = journalled["trades"]
    assert (trades["risk_usd"] <= RISK_PER_TRADE + 1e-9).all()
    planned = (trades["stop_price"] - trades["entry_price"]).abs()
    assert (trades["contracts"] >= 1).all()
    assert (planned > 0).all()


def test_result_r_is_net_pnl_over_one_r(journalled: dict[str, pd.DataFrame]) -> None:
    trades = journalled["trades"]
    assert (trades["result_r"] - trades["pnl_usd"] / trades["risk_usd"]).abs().max() < 1e-9


def test_no_entry_is_taken_while_a_tripwire_holds(journalled: dict[str, pd.DataFrame]) -> None:
    """Replays the trip/reset events: at each accepted signal, no account-wide rule is tripped."""
    events = journalled["risk"]
    signals = journalled["signals"]
    accepted = signals[signals["decision"] == "accepted"]
    held: set[tuple[str, str | None]] = set()
    timeline = sorted(
        [(row.ts, 0, row) for row in events.itertuples()]
        + [(row.ts, 1, row) for row in accepted.itertuples()],
        key=lambda item: (item[0], item[1]),
    )
    for _, kind, row in timeline:
        if kind == 0:
            key = (row.rule, row.strategy)
            (held.add if row.event == "trip" else held.discard)(key)
        else:
            blocking = {k for k in held if k[1] is None or k[1] == row.strategy}
            assert not blocking, f"signal {row.signal_id} accepted while {blocking} held"


def test_vetoed_signals_carry_their_reason(journalled: dict[str, pd.DataFrame]) -> None:
    signals = journalled["signals"]
    vetoed = signals[signals["decision"] != "accepted"]
    assert vetoed["veto_reason"].notna().all()


def test_rerunning_a_completed_backtest_writes_nothing_twice(
    nq_backtest: tuple[Path, RunSummary], sample_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "twice.duckdb"
    source = from_file(sample_path, "MNQ")
    with Journal(db) as journal:
        first = run_source(journal, source, load_config())
        again = run_source(journal, source, load_config())
        assert again.status == "already completed" and again.run_id == first.run_id
        count = journal.query("SELECT count(*) AS n, count(DISTINCT trade_id) AS d FROM trades")
    assert count["n"][0] == count["d"][0]
    assert count["n"][0] == len(trades_frame_for(nq_backtest))


def trades_frame_for(nq_backtest: tuple[Path, RunSummary]) -> pd.DataFrame:
    db, summary = nq_backtest
    with open_reader(db) as journal:
        return trades_frame(journal, TradeFilter(run_id=summary.run_id))

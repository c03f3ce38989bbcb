"""Signals validated before the risk manager, a stop order's last bar, a session's early end
(issue 13, items 3 and 6), on the engine with scripted strategies over simulated bars."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from transmission.config import load_config
from transmission.engine.feeds import BarSource, from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal
from transmission.strategies.base import LONG, BarView, Signal
from transmission.strategies.registry import _REGISTRY, register_strategy

BUSY = "a position or order is already working"


class _Scripted:
    """Signals on every signal bar, shaped by `mode` (one strategy per mode, registered once)."""

    name: ClassVar[str] = "scripted"
    mode: ClassVar[str] = ""

    def __init__(self, *, tick: float) -> None:
        self.tick = tick

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        c = bar.close
        if self.mode == "stop_above_long":
            return Signal(LONG, "market", c, c + 10.0, c + 20.0, "wrong-way stop")
        if self.mode == "nan_target":
            return Signal(LONG, "market", c, c - 10.0, float("nan"), "no target")
        if self.mode == "target_rounds_onto_entry":
            return Signal(LONG, "market", c, c - 10.0, c + 0.1, "target inside a tick")
        if self.mode == "unreachable_stop_entry":
            return Signal(LONG, "stop", c + 1000.0, c + 990.0, c + 1020.0, "never fills")
        if self.mode == "hold_all_day":  # from 10:00: a position held until the data ends
            if bar.in_rth and bar.end_minute_of_day >= 600:
                return Signal(LONG, "market", c, c - 500.0, c + 500.0, "hold")
            return None
        raise AssertionError(self.mode)


def _strategy(mode: str) -> str:
    name = f"trust_{mode}"
    if _REGISTRY.get(name) is None:
        register_strategy(type(name, (_Scripted,), {"name": name, "mode": mode}))
    return name


def _run(
    tmp_path: Path, mode: str, source: BarSource, **risk: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    name = _strategy(mode)
    config = load_config(
        gearbox={"TREND": name, "RANGE": name, "VOLATILE": name},
        risk={"rules": [], **risk},
        shadow_trades=False,
    )
    with Journal(tmp_path / f"{mode}.duckdb") as journal:
        run_id = run_source(journal, source, config).run_id
        signals = journal.query("SELECT * FROM signals WHERE run_id = ?", [run_id])
        trades = journal.query("SELECT * FROM trades WHERE run_id = ?", [run_id])
    return signals, trades


@pytest.fixture(scope="module")
def sim() -> BarSource:
    return from_simulator(3, "MNQ", seed=3)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("stop_above_long", "invalid signal: long stop"),
        ("nan_target", "invalid signal: target price nan is not a finite number"),
        ("target_rounds_onto_entry", "invalid signal: long target"),
    ],
)
def test_invalid_signals_are_vetoed_with_their_reason_and_never_traded(
    tmp_path: Path, sim: BarSource, mode: str, reason: str
) -> None:
    signals, trades = _run(tmp_path, mode, sim)
    assert len(signals) > 0
    assert (signals["decision"] == "vetoed").all()
    assert signals["veto_reason"].str.startswith(reason).all(), signals["veto_reason"].iloc[0]
    assert len(trades) == 0


def test_a_stop_order_whose_validity_ends_on_a_bar_does_not_veto_that_bars_signal(
    tmp_path: Path, sim: BarSource
) -> None:
    signals, trades = _run(tmp_path, "unreachable_stop_entry", sim)
    assert len(signals) > 10 and len(trades) == 0
    assert not (signals["veto_reason"] == BUSY).any()
    assert (signals["decision"] == "accepted").all()


def test_a_position_flattened_as_a_sessions_data_ends_early_takes_the_last_bars_end_and_close(
    tmp_path: Path, sim: BarSource
) -> None:
    bars = sim.bars
    local = bars["ts"].dt.tz_convert("America/New_York")
    early = bars[~((local.dt.hour >= 13) & (local.dt.hour < 17))].reset_index(drop=True)
    source = BarSource("early", "MNQ", early, sim.quarantined, "sessions ending at 13:00")
    _, trades = _run(tmp_path, "hold_all_day", source, risk_per_trade_usd=5000.0)
    ended = trades[trades["exit_reason"] == "session_end"]
    assert len(ended) >= 1
    ts = early["ts"].dt.tz_convert("UTC")
    for trade in ended.itertuples():
        exit_ts = pd.Timestamp(trade.timestamp_exit).tz_convert("UTC")
        last = early[ts < exit_ts].iloc[-1]  # the session's last bar
        assert exit_ts == last["ts"].tz_convert("UTC") + pd.Timedelta(minutes=1)  # its end
        assert trade.exit_price == pytest.approx(last["close"] - 0.25)  # its close, 1 tick slip

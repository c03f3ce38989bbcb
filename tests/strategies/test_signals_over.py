"""A strategy's `signals_over` (all bars at once) equals feeding `on_bar` every bar in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from transmission.features import compute_features
from transmission.market.calendar import annotate, epoch_ns
from transmission.market.loader import load_bars
from transmission.market.resample import resample
from transmission.market.simulator import simulate
from transmission.strategies import BarView, Signal, SignalsOver, available, create

TICK = 0.25
VECTORISED = sorted(
    name for name in available() if isinstance(create(name, tick=TICK), SignalsOver)
)


def replay_inputs(bars: pd.DataFrame, minutes: int) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Signal bars as `Gearbox.prepare_replay` gets them, and their features."""
    signal = annotate(resample(bars, minutes))
    features = compute_features(signal, bar_minutes=minutes)
    ts = epoch_ns(signal["ts"])
    arrays = {
        "ts_ns": ts,
        "end_ns": ts + minutes * 60_000_000_000,
        **{k: signal[k].to_numpy(np.float64) for k in ("open", "high", "low", "close", "volume")},
        "in_rth": signal["in_rth"].to_numpy(bool),
        "end_minute": (signal["minute_of_day"].to_numpy(np.int64) + minutes) % 1440,
    }
    return arrays, features


def bar_by_bar(strategy: Any, bars: dict[str, np.ndarray], features: pd.DataFrame) -> dict:
    keys = ("ts_ns", "end_ns", "open", "high", "low", "close", "volume", "in_rth", "end_minute")
    views = map(BarView, *(bars[k].tolist() for k in keys))
    out: dict[int, Signal] = {}
    for i, (view, row) in enumerate(zip(views, features.itertuples(index=False), strict=True)):
        signal = strategy.on_bar(view, row)
        if signal is not None:
            out[i] = signal
    return out


@pytest.fixture(scope="module")
def histories(sample_path: Path) -> dict[str, pd.DataFrame]:
    return {
        "sample": load_bars(sample_path).bars,
        "simulator": simulate(days=20, seed=3).bars,
    }


def test_some_strategy_is_vectorised() -> None:
    assert "ema_cross" in VECTORISED


@pytest.mark.parametrize("name", VECTORISED)
@pytest.mark.parametrize("history", ["sample", "simulator"])
@pytest.mark.parametrize("minutes", [1, 5])
def test_signals_over_equal_on_bar_signals(
    name: str, history: str, minutes: int, histories: dict[str, pd.DataFrame]
) -> None:
    bars, features = replay_inputs(histories[history], minutes)
    columns = {name: features[name].to_numpy() for name in features.columns}
    expected = bar_by_bar(create(name, tick=TICK), bars, features)
    assert create(name, tick=TICK).signals_over(bars, columns) == expected
    assert len(expected) > 10  # the rules fired: the comparison is not of two empty tables

"""Signal bars in batch (`signal_bar_arrays`, `resample`) equal the bar-by-bar `BarAggregator`'s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transmission.market.calendar import epoch_ns, utc_offset_ns
from transmission.market.loader import load_bars
from transmission.market.resample import (
    OHLCV,
    BarAggregator,
    handout_schedule,
    resample,
    signal_bar_arrays,
)

MINUTE = 60_000_000_000


def aggregated(
    ts: np.ndarray, values: dict[str, np.ndarray], offset: np.ndarray, minutes: int
) -> list[tuple[float, ...]]:
    """The reference: every bar BarAggregator closes, then the one still open at the end."""
    aggregator = BarAggregator(minutes)
    out = []
    columns = [values[name].tolist() for name in OHLCV]
    for i, t in enumerate(ts.tolist()):
        bars = aggregator.update(t, *(c[i] for c in columns), int(offset[i]))
        out.extend(b for b in bars if b is not None)
    last = aggregator.flush()
    if last is not None:
        out.append(last)
    return [(b.ts_ns, b.open, b.high, b.low, b.close, b.volume) for b in out]


def handouts(ts: np.ndarray, offset: np.ndarray, minutes: int) -> list[tuple[int, bool]]:
    """The reference: for each bar BarAggregator hands out, the index of the 1-minute bar whose
    update returned it, and whether it came second (closed by that bar's own minute)."""
    aggregator = BarAggregator(minutes)
    out = []
    for i, t in enumerate(ts.tolist()):
        before, closed = aggregator.update(t, 1.0, 1.0, 1.0, 1.0, 1.0, int(offset[i]))
        out += [(i, False)] if before is not None else []
        out += [(i, True)] if closed is not None else []
    return out


def scheduled(ts: np.ndarray, offset: np.ndarray, minutes: int) -> list[tuple[int, bool]]:
    at, closed_by_own = handout_schedule(ts, offset, minutes)
    handed = at < len(ts)  # the last bar, still open when the data ends, is never handed out
    return list(zip(at[handed].tolist(), closed_by_own[handed].tolist(), strict=True))


def batched(ts: np.ndarray, values: dict[str, np.ndarray], offset: np.ndarray, minutes: int):
    a = signal_bar_arrays(ts, *(values[name] for name in OHLCV), offset, minutes)
    return list(zip(*(a[k].tolist() for k in ("ts_ns", *OHLCV)), strict=True))


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> pd.DataFrame:
    return load_bars(sample_path).bars


@pytest.mark.parametrize("minutes", [1, 5, 7, 60])
def test_signal_bars_of_the_sample_equal_the_aggregators_bars(
    sample: pd.DataFrame, minutes: int
) -> None:
    ts, offset = epoch_ns(sample["ts"]), utc_offset_ns(sample["ts"])
    values = {name: sample[name].to_numpy(np.float64) for name in OHLCV}
    expected = aggregated(ts, values, offset, minutes)
    assert batched(ts, values, offset, minutes) == expected
    assert len(expected) > len(sample) // (minutes + 1)
    assert scheduled(ts, offset, minutes) == handouts(ts, offset, minutes)


def test_resample_of_the_sample_labels_five_minute_bars_by_their_clock_aligned_open(
    sample: pd.DataFrame,
) -> None:
    five = resample(sample, 5)
    assert list(five.columns) == ["ts", *OHLCV]
    assert five["ts"].dtype == sample["ts"].dtype
    assert (five["ts"].dt.minute % 5 == 0).all()
    first = sample[sample["ts"] < sample["ts"].iloc[0] + pd.Timedelta(minutes=5)]
    assert five["high"].iloc[0] == first["high"].max()
    assert five["volume"].iloc[0] == first["volume"].sum()


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.integers(1, 200), min_size=1, max_size=120),
    volumes=st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=120, max_size=120),
    minutes=st.integers(1, 30),
)
def test_signal_bars_of_irregular_seconds_and_fractional_volumes_equal_the_aggregators(
    steps: list[int], volumes: list[float], minutes: int
) -> None:
    # Timestamps a whole number of seconds apart (not minute-aligned) exercise the rule that a
    # bar which reaches its bucket's last minute closes it, even if a later bar shares the bucket.
    ts = 1_700_000_000 * 10**9 + np.cumsum(np.asarray(steps, dtype=np.int64)) * 10**9
    n = len(ts)
    close = 100.0 + np.arange(n) % 7 * 0.25
    values = {
        "open": close - 0.25,
        "high": close + 0.5,
        "low": close - 0.5,
        "close": close,
        "volume": np.asarray(volumes[:n]) / 3.0,
    }
    offset = np.full(n, -5 * 3600 * 10**9, dtype=np.int64)
    assert batched(ts, values, offset, minutes) == aggregated(ts, values, offset, minutes)
    assert scheduled(ts, offset, minutes) == handouts(ts, offset, minutes)


def test_signal_bars_of_no_bars_are_empty_and_a_zero_timeframe_is_refused() -> None:
    empty = np.empty(0)
    assert batched(np.empty(0, np.int64), dict.fromkeys(OHLCV, empty), np.empty(0), 5) == []
    with pytest.raises(ValueError, match="at least 1 minute, got 0"):
        signal_bar_arrays(np.empty(0, np.int64), *([empty] * 5), np.empty(0), 0)
    assert scheduled(np.empty(0, np.int64), np.empty(0, np.int64), 5) == []
    with pytest.raises(ValueError, match="at least 1 minute, got 0"):
        handout_schedule(np.empty(0, np.int64), np.empty(0), 0)

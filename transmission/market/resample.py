"""Signal bars (default 5 minutes) built from 1-minute bars, in batch and bar by bar.

Both paths label a signal bar by its open time, aligned to the clock, left-closed: the 09:30 bar
holds the 1-minute bars 09:30 to 09:34. The incremental aggregator closes a bar when its last
minute arrives or when a bar of a later bucket does (the sample omits quiet minutes), so both
paths give the same bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transmission.market.calendar import epoch_ns, utc_offset_ns

NS_PER_MINUTE = 60_000_000_000
OHLCV = ("open", "high", "low", "close", "volume")


def resample(bars: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """A bar frame of `minutes`-minute bars from a 1-minute bar frame (same columns)."""
    if minutes < 1:
        raise ValueError(f"signal timeframe must be at least 1 minute, got {minutes}")
    if minutes == 1 or bars.empty:
        return bars[["ts", *OHLCV]].reset_index(drop=True)
    # Bucket on local clock time so 09:30 starts a bucket whatever the UTC offset.
    o, h, low, c, v = (bars[name].to_numpy(dtype=np.float64) for name in OHLCV)
    out = signal_bar_arrays(
        epoch_ns(bars["ts"]), o, h, low, c, v, utc_offset_ns(bars["ts"]), minutes
    )
    # From epoch ns straight to the input's dtype (pd.to_datetime on int64 is ~100x slower).
    ts = pd.DatetimeIndex(out.pop("ts_ns").view("datetime64[ns]")).tz_localize("UTC")
    return pd.DataFrame({"ts": ts.tz_convert(bars["ts"].dt.tz).astype(bars["ts"].dtype), **out})


def signal_bar_arrays(
    ts_ns: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    utc_offset_ns: np.ndarray,
    minutes: int,
) -> dict[str, np.ndarray]:
    """Every signal bar `BarAggregator` builds from these 1-minute bars, in order, at once.

    Arrays of ts_ns (open time) and OHLCV; `utc_offset_ns` is each bar's exchange UTC offset as
    the aggregator is given it. The same grouping (a bar starts a new signal bar when its bucket
    changes or the previous bar closed its bucket) and the same floats: volumes are summed left
    to right, as the aggregator adds them.
    """
    if minutes < 1:
        raise ValueError(f"signal timeframe must be at least 1 minute, got {minutes}")
    n = len(ts_ns)
    if n == 0:
        return {"ts_ns": np.empty(0, np.int64), **{k: np.empty(0) for k in OHLCV}}
    start, first = _groups(ts_ns, utc_offset_ns, minutes)
    if len(first) == n:  # every bar is a signal bar of its own (1-minute signals): no copies
        ohlcv = (open_, high, low, close, volume)
        if np.array_equal(start, ts_ns):  # minute-aligned bars: their own times
            start = np.asarray(ts_ns, dtype=np.int64)
        return {"ts_ns": start, **dict(zip(OHLCV, ohlcv, strict=True))}
    last = np.r_[first[1:] - 1, n - 1]
    return {
        "ts_ns": start[first],
        "open": open_[first],
        "high": np.maximum.reduceat(high, first),
        "low": np.minimum.reduceat(low, first),
        "close": close[last],
        "volume": _left_to_right_sums(volume, first, last),
    }


def _groups(ts_ns: np.ndarray, utc_offset_ns: np.ndarray, minutes: int) -> tuple[np.ndarray, ...]:
    """Each 1-minute bar's bucket start, and the index of the first bar of each signal bar."""
    width = minutes * NS_PER_MINUTE
    ts_ns = np.asarray(ts_ns, dtype=np.int64)
    offset = np.asarray(utc_offset_ns, dtype=np.int64)
    start = ((ts_ns + offset) // width) * width - offset
    new = np.ones(len(ts_ns), dtype=bool)
    new[1:] = (start[1:] != start[:-1]) | (ts_ns[:-1] + NS_PER_MINUTE >= start[:-1] + width)
    return start, np.flatnonzero(new)


def handout_schedule(
    ts_ns: np.ndarray, utc_offset_ns: np.ndarray, minutes: int
) -> tuple[np.ndarray, np.ndarray]:
    """When `BarAggregator` hands out each signal bar of `signal_bar_arrays`, fed these bars.

    Returns, per signal bar, the index of the 1-minute bar whose `update` returns it (len(ts_ns)
    for the last bar when data ends before it closes: it is never handed out), and whether it
    comes second, closed by that bar's own minute, or first, closed by a bar of a later bucket.
    """
    if minutes < 1:
        raise ValueError(f"signal timeframe must be at least 1 minute, got {minutes}")
    n = len(ts_ns)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, bool)
    start, first = _groups(ts_ns, utc_offset_ns, minutes)
    last = np.r_[first[1:] - 1, n - 1]
    closed_by_own = np.asarray(ts_ns, dtype=np.int64)[last] + NS_PER_MINUTE >= (
        start[first] + minutes * NS_PER_MINUTE
    )
    return np.where(closed_by_own, last, last + 1), closed_by_own


def _left_to_right_sums(values: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    # np.add.reduceat may add long groups pairwise; a row-wise accumulate adds in order.
    if len(first) == len(values):
        return values.astype(np.float64, copy=True)
    lengths = last - first + 1
    group = np.repeat(np.arange(len(first)), lengths)
    position = np.arange(len(values)) - first[group]
    grid = np.zeros((len(first), int(lengths.max())))
    grid[group, position] = values
    return np.add.accumulate(grid, axis=1)[np.arange(len(first)), lengths - 1]


@dataclass(slots=True)
class SignalBar:
    """A closed signal bar; ts_ns is its open time, end_ns its close time."""

    ts_ns: int
    end_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class BarAggregator:
    """Builds signal bars one 1-minute bar at a time."""

    __slots__ = ("_bar", "_offset_ns", "_width")

    def __init__(self, minutes: int) -> None:
        if minutes < 1:
            raise ValueError(f"signal timeframe must be at least 1 minute, got {minutes}")
        self._width = minutes * NS_PER_MINUTE
        self._bar: SignalBar | None = None
        self._offset_ns = 0

    def update(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        utc_offset_ns: int,
    ) -> tuple[SignalBar | None, SignalBar | None]:
        """Add a 1-minute bar; returns (bar closed before it, bar closed by it), each maybe None.

        `utc_offset_ns` is the exchange's UTC offset at `ts_ns` (local = utc + offset).
        """
        width = self._width
        start = ((ts_ns + utc_offset_ns) // width) * width - utc_offset_ns
        before: SignalBar | None = None
        bar = self._bar
        if bar is not None and bar.ts_ns != start:
            before = bar
            bar = None
        if bar is None:
            bar = SignalBar(start, start + width, open_, high, low, close, volume)
        else:
            if high > bar.high:
                bar.high = high
            if low < bar.low:
                bar.low = low
            bar.close = close
            bar.volume += volume
        if ts_ns + NS_PER_MINUTE >= bar.end_ns:
            self._bar = None
            return before, bar
        self._bar = bar
        return before, None

    def flush(self) -> SignalBar | None:
        """The bar still open, closed now (end of data)."""
        bar, self._bar = self._bar, None
        return bar

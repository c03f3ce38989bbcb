"""Signal bars (default 5 minutes) built from 1-minute bars, in batch and bar by bar.

Both paths label a signal bar by its open time, aligned to the clock, left-closed: the 09:30 bar
holds the 1-minute bars 09:30 to 09:34. The incremental aggregator closes a bar when its last
minute arrives or when a bar of a later bucket does (the sample omits quiet minutes), so both
paths give the same bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transmission.market.calendar import epoch_ns, utc_offset_ns

NS_PER_MINUTE = 60_000_000_000


def resample(bars: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """A bar frame of `minutes`-minute bars from a 1-minute bar frame (same columns)."""
    if minutes < 1:
        raise ValueError(f"signal timeframe must be at least 1 minute, got {minutes}")
    if minutes == 1 or bars.empty:
        return bars[["ts", "open", "high", "low", "close", "volume"]].reset_index(drop=True)
    ts_ns = epoch_ns(bars["ts"])
    # Bucket on local clock time so 09:30 starts a bucket whatever the UTC offset.
    offset = utc_offset_ns(bars["ts"])
    width = minutes * NS_PER_MINUTE
    bucket = ((ts_ns + offset) // width) * width - offset
    grouped = bars.assign(_bucket=bucket).groupby("_bucket", sort=True)
    out = grouped.agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
    )
    ts = pd.to_datetime(out.index.to_numpy(), utc=True).tz_convert(bars["ts"].dt.tz)
    out.insert(0, "ts", ts.astype(bars["ts"].dtype))
    return out.reset_index(drop=True)


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

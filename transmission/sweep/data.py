"""A sweep's data as a BarSource, and its content key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from transmission.engine.feeds import BarSource, from_file
from transmission.market.calendar import trading_days_of

BAR_COLUMNS = ("ts", "open", "high", "low", "close", "volume")
EXCHANGE_TZ = "America/New_York"


def as_source(data: BarSource | str | Path | pd.DataFrame, symbol: str = "MNQ") -> BarSource:
    """Bars from a BarSource, a bar file, or a DataFrame of 1-minute OHLCV (a `ts` column or a
    DatetimeIndex; naive times are US/Eastern)."""
    if isinstance(data, BarSource):
        return data
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"bar file {path} does not exist (parameter data)")
        return from_file(path, symbol)
    if isinstance(data, pd.DataFrame):
        return BarSource("frame", symbol, _bar_frame(data), _no_quarantine(), "a DataFrame")
    raise TypeError(
        f"data must be a path, a DataFrame of bars or a BarSource, got {type(data).__name__}"
    )


def _bar_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=str.lower)
    if "ts" not in frame.columns:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise ValueError("a bar DataFrame needs a 'ts' column or a DatetimeIndex (data)")
        frame = frame.rename_axis("ts").reset_index()
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the bar DataFrame lacks columns {missing} (data)")
    bars = frame[list(BAR_COLUMNS)].copy()
    ts = pd.to_datetime(bars["ts"])
    bars["ts"] = ts.dt.tz_localize(EXCHANGE_TZ) if ts.dt.tz is None else ts
    return bars.sort_values("ts").reset_index(drop=True)


def _no_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=["source", "line", "ts", "raw", "reason"])


def content_key(source: BarSource) -> str:
    """A hash of every bar's time and prices (datasets are keyed by content)."""
    digest = hashlib.sha256(f"{source.dataset}:{source.symbol}".encode())
    bars = source.bars
    digest.update(bars["ts"].dt.as_unit("ns").astype("int64").to_numpy().tobytes())
    for column in BAR_COLUMNS[1:]:
        digest.update(bars[column].to_numpy(np.float64).tobytes())
    return digest.hexdigest()[:16]


def trading_days(source: BarSource) -> list[str]:
    """The Globex trading days the bars cover, as ISO dates, in order."""
    if source.bars.empty:
        return []
    days = trading_days_of(source.bars["ts"].dt.tz_convert(EXCHANGE_TZ)).unique()
    return [str(pd.Timestamp(d).date()) for d in days]


def day_bounds(source: BarSource) -> pd.DataFrame:
    """Per trading day: its first and last bar time in epoch ns."""
    ns = source.bars["ts"].dt.as_unit("ns").astype("int64")
    days = trading_days_of(source.bars["ts"].dt.tz_convert(EXCHANGE_TZ)).dt.date.astype(str)
    frame = pd.DataFrame({"day": days.to_numpy(), "ns": ns.to_numpy()})
    return frame.groupby("day", sort=True)["ns"].agg(["min", "max"])

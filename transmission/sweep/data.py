"""A sweep's data: its content key, trading days and their bounds (the data itself comes
through `lab.data.as_source`, as `tm.backtest` takes it)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from transmission.engine.feeds import BarSource
from transmission.market.calendar import trading_days_of

BAR_COLUMNS = ("ts", "open", "high", "low", "close", "volume")
EXCHANGE_TZ = "America/New_York"


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

"""Colours and layout shared by the charts (regime colours: the notebooks' palette)."""

from __future__ import annotations

import pandas as pd

from transmission.palette import LOSS, REGIME_COLOURS, WIN, regime_label

__all__ = ["LOSS", "REGIME_COLOURS", "WIN", "local_time", "regime_label"]

VWAP = "#6a3d9a"
EQUITY = "#222222"
TEMPLATE = "plotly_white"


def local_time(ts: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Exchange-local wall times without the zone: plotly draws times as given, and a trader
    reads the chart in exchange time."""
    series = pd.Series(ts)
    if series.dt.tz is not None:
        series = series.dt.tz_convert("America/New_York").dt.tz_localize(None)
    return series

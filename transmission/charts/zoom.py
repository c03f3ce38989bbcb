"""A backtest figure as a live widget whose candles follow the zoom: a long run opens on long
candles and, zoomed into a day, shows 5- or 1-minute ones (at most `max_candles` at a time)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from transmission.charts.candles import MAX_CANDLES, candle_minutes, candles
from transmission.charts.style import local_time


def visible_candles(
    bars: pd.DataFrame, x_range: Any, max_candles: int = MAX_CANDLES
) -> tuple[pd.DataFrame, int]:
    """The candles of the bars inside `x_range` (exchange-local wall times, as the chart's
    axis; None: all bars) at the shortest length that keeps them under `max_candles`."""
    shown = bars
    if x_range is not None:
        local = local_time(bars["ts"])
        low, high = (pd.Timestamp(v) for v in x_range)
        shown = bars[((local >= low) & (local <= high)).to_numpy()]
    minutes = candle_minutes(shown, max_candles)
    return candles(shown, minutes), minutes


def zooming(fig: go.Figure, bars: pd.DataFrame, max_candles: int = MAX_CANDLES) -> Any:
    """`fig` (from `backtest_figure` or `price_figure`) as a `go.FigureWidget` whose candle
    trace is rebuilt for the visible span after each zoom or pan."""
    widget = go.FigureWidget(fig)
    index = next(i for i, trace in enumerate(widget.data) if trace.type == "candlestick")

    def redraw(axis: Any, x_range: Any) -> None:
        frame, minutes = visible_candles(bars, x_range, max_candles)
        with widget.batch_update():
            trace = widget.data[index]
            trace.x = local_time(frame["ts"])
            trace.open, trace.high = frame["open"], frame["high"]
            trace.low, trace.close = frame["low"], frame["close"]
            trace.name = f"{minutes}-min candles"

    widget.layout.xaxis.on_change(redraw, "range")
    return widget

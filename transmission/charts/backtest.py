"""One backtest on one page: price with trades, equity, drawdown (linked zoom), R histogram."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from transmission.charts.candles import MAX_CANDLES, add_price
from transmission.charts.equity import equity_frame, equity_traces, r_histogram_trace
from transmission.charts.style import TEMPLATE


def backtest_figure(
    bars: pd.DataFrame,
    trades: pd.DataFrame,
    *,
    regimes: pd.DataFrame | None = None,
    timeframe_minutes: int = 5,
    max_candles: int = MAX_CANDLES,
    vwap: bool = True,
    title: str | None = None,
    height: int = 900,
) -> go.Figure:
    """Price (candles, VWAP bands, regime shading, entries, exits, stops and targets), equity
    in R and its drawdown, all on one time axis (zooming one zooms all), and the R histogram.

    Candles are aggregated to the shortest length that keeps them under `max_candles`.
    """
    fig = make_subplots(
        rows=4,
        cols=1,
        row_heights=[0.55, 0.17, 0.1, 0.18],
        vertical_spacing=0.05,
        subplot_titles=("", "equity (R)", "drawdown (R)", "trade results (R)"),
    )
    minutes = add_price(fig, bars, trades, regimes, timeframe_minutes, max_candles, vwap, row=1)
    start = bars["ts"].iloc[0] if len(bars) else None
    curve, drawdown = equity_traces(equity_frame(trades), start)
    fig.add_trace(curve, row=2, col=1)
    fig.add_trace(drawdown, row=3, col=1)
    for trace in r_histogram_trace(trades):
        fig.add_trace(trace, row=4, col=1)
    # Linked zoom: equity and drawdown follow the price axis; the histogram's axis is R.
    fig.update_xaxes(matches="x", row=2, col=1)
    fig.update_xaxes(matches="x", row=3, col=1)
    fig.update_xaxes(rangeslider_visible=False, showticklabels=False, row=1, col=1)
    fig.update_xaxes(showticklabels=False, row=2, col=1)
    fig.update_xaxes(title_text="result (R)", row=4, col=1)
    fig.update_layout(
        template=TEMPLATE,
        title=f"{title} ({minutes}-minute candles)" if title else f"{minutes}-minute candles",
        height=height,
        barmode="stack",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.06},
        margin={"t": 60, "l": 60, "r": 20, "b": 40},
    )
    return fig

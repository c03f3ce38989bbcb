"""Equity and drawdown against time, and the distribution of trade results in R."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from transmission.charts.style import EQUITY, LOSS, TEMPLATE, WIN, local_time
from transmission.metrics import drawdown_r, equity_over_time


def equity_frame(trades: pd.DataFrame) -> pd.DataFrame:
    """Equity after each trade by exit time: cumulative R, drawdown in R, cumulative $
    (`transmission.metrics`)."""
    equity = equity_over_time(trades)
    return pd.DataFrame(
        {
            "equity_r": equity["equity_r"].to_numpy(),
            "drawdown_r": drawdown_r(equity_r_steps(equity["equity_r"].to_numpy())),
            "equity_usd": equity["equity_usd"].to_numpy(),
        },
        index=pd.DatetimeIndex(equity.index, name="ts"),
    )


def equity_r_steps(equity_r: Any) -> Any:
    """Each trade's R back from the cumulative curve (the drawdown is a function of them)."""
    return np.diff(np.concatenate(([0.0], equity_r)))


def equity_traces(equity: pd.DataFrame, start: object = None) -> tuple[go.Scatter, go.Scatter]:
    """Cumulative R (a step after each exit; $ in the hover) and the drawdown below zero."""
    x = list(local_time(pd.Series(equity.index)))
    r, dd, usd = (equity[c].tolist() for c in ("equity_r", "drawdown_r", "equity_usd"))
    if start is not None:
        x, r, dd, usd = (
            [local_time(pd.Series([start])).iloc[0], *x],
            [0.0, *r],
            [0.0, *dd],
            [
                0.0,
                *usd,
            ],
        )
    curve = go.Scatter(
        x=x,
        y=r,
        name="equity (R)",
        mode="lines",
        line={"color": EQUITY, "width": 1.6, "shape": "hv"},
        customdata=usd,
        hovertemplate="%{x}<br>%{y:+.2f}R ($%{customdata:+,.2f})<extra></extra>",
    )
    drawdown = go.Scatter(
        x=x,
        y=[-v for v in dd],
        name="drawdown (R)",
        mode="lines",
        fill="tozeroy",
        line={"color": LOSS, "width": 0.8, "shape": "hv"},
        opacity=0.5,
        hovertemplate="%{x}<br>%{y:.2f}R from the peak<extra></extra>",
    )
    return curve, drawdown


def equity_figure(equity: pd.DataFrame, *, start: object = None) -> go.Figure:
    """Equity in R (and $ on hover) and its drawdown against time, one shared axis."""
    fig = go.Figure(layout={"template": TEMPLATE, "title": "Equity and drawdown"})
    for trace in equity_traces(equity, start):
        fig.add_trace(trace)
    fig.update_yaxes(title_text="R")
    return fig


def r_histogram_trace(trades: pd.DataFrame) -> list[go.Histogram]:
    """Trade results in quarter-R bins, wins and losses in their colours."""
    results = trades["result_r"] if len(trades) else pd.Series(dtype=float)
    return [
        go.Histogram(
            x=results[results > 0] if sign > 0 else results[results <= 0],
            xbins={"size": 0.25},
            name=name,
            marker_color=colour,
            opacity=0.8,
        )
        for sign, name, colour in ((1, "winners", WIN), (-1, "losers and scratches", LOSS))
    ]


def r_histogram_figure(trades: pd.DataFrame) -> go.Figure:
    """How trade results are spread, in R."""
    fig = go.Figure(layout={"template": TEMPLATE, "title": "Trade results (R)", "barmode": "stack"})
    for trace in r_histogram_trace(trades):
        fig.add_trace(trace)
    fig.update_xaxes(title_text="result (R)")
    fig.update_yaxes(title_text="trades")
    return fig

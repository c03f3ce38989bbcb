"""Matplotlib figures for the reports, drawn without pyplot and shown as plain PNG images.

Figures are built on `matplotlib.figure.Figure` (no global pyplot state, no backend to pick),
so a report kernel renders them the same way everywhere and `show` hands IPython a PNG.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

from transmission import plots
from transmission.market.calendar import EXCHANGE_TZ
from transmission.metrics import drawdown_r, equity_curve_r
from transmission.palette import LOSS, WIN
from transmission.reports.content import DailyContent, WeeklyContent
from transmission.reports.tables import regime_segments

WIDTH_IN = 11.0
DPI = 144
DISPLAY_WIDTH_PX = 1100
EMPTY_HEIGHT_IN = 0.9
POS, NEG, INK, GRID = WIN, LOSS, "#1f2933", "#e4e7eb"
TZ = EXCHANGE_TZ
# The window the daily price chart frames: the regular session with a margin either side.
FOCUS_FROM, FOCUS_TO = pd.Timedelta(hours=9), pd.Timedelta(hours=16, minutes=15)


def _figure(height_in: float, rows: int = 1, **grid: Any) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, squeeze=False, **grid)[:, 0].tolist()
    for ax in axes:
        ax.grid(True, color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(colors=INK, labelsize=9)
    return fig, axes


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#7b8794")
    ax.set_axis_off()


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def show(fig: Figure, alt: str) -> None:
    """Display a figure in the notebook as an inline PNG with alternative text.

    An HTML image (rather than an image output) carries `alt` into the published HTML and
    scales down on narrow screens; the PNG is drawn at high density for sharp text.
    """
    from IPython.display import HTML, display

    data = base64.b64encode(png(fig)).decode("ascii")
    display(
        HTML(
            f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" '
            f'style="width:{DISPLAY_WIDTH_PX}px;max-width:100%;height:auto">'
        )
    )


# -- daily -------------------------------------------------------------------------------------


def price_regime_figure(content: DailyContent) -> Figure:
    """The session's 1-minute closes on regime-coloured bands, with each trade's entry, exit,
    stop and target: `plots.price_axes`, the notebooks' drawing, framed on the session."""
    fig, (ax,) = _figure(4.2)
    bars = content.bars
    if bars.empty:
        _empty(ax, "No bars processed for this session.")
        return fig
    # The regular session is where the engine trades: the chart frames it when the day has one.
    ts = bars["ts"].dt.tz_convert(TZ).dt.tz_localize(None)
    day = pd.Timestamp(content.day)
    focus = (ts >= day + FOCUS_FROM) & (ts < day + FOCUS_TO)
    title = "Price, regimes and trades, Globex session (ET)"
    if focus.any():
        bars = bars[focus.to_numpy()]
        title = "Price, regimes and trades, regular session (ET)"
    segments = regime_segments(content).rename(columns={"start": "ts"})
    plots.price_axes(ax, bars.reset_index(drop=True), segments, content.trades, brackets=True)
    ax.set_ylabel(f"{content.context.symbol} (points)", color=INK)
    ax.set_title(title, loc="left", fontsize=11, color=INK)
    return fig


def trade_pnl_figure(content: DailyContent) -> Figure:
    """Each trade's R as a bar, and the cumulative R of the day as a line."""
    values = content.result_r.to_numpy()
    fig, (ax,) = _figure(3.0 if values.size else EMPTY_HEIGHT_IN)
    labels = [f"#{i}" for i in range(1, values.size + 1)]
    _pnl_bars(ax, values, labels, "No trades on this day.")
    ax.set_title("P&L per trade and cumulative (R)", loc="left", fontsize=11, color=INK)
    return fig


MIN_BAR_SLOTS = 5


def _pnl_bars(ax: Axes, values: np.ndarray, labels: list[str], empty: str) -> None:
    if values.size == 0:
        _empty(ax, empty)
        return
    x = np.arange(values.size)
    ax.bar(
        x, values, color=[POS if v > 0 else NEG for v in values], width=0.6, alpha=0.85, label="R"
    )
    cumulative = equity_curve_r(values)
    ax.plot(x, cumulative, color="#17406d", marker="o", linewidth=1.8, label="cumulative R")
    ax.axhline(0, color=INK, linewidth=0.8)
    # Room for at least five bars: one trade draws one bar, not a block across the whole figure.
    ax.set_xlim(-0.5, max(values.size, MIN_BAR_SLOTS) - 0.5)
    ax.set_xticks(x, labels)
    for xi, v in zip(x, values, strict=True):
        if v == 0:  # a day without trades needs no label
            continue
        ax.annotate(
            f"{v:+.2f}",
            (xi, v),
            textcoords="offset points",
            xytext=(0, 4 if v >= 0 else -11),
            ha="center",
            fontsize=8,
            color=INK,
        )
    ax.set_ylabel("R", color=INK)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=2)


# -- weekly ------------------------------------------------------------------------------------


def daily_pnl_figure(content: WeeklyContent) -> Figure:
    """R per trading day of the week, with the week's running total."""
    fig, (ax,) = _figure(3.0)
    daily = content.daily
    labels = [f"{d:%a %d}" for d in daily["trading_day"]]
    _pnl_bars(ax, daily["result_r"].to_numpy(dtype="float64"), labels, "No trading days.")
    ax.set_title("Daily P&L (R)", loc="left", fontsize=11, color=INK)
    return fig


def equity_drawdown_figure(content: WeeklyContent) -> Figure:
    """Cumulative R and $ against time over the week (each trade's exit a step), and the
    drawdown in R from the running peak (`metrics.equity_curve_r` and `drawdown_r`), with the
    trading days marked: time, not trade number, so a quiet day shows as a flat stretch."""
    trades = content.trades
    if trades.empty:
        fig, (ax,) = _figure(EMPTY_HEIGHT_IN)
        _empty(ax, "No trades this week.")
        return fig
    fig, (top, bottom) = _figure(4.6, rows=2, sharex=True, height_ratios=[2.2, 1])
    exits = pd.to_datetime(trades["timestamp_exit"], utc=True).dt.tz_convert(TZ)
    start = exits.iloc[0].normalize() + pd.Timedelta(hours=9, minutes=30)
    start = min(start, pd.to_datetime(trades["timestamp_entry"].iloc[0], utc=True).tz_convert(TZ))
    # The week's last trading day to its close, so that quiet days show as flat stretches.
    last_day = pd.Timestamp(max(content.daily["trading_day"].max(), exits.iloc[-1].date()))
    end = max(last_day + pd.Timedelta(hours=16), exits.iloc[-1].tz_localize(None))
    x = [start.tz_localize(None), *exits.dt.tz_localize(None), end]  # matplotlib: wall-clock ET
    result_r = trades["result_r"].to_numpy(dtype=float)

    def held(values: np.ndarray) -> np.ndarray:  # from 0 before the first exit to the end
        return np.concatenate(([0.0], values, values[-1:]))

    equity = held(equity_curve_r(result_r))
    dollars = held(np.cumsum(trades["pnl_usd"].to_numpy(dtype=float)))
    drawdown = held(drawdown_r(result_r))
    top.step(x, equity, where="post", color=INK, lw=1.6)
    top.plot(x[1:-1], equity[1:-1], "o", color=INK, ms=3)
    top.fill_between(x, equity, equity + drawdown, step="post", color=NEG, alpha=0.15, lw=0)
    top.axhline(0, color="#888888", lw=0.8)
    top.set_ylabel("cumulative R")
    usd = top.twinx()  # $ on its own scale: 1R is a different sum of dollars each trade
    usd.step(x, dollars, where="post", color="#7b8794", lw=1.0, linestyle="--")
    usd.set_ylabel("cumulative $")
    bottom.fill_between(x, -drawdown, 0, step="post", color=NEG, alpha=0.35, lw=0)
    bottom.step(x, -drawdown, where="post", color=NEG, lw=1.2)
    bottom.set_ylabel("drawdown R")
    title = "Equity curve and drawdown (R solid, $ dashed, against time)"
    top.set_title(title, loc="left", fontsize=11, color=INK)
    for day in list(content.daily["trading_day"])[1:]:
        for ax in (top, bottom):
            ax.axvline(date2num(pd.Timestamp(day)), color="#9aa5b1", linewidth=0.8, linestyle="--")
    bottom.xaxis.set_major_formatter(DateFormatter("%a %d %H:%M"))
    return fig

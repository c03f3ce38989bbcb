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
from matplotlib.figure import Figure

from transmission import plots
from transmission.market.calendar import EXCHANGE_TZ
from transmission.metrics import equity_curve_r
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
    """Cumulative R trade by trade over the week, and its drawdown from the running peak:
    `plots.equity_axes` and `plots.drawdown_axes`, with the trading days marked."""
    if content.trades.empty:
        fig, (ax,) = _figure(EMPTY_HEIGHT_IN)
        _empty(ax, "No trades this week.")
        return fig
    fig, (top, bottom) = _figure(4.6, rows=2, sharex=True, height_ratios=[2.2, 1])
    plots.equity_axes(top, content.trades)
    plots.drawdown_axes(bottom, content.trades)
    top.set_xlabel("")
    top.set_title("")  # the report's own title, on the left, replaces the notebook's
    top.set_title("Equity curve and drawdown (R, by trade)", loc="left", fontsize=11, color=INK)
    days = pd.to_datetime(content.trades["trading_day"]).dt.date.tolist()
    for i in range(1, len(days)):
        if days[i] != days[i - 1]:
            for ax in (top, bottom):
                ax.axvline(i + 0.5, color="#9aa5b1", linewidth=0.8, linestyle="--")
    bottom.set_xticks(np.arange(len(days) + 1))
    return fig

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
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from transmission.metrics import drawdown_r, equity_curve_r
from transmission.reports.content import DailyContent, WeeklyContent
from transmission.reports.tables import REGIME_COLORS, regime_segments

WIDTH_IN = 11.0
DPI = 144
DISPLAY_WIDTH_PX = 1100
EMPTY_HEIGHT_IN = 0.9
POS, NEG, INK, GRID = "#1a7f37", "#c62828", "#1f2933", "#e4e7eb"
TZ = "America/New_York"
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
    """The session's 1-minute closes on regime-coloured bands, with each trade's entry and exit."""
    fig, (ax,) = _figure(4.2)
    bars = content.bars
    if bars.empty:
        _empty(ax, "No bars processed for this session.")
        return fig
    # Plot in naive exchange time so the axis reads ET whatever the kernel's time zone; the
    # regular session is where the engine trades, so the chart frames it when the day has one.
    ts = bars["ts"].dt.tz_localize(None)
    day = pd.Timestamp(content.day)
    focus = (ts >= day + FOCUS_FROM) & (ts < day + FOCUS_TO)
    if focus.any():
        bars, ts = bars[focus], ts[focus]
        title = "Price, regimes and trades, regular session (ET)"
    else:
        title = "Price, regimes and trades, Globex session (ET)"
    ax.plot(ts, bars["close"], color=INK, linewidth=0.9)
    lo, hi = ts.iloc[0], ts.iloc[-1] + pd.Timedelta(minutes=1)
    seen: dict[str, str] = {}
    for seg in _rows(regime_segments(content)):
        label = str(seg["label"])
        color = REGIME_COLORS.get(label, REGIME_COLORS.get(str(seg["regime"]), "#9aa5b1"))
        start, end = max(_naive(seg["start"]), lo), min(_naive(seg["end"]), hi)
        if start >= end:
            continue
        ax.axvspan(start, end, color=color, alpha=0.13, linewidth=0)
        seen.setdefault(label, color)
    for trade in _rows(content.trades):
        long = trade["trade_type"] == "Long"
        color = POS if float(trade["result_r"]) > 0 else NEG
        entry, exit_ = _naive(trade["timestamp_entry"]), _naive(trade["timestamp_exit"])
        prices = [float(trade["entry_price"]), float(trade["exit_price"])]
        times: Any = [entry, exit_]  # matplotlib plots datetimes; its stubs say numbers only
        ax.plot(times, prices, color=color, linewidth=1.6)
        ax.scatter(
            times[:1],
            prices[:1],
            marker="^" if long else "v",
            s=70,
            color=color,
            edgecolor="white",
            zorder=5,
        )
        ax.scatter(
            times[1:], prices[1:], marker="o", s=36, color=color, edgecolor="white", zorder=5
        )
        for level, tint in ((trade["stop_price"], NEG), (trade["target_price"], POS)):
            ax.hlines(float(level), times[0], times[1], color=tint, linestyle=":", linewidth=1)
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.set_xlim(lo, hi)
    ax.set_ylabel(f"{content.context.symbol} (points)", color=INK)
    ax.set_title(title, loc="left", fontsize=11, color=INK)
    handles = [Patch(color=c, alpha=0.35, label=label) for label, c in seen.items()]
    if handles:
        ax.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            frameon=False,
            ncol=len(handles),
        )
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
    """Cumulative R trade by trade over the week, and its drawdown from the running peak."""
    values = content.result_r.to_numpy()
    if values.size == 0:
        fig, (ax,) = _figure(EMPTY_HEIGHT_IN)
        _empty(ax, "No trades this week.")
        return fig
    fig, (top, bottom) = _figure(4.6, rows=2, sharex=True, height_ratios=[2.2, 1])
    x = np.arange(values.size + 1)
    equity = np.concatenate([[0.0], equity_curve_r(values)])
    drawdown = np.concatenate([[0.0], drawdown_r(values)])
    top.plot(x, equity, color="#17406d", linewidth=2, marker="o", markersize=4)
    top.fill_between(x, equity, 0, where=equity >= 0, color=POS, alpha=0.12, interpolate=True)
    top.fill_between(x, equity, 0, where=equity < 0, color=NEG, alpha=0.12, interpolate=True)
    top.axhline(0, color=INK, linewidth=0.8)
    top.set_ylabel("cumulative R", color=INK)
    top.set_title("Equity curve and drawdown (R, by trade)", loc="left", fontsize=11, color=INK)
    bottom.fill_between(x, -drawdown, 0, color=NEG, alpha=0.35, step=None)
    bottom.plot(x, -drawdown, color=NEG, linewidth=1.2)
    bottom.set_ylabel("drawdown R", color=INK)
    bottom.set_xlabel("trade", color=INK)
    days = pd.to_datetime(content.trades["trading_day"]).dt.date.tolist()
    for i in range(1, len(days)):
        if days[i] != days[i - 1]:
            for ax in (top, bottom):
                ax.axvline(i + 0.5, color="#9aa5b1", linewidth=0.8, linestyle="--")
    bottom.set_xticks(x)
    return fig


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _naive(ts: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_convert(TZ).tz_localize(None) if stamp.tzinfo else stamp

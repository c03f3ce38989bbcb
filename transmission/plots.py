"""Matplotlib figures: the package draws, the notebooks and the reports show.

The one home of the price and equity drawings (`price_axes`, `equity_axes`, `drawdown_axes`):
the research notebooks' figures and the report figures (`reports.figures`) are both made of them.

Every function returns a `matplotlib.figure.Figure` made without pyplot, so nothing here touches
global plotting state (safe in threads and tests) and Jupyter shows each figure exactly once.
Figures use a bar-number axis for prices (overnight gaps and weekends take no room) with the
trading days marked on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from transmission.market.calendar import globex_session, trading_days_of
from transmission.metrics import drawdown_r, equity_curve_r
from transmission.palette import LOSS, REGIME_COLOURS, WIN, regime_label

# -- backtest figures -----------------------------------------------------------------------------


def equity_axes(ax: Axes, trades: pd.DataFrame) -> None:
    """Cumulative R after each trade, with the drawdown from the running peak shaded."""
    result_r = trades["result_r"].to_numpy(dtype=float)
    x = np.arange(len(result_r) + 1)
    equity = np.concatenate(([0.0], equity_curve_r(result_r)))
    peak = equity + np.concatenate(([0.0], drawdown_r(result_r)))
    ax.plot(x, equity, color="#222222", lw=1.6, marker="o" if len(x) < 40 else None, ms=3)
    ax.fill_between(x, equity, peak, color=LOSS, alpha=0.18, lw=0, label="drawdown")
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xlabel("trade number")
    ax.set_ylabel("cumulative R")
    total = float(equity[-1])
    worst = float(np.max(peak - equity)) if len(result_r) else 0.0
    ax.set_title(
        f"Equity in R: {total:+.2f}R over {len(result_r)} trades, max drawdown {worst:.2f}R"
    )
    ax.grid(alpha=0.3)


def drawdown_axes(ax: Axes, trades: pd.DataFrame) -> None:
    """Drawdown in R from the running peak of cumulative R, after each trade (drawn below 0)."""
    result_r = trades["result_r"].to_numpy(dtype=float)
    x = np.arange(len(result_r) + 1)
    drawdown = np.concatenate(([0.0], drawdown_r(result_r)))
    ax.fill_between(x, -drawdown, 0, color=LOSS, alpha=0.35, lw=0)
    ax.plot(x, -drawdown, color=LOSS, lw=1.2)
    ax.set_ylabel("drawdown R")
    ax.set_xlabel("trade number")


def r_histogram_axes(ax: Axes, trades: pd.DataFrame, bins: int = 20) -> None:
    """Distribution of trade results in R, wins and losses coloured apart."""
    result_r = trades["result_r"].to_numpy(dtype=float)
    if len(result_r) == 0:
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
    else:
        low, high = min(result_r.min(), -1.0), max(result_r.max(), 1.0)
        edges = np.linspace(low, high, bins + 1).tolist()
        ax.hist(result_r[result_r > 0], bins=edges, color=WIN, alpha=0.8, label="wins")
        ax.hist(result_r[result_r <= 0], bins=edges, color=LOSS, alpha=0.8, label="losses")
        ax.axvline(float(result_r.mean()), color="#222222", ls="--", lw=1, label="E[R]")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xlabel("result (R)")
    ax.set_ylabel("trades")
    ax.set_title("Trade results in R")
    ax.grid(alpha=0.3)


def _positions(ts: pd.Series, when: pd.Series) -> np.ndarray:
    """Bar positions of timestamps `when` on the bar-number axis of `ts` (the bar at or before)."""
    index = ts.to_numpy(dtype="datetime64[ns]")
    at = np.searchsorted(index, when.to_numpy(dtype="datetime64[ns]"), side="right") - 1
    return np.clip(at, 0, max(len(index) - 1, 0))


def _day_ticks(ax: Axes, ts: pd.Series) -> None:
    """Mark where each Globex trading day starts (18:00 ET the evening before)."""
    days = trading_days_of(ts).reset_index(drop=True)
    first = np.flatnonzero(np.r_[True, days.to_numpy()[1:] != days.to_numpy()[:-1]])
    if len(first) == 1:
        # One day: hours say more than the date.
        hours = ts.dt.floor("h").reset_index(drop=True)
        marks = np.flatnonzero(np.r_[True, hours.to_numpy()[1:] != hours.to_numpy()[:-1]])
        marks = marks[:: max(len(marks) // 12, 1)]
        ax.set_xticks(marks)
        ax.set_xticklabels([ts.iloc[i].strftime("%H:%M") for i in marks], fontsize=8)
        ax.set_xlabel(f"trading day {days.iloc[0]:%a %Y-%m-%d} (ET)")
        return
    ax.set_xticks(first)
    ax.set_xticklabels([days.iloc[i].strftime("%a %m-%d") for i in first], fontsize=8)
    for position in first[1:]:
        ax.axvline(position, color="#bbbbbb", lw=0.6, ls=":")


def shade_regimes(
    ax: Axes, ts: pd.Series, starts: pd.Series, labels: Sequence[str], ends: pd.Series | None = None
) -> None:
    """Shade spans of a bar-number axis by regime; a span runs to the next start (or its end)."""
    if len(starts) == 0:
        return
    left = _positions(ts, starts)
    right = _positions(ts, ends) if ends is not None else np.r_[left[1:], len(ts) - 1]
    for start, stop, label in zip(left, right, labels, strict=True):
        colour = REGIME_COLOURS.get(label)
        if colour is None or label == "NO_TRADE":
            continue
        ax.axvspan(start, max(stop, start + 1), color=colour, alpha=0.14, lw=0)


def price_axes(
    ax: Axes,
    bars: pd.DataFrame,
    regime_changes: pd.DataFrame,
    trades: pd.DataFrame,
    *,
    brackets: bool = False,
) -> None:
    """Close price on a bar-number axis, shaded by regime, entries and exits marked.

    `regime_changes` has a row per change (`ts`, `regime`, `direction`; an `end` column makes
    them segments that end there); with `brackets`, each trade's stop and target are drawn
    from its entry to its exit.
    """
    ts = bars["ts"].reset_index(drop=True)
    ax.plot(np.arange(len(bars)), bars["close"].to_numpy(), color="#222222", lw=0.7)
    if len(regime_changes):
        labels = [
            regime_label(r, d if isinstance(d, str) else None)
            for r, d in zip(regime_changes["regime"], regime_changes["direction"], strict=True)
        ]
        ends = regime_changes.get("end")
        shade_regimes(ax, ts, regime_changes["ts"], labels, ends)
    if len(trades):
        entry = _positions(ts, trades["timestamp_entry"])
        exit_ = _positions(ts, trades["timestamp_exit"])
        long = (trades["trade_type"] == "Long").to_numpy()
        win = (trades["result_r"] > 0).to_numpy()
        ax.scatter(entry[long], trades["entry_price"][long], marker="^", color="#222222", s=40)
        ax.scatter(entry[~long], trades["entry_price"][~long], marker="v", color="#222222", s=40)
        for colour, mask in ((WIN, win), (LOSS, ~win)):
            ax.scatter(exit_[mask], trades["exit_price"][mask], marker="x", color=colour, s=40)
        for e, x, p0, p1, w in zip(
            entry, exit_, trades["entry_price"], trades["exit_price"], win, strict=True
        ):
            ax.plot([e, x], [p0, p1], color=WIN if w else LOSS, lw=1.0)
        if brackets:
            for e, x, stop, target in zip(
                entry, exit_, trades["stop_price"], trades["target_price"], strict=True
            ):
                ax.hlines(float(stop), e, max(x, e + 1), color=LOSS, ls=":", lw=1)
                ax.hlines(float(target), e, max(x, e + 1), color=WIN, ls=":", lw=1)
    _day_ticks(ax, ts)
    ax.set_ylabel("price")
    ax.grid(alpha=0.25)
    handles = [
        Patch(color=REGIME_COLOURS[name], alpha=0.35, label=name)
        for name in ("TREND_UP", "TREND_DOWN", "RANGE", "VOLATILE")
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=4)


def backtest_figure(
    bars: pd.DataFrame,
    regime_changes: pd.DataFrame,
    trades: pd.DataFrame,
    title: str = "",
) -> Figure:
    """The research notebook's main plot: price with regimes and trades, equity, R histogram."""
    fig = Figure(figsize=(13, 8.5), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.35, 1])
    price_axes(fig.add_subplot(grid[0, :]), bars, regime_changes, trades)
    equity_axes(fig.add_subplot(grid[1, 0]), trades)
    r_histogram_axes(fig.add_subplot(grid[1, 1]), trades)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


def save_figure(fig: Figure, path: str | Path | None, dpi: int = 110) -> Figure:
    """Write `fig` to `path` (a PNG for the docs, say) unless path is None; returns `fig`."""
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, dpi=dpi)
    return fig


def single_axes_figure(width: float = 11, height: float = 4) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def equity_figure(trades: pd.DataFrame) -> Figure:
    fig, ax = single_axes_figure(9, 4)
    equity_axes(ax, trades)
    return fig


def r_histogram_figure(trades: pd.DataFrame) -> Figure:
    fig, ax = single_axes_figure(7, 4)
    r_histogram_axes(ax, trades)
    return fig


def price_figure(
    bars: pd.DataFrame, regime_changes: pd.DataFrame, trades: pd.DataFrame, day: str | None = None
) -> Figure:
    """Price with regime shading and trades; `day` (YYYY-MM-DD) zooms on one trading day."""
    if day is not None:
        start, end = globex_session(pd.Timestamp(day).date())
        bars = bars[(bars["ts"] >= start) & (bars["ts"] < end)]
        if bars.empty:
            raise ValueError(f"no bars on trading day {day}")
        trades = trades[(trades["timestamp_entry"] >= start) & (trades["timestamp_entry"] < end)]
        before = regime_changes[regime_changes["ts"] < start].tail(1).assign(ts=start)
        inside = regime_changes[(regime_changes["ts"] >= start) & (regime_changes["ts"] < end)]
        regime_changes = pd.concat([before, inside])
    fig, ax = single_axes_figure(13, 4.5)
    price_axes(ax, bars.reset_index(drop=True), regime_changes, trades)
    return fig


# -- regime lab figures ---------------------------------------------------------------------------


def regime_day_figure(
    frame: pd.DataFrame, day: str | pd.Timestamp | None = None, truth: pd.DataFrame | None = None
) -> Figure:
    """One trading day of signal bars (RTH): price with VWAP bands, then ADX and ER, CHOP, and
    the ATR percentile against their thresholds, shaded by the classifier's regime (and, with
    the simulator's `truth`, a strip of the true regime under the price). `day` None: the last
    day with a regular session."""
    from transmission.research import truth_labels

    if day is None:
        rth_days = frame.loc[frame["in_rth"], "trading_day"]
        if rth_days.empty:
            raise ValueError("no trading day with a regular session in these bars")
        day = rth_days.iloc[-1]
    wanted = pd.Timestamp(day).normalize()
    rows = frame[(frame["trading_day"] == wanted) & frame["in_rth"]].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"no RTH signal bars on {wanted.date()}")
    cfg = frame.attrs["regime_config"]
    fig = Figure(figsize=(13, 9), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, height_ratios=[2.2, 1, 1, 1])
    x = np.arange(len(rows))
    ts = rows["ts"]
    segments = np.r_[True, rows["label"].to_numpy()[1:] != rows["label"].to_numpy()[:-1]]
    starts = ts[segments].reset_index(drop=True)
    labels = list(rows["label"][segments])
    for ax in axes:
        shade_regimes(ax, ts, starts, labels)
    price = axes[0]
    price.plot(x, rows["close"], color="#222222", lw=1.1, label="close")
    price.plot(x, rows["vwap"], color="#7b3fa0", lw=1.0, label="VWAP")
    for k in (1, 2):
        for sign in (1, -1):
            band = rows["vwap"] + sign * k * rows["vwap_sigma"]
            price.plot(x, band, color="#7b3fa0", lw=0.6, ls=":" if k == 1 else "--")
    if truth is not None:
        true = truth_labels(rows, truth).fillna("OVERNIGHT")
        low = float(rows["low"].min())
        height = (float(rows["high"].max()) - low) * 0.04
        colours = [REGIME_COLOURS.get(label, "#ffffff") for label in true]
        price.bar(x, height, bottom=low - 2 * height, width=1.0, color=colours, lw=0)
        price.text(0, low - 2.6 * height, "truth", fontsize=7, va="top")
    price.set_title(f"{wanted.date()}: what the classifier sees (shading: its regime)")
    price.legend(loc="upper left", fontsize=8)
    trend = axes[1]
    trend.plot(x, rows["adx"], color="#222222", label="ADX")
    trend.axhline(cfg.trend_adx, color=REGIME_COLOURS["TREND"], ls="--", lw=0.8)
    trend.axhline(cfg.range_adx, color=REGIME_COLOURS["RANGE"], ls="--", lw=0.8)
    er = trend.twinx()
    er.plot(x, rows["er"], color="#c76b00", lw=0.9, label="ER")
    er.axhline(cfg.trend_er, color="#c76b00", ls=":", lw=0.8)
    er.set_ylabel("ER", color="#c76b00")
    trend.set_ylabel("ADX")
    axes[2].plot(x, rows["chop"], color="#222222")
    axes[2].axhline(cfg.range_chop, color=REGIME_COLOURS["RANGE"], ls="--", lw=0.8)
    axes[2].set_ylabel("CHOP")
    axes[3].plot(x, rows["atr_pct"], color="#222222")
    axes[3].axhline(cfg.volatile_atr_pct, color=REGIME_COLOURS["VOLATILE"], ls="--", lw=0.8)
    axes[3].set_ylabel("ATR pct")
    axes[3].set_ylim(0, 100)
    step = max(len(rows) // 13, 1)
    axes[3].set_xticks(x[::step])
    axes[3].set_xticklabels([t.strftime("%H:%M") for t in ts[::step]], fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.25)
    return fig


def dwell_figure(segments: pd.DataFrame) -> Figure:
    """How long regimes last: a histogram of segment lengths per regime."""
    fig, ax = single_axes_figure(9, 3.8)
    names = [name for name in REGIME_COLOURS if name in set(segments["regime"])]
    data = [segments.loc[segments["regime"] == name, "minutes"].to_numpy() for name in names]
    if data:
        ax.hist(data, bins=12, stacked=True, label=names, color=[REGIME_COLOURS[n] for n in names])
        ax.legend(fontsize=8)
    ax.set_xlabel("minutes the regime held")
    ax.set_ylabel("segments")
    ax.set_title("Dwell times")
    ax.grid(alpha=0.3)
    return fig


def sweep_figure(sweep: pd.DataFrame) -> Figure:
    """Share of bars per regime (and agreement, when present) against one threshold's values."""
    fig, ax = single_axes_figure(9, 3.8)
    threshold = str(sweep.index.name)
    for name in ("TREND_UP", "TREND_DOWN", "RANGE", "VOLATILE"):
        column = f"share_{name}"
        if column in sweep:
            ax.plot(sweep.index, sweep[column], marker="o", color=REGIME_COLOURS[name], label=name)
    if "agreement" in sweep:
        ax.plot(
            sweep.index, sweep["agreement"], marker="s", color="#222222", ls="--", label="agreement"
        )
    ax.set_xlabel(threshold)
    ax.set_ylabel("share of bars")
    ax.set_ylim(0, 1)
    ax.set_title(f"What {threshold} changes")
    ax.legend(fontsize=8, ncols=5)
    ax.grid(alpha=0.3)
    return fig


def lag_figure(rates: pd.Series) -> Figure:
    fig, ax = single_axes_figure(7, 3.2)
    ax.plot(rates.index, rates.to_numpy(), marker="o", color="#222222")
    best = float(rates.idxmax())  # type: ignore[arg-type]
    ax.axvline(best, color=REGIME_COLOURS["TREND"], ls="--", lw=0.8)
    ax.set_xlabel("compared with the truth this many minutes earlier")
    ax.set_ylabel("agreement")
    ax.set_title(f"Agreement peaks with a {best:g}-minute lag")
    ax.grid(alpha=0.3)
    return fig

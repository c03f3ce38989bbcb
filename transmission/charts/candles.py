"""Price: candles (aggregated to stay readable), session VWAP bands, regime shading, trades."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from transmission.charts.style import LOSS, REGIME_COLOURS, TEMPLATE, VWAP, WIN, local_time
from transmission.charts.style import regime_label as label_of
from transmission.features import compute_features
from transmission.market.calendar import annotate
from transmission.market.resample import resample

CANDLE_MINUTES = (1, 5, 15, 30, 60, 120, 240)
MAX_CANDLES = 2500  # beyond a few thousand, candles smear into a bar and the browser slows


def candle_minutes(bars: pd.DataFrame, max_candles: int = MAX_CANDLES, least: int = 1) -> int:
    """The shortest candle (of CANDLE_MINUTES, from `least`) that draws `bars` in at most
    `max_candles` candles (the longest when none does)."""
    if bars.empty:
        return least
    for minutes in CANDLE_MINUTES:
        if minutes >= least and _count(bars, minutes) <= max_candles:
            return minutes
    return CANDLE_MINUTES[-1]


def _count(bars: pd.DataFrame, minutes: int) -> int:
    if minutes == 1:
        return len(bars)
    # Candles are buckets of local clock time: count the distinct buckets.
    local = local_time(bars["ts"]).to_numpy("datetime64[m]").view(np.int64)
    return len(np.unique(local // minutes))


def candles(bars: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """`bars` (1-minute) as `minutes`-minute candles (the engine's resampling)."""
    return resample(bars, minutes)


def candle_trace(frame: pd.DataFrame, minutes: int) -> go.Candlestick:
    return go.Candlestick(
        x=local_time(frame["ts"]),
        open=frame["open"],
        high=frame["high"],
        low=frame["low"],
        close=frame["close"],
        name=f"{minutes}-min candles",
        increasing_line_color=WIN,
        decreasing_line_color=LOSS,
        showlegend=True,
    )


def vwap_traces(bars: pd.DataFrame, timeframe_minutes: int, every: int = 1) -> list[go.Scatter]:
    """Session VWAP and its +-1 and +-2 sigma bands (the engine's features, on signal bars);
    `every`: keep one point in so many (long runs)."""
    signal = annotate(resample(bars, timeframe_minutes))
    features = compute_features(signal, bar_minutes=timeframe_minutes)
    keep = slice(None, None, max(every, 1))
    x = local_time(signal["ts"])[keep]
    return vwap_lines(x, features["vwap"][keep], features["vwap_sigma"][keep])


def vwap_lines(x: Any, vwap: Any, sigma: Any) -> list[go.Scatter]:
    """VWAP and its +-1 and +-2 sigma bands over `x` (VWAP and sigma computed already, e.g. by
    the candles service)."""
    vwap, sigma = np.asarray(vwap, dtype=float), np.asarray(sigma, dtype=float)
    traces = [
        go.Scatter(x=x, y=vwap, name="VWAP", line={"color": VWAP, "width": 1.4}, connectgaps=False)
    ]
    for k, dash in ((1, "dot"), (2, "dash")):
        for sign in (1, -1):
            traces.append(
                go.Scatter(
                    x=x,
                    y=vwap + sign * k * sigma,
                    name=f"VWAP {'+' if sign > 0 else '-'}{k}σ",
                    legendgroup=f"band{k}",
                    showlegend=sign > 0,
                    line={"color": VWAP, "width": 0.8, "dash": dash},
                    opacity=0.6,
                    hoverinfo="skip",
                    connectgaps=False,
                )
            )
    return traces


def regime_shapes(
    regimes: pd.DataFrame, last_ts: Any, yref: str = "y domain", xref: str = "x"
) -> list[dict[str, Any]]:
    """A shaded band per regime segment (from each change to the next), as layout shapes."""
    if regimes is None or regimes.empty:
        return []
    ts = list(local_time(regimes["ts"]))
    ends = [*ts[1:], local_time(pd.Series([last_ts])).iloc[0]]
    shapes = []
    directions = regimes["direction"] if "direction" in regimes else [None] * len(regimes)
    for start, end, regime, direction in zip(ts, ends, regimes["regime"], directions, strict=True):
        name = label_of(str(regime), direction if isinstance(direction, str) else None)
        if name == "NO_TRADE":
            continue
        shapes.append(
            {
                "type": "rect",
                "xref": xref,
                "yref": yref,
                "x0": start,
                "x1": end,
                "y0": 0,
                "y1": 1,
                "fillcolor": REGIME_COLOURS.get(name, "#cccccc"),
                "opacity": 0.10,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    return shapes


def trade_traces(trades: pd.DataFrame) -> list[go.Scatter]:
    """Entries (triangles), exits (crosses, coloured by result), and each trade's stop and
    target as lines from its entry to its exit."""
    if trades is None or trades.empty:
        return []
    entry_x, exit_x = local_time(trades["timestamp_entry"]), local_time(trades["timestamp_exit"])
    long = (trades["trade_type"] == "Long").to_numpy()
    won = (trades["result_r"] > 0).to_numpy()
    hover = [
        f"{t.trade_type} {t.strategy_used} ({t.regime})<br>entry {t.entry_price:.2f} stop "
        f"{t.stop_price:.2f} target {t.target_price:.2f}<br>exit {t.exit_price:.2f} "
        f"({t.exit_reason}): {t.result_r:+.2f}R, ${t.pnl_usd:+,.2f}"
        for t in trades.itertuples()
    ]
    traces = []
    for side, mask, symbol in (("Long", long, "triangle-up"), ("Short", ~long, "triangle-down")):
        if mask.any():
            traces.append(
                go.Scatter(
                    x=entry_x[mask],
                    y=trades["entry_price"][mask],
                    mode="markers",
                    name=f"{side} entry",
                    marker={
                        "symbol": symbol,
                        "size": 10,
                        "color": WIN if side == "Long" else LOSS,
                        "line": {"width": 1, "color": "#111111"},
                    },
                    hovertext=np.array(hover, dtype=object)[mask],
                    hoverinfo="text",
                )
            )
    traces.append(
        go.Scatter(
            x=exit_x,
            y=trades["exit_price"],
            mode="markers",
            name="exit",
            marker={"symbol": "x", "size": 8, "color": np.where(won, WIN, LOSS).tolist()},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    for column, colour, name in (("stop_price", LOSS, "stop"), ("target_price", WIN, "target")):
        traces.append(
            go.Scatter(
                x=_segments(entry_x, exit_x),
                y=_segments(trades[column], trades[column]),
                mode="lines",
                name=name,
                line={"color": colour, "width": 1, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    return traces


def _segments(starts: Iterable[Any], ends: Iterable[Any]) -> list[Any]:
    """x (or y) of one line per pair, broken by None between them."""
    out: list[Any] = []
    for start, end in zip(list(starts), list(ends), strict=True):
        out.extend((start, end, None))
    return out


def price_figure(
    bars: pd.DataFrame,
    trades: pd.DataFrame | None = None,
    *,
    regimes: pd.DataFrame | None = None,
    timeframe_minutes: int = 5,
    max_candles: int = MAX_CANDLES,
    vwap: bool = True,
    title: str | None = None,
) -> go.Figure:
    """Candles (as long as `max_candles` allows), VWAP bands, regime shading and trades."""
    fig = go.Figure(layout={"template": TEMPLATE, "title": title})
    add_price(fig, bars, trades, regimes, timeframe_minutes, max_candles, vwap)
    fig.update_layout(xaxis_rangeslider_visible=False, hovermode="closest")
    return fig


def add_price(
    fig: go.Figure,
    bars: pd.DataFrame,
    trades: pd.DataFrame | None,
    regimes: pd.DataFrame | None,
    timeframe_minutes: int,
    max_candles: int,
    vwap: bool,
    row: int | None = None,
) -> int:
    """The price panel's traces and shapes on `fig` (at `row` of a subplot grid); returns the
    candle length used."""
    at = {"row": row, "col": 1} if row is not None else {}
    minutes = candle_minutes(bars, max_candles)
    fig.add_trace(candle_trace(candles(bars, minutes), minutes), **at)
    if vwap and not bars.empty:
        every = max(1, minutes // timeframe_minutes)
        for trace in vwap_traces(bars, timeframe_minutes, every):
            fig.add_trace(trace, **at)
    for trace in trade_traces(trades if trades is not None else pd.DataFrame()):
        fig.add_trace(trace, **at)
    if regimes is not None and not bars.empty:
        axis = "" if row in (None, 1) else str(row)
        shapes = regime_shapes(regimes, bars["ts"].iloc[-1], f"y{axis} domain", f"x{axis}")
        fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    return minutes

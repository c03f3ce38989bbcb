"""HTML and SVG for the dashboard's widgets, as pure functions of plain values.

Kept apart from the widgets so the formatting is testable without a kernel and cheap enough to
run a few times a second. Every string from the engine is escaped before it reaches HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from transmission.charts.candles import candle_trace, regime_shapes, trade_traces, vwap_lines
from transmission.charts.style import LOSS, WIN, local_time
from transmission.palette import regime_colour
from transmission.strategies.names import display_name

ARROWS = {"up": "▲", "down": "▼"}
GOOD, BAD, MUTED = "#1b7f3b", "#b3261e", "#6b6b6b"


def fmt_time(value: str | None, with_date: bool = True) -> str:
    """An ISO timestamp in exchange time as `Mon 11-20 10:35` (or `10:35`); '-' when unknown."""
    if not value:
        return "-"
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return escape(str(value))
    return when.strftime("%a %m-%d %H:%M" if with_date else "%H:%M")


def fmt_r(value: float | None, signed: bool = True) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:+.2f}R" if signed else f"{value:.2f}R"


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def fmt_pct(value: float | None) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.0%}"


def r_colour(value: float | None) -> str:
    if value is None or value == 0:
        return MUTED
    return GOOD if value > 0 else BAD


def regime_badge_html(
    regime: str, direction: str | None, since: str | None, strategy: str | None, reason: str
) -> str:
    """A coloured pill: regime and direction, since when, the strategy in gear, and why."""
    colour = regime_colour(regime, direction)
    arrow = ARROWS.get(direction or "", "")
    name = escape(f"{regime} {arrow}".strip())
    gear = escape(strategy) if strategy else "standing aside"
    return (
        f'<div class="tm-regime" data-regime="{escape(regime)}" '
        f'data-direction="{escape(direction or "")}" title="{escape(reason)}" '
        f'style="display:flex;align-items:center;gap:12px">'
        f'<span class="tm-regime-name" style="background:{colour};color:white;'
        f"padding:6px 16px;border-radius:16px;font-weight:700;font-size:1.35em;"
        f'letter-spacing:0.04em">{name}</span>'
        f'<span style="line-height:1.3"><b>since</b> {fmt_time(since)}<br>'
        f"<b>gear</b> {gear}</span></div>"
    )


def can_trade_html(can_trade: bool | None, reason: str | None, system_state: str) -> str:
    if can_trade is None:
        text, colour = "waiting for the engine", MUTED
    elif can_trade:
        text, colour = "CAN TRADE", GOOD
    else:
        text, colour = f"BLOCKED: {reason or 'a tripwire holds'}", BAD
    halted = ' <span style="color:#b3261e">(halted)</span>' if system_state == "halted" else ""
    return (
        f'<div class="tm-can-trade" data-can-trade="{str(can_trade).lower()}" '
        f'style="font-weight:700;color:{colour}">● {escape(text)}{halted}</div>'
    )


def loss_gauge(pnl_r: float, limit_r: float) -> tuple[float, str]:
    """Share of a loss limit used (0 to 1) and its bar style (success, warning, danger)."""
    if limit_r <= 0:
        raise ValueError(f"a loss limit must be positive R, got {limit_r}")
    used = min(max(-pnl_r / limit_r, 0.0), 1.0) + 0.0  # + 0.0: no "-0%" when flat
    # Amber from a third of the limit (1R of a 3R day), red from two thirds: a trader sees the
    # limit coming, not a green bar up to half of it.
    style = "success" if used < AMBER_FROM else "warning" if used < RED_FROM else "danger"
    return used, style


AMBER_FROM, RED_FROM = 0.3, 2 / 3
RULE_LABELS = {
    "cooldown": "cool-down after a loss",
    "daily_loss": "daily loss",
    "drawdown": "drawdown from peak",
    "losing_streak": "losing streak",
    "manual_halt": "manual halt",
    "profit_factor": "profit factor",
    "red_days": "red days in a row",
    "stale_feed": "stale feed",
    "trades_per_day": "trades per day",
    "weekly_loss": "weekly loss",
    "wilson_win_rate": "win rate (Wilson)",
}


def rule_label(rule: str) -> str:
    """A tripwire's name as a trader reads it (its code name when it has no label)."""
    return RULE_LABELS.get(rule, rule.replace("_", " "))


def gauge_label(name: str, pnl_r: float, limit_r: float) -> str:
    used, _ = loss_gauge(pnl_r, limit_r)
    return f"{name} {fmt_r(pnl_r)} of −{limit_r:g}R ({used:.0%})"


def tripwires_html(wires: Iterable[Any]) -> str:
    """Each tripwire as a chip (red when tripped, the reason on hover), tripped ones first and
    spelled out below."""
    rows = sorted(wires, key=lambda w: (not w.tripped, w.rule, w.strategy or ""))
    if not rows:
        return '<div class="tm-tripwires" style="color:#6b6b6b">no tripwire has reported yet</div>'
    chips = []
    for wire in rows:
        colour = BAD if wire.tripped else GOOD
        label = rule_label(wire.rule)
        name = label if wire.strategy is None else f"{label} · {display_name(wire.strategy)}"
        tip = wire.reason if wire.tripped else "clear"
        chips.append(
            f'<span class="tm-tripwire" data-rule="{escape(wire.rule)}" '
            f'data-tripped="{str(wire.tripped).lower()}" title="{escape(tip)}" '
            f'style="display:inline-block;margin:2px;padding:1px 8px;border-radius:10px;'
            f'border:1px solid {colour};color:{colour};font-size:0.85em">{escape(name)}</span>'
        )
    reasons = "".join(
        f"<li><b>{escape(rule_label(w.rule))}</b>"
        f"{escape(' · ' + display_name(w.strategy)) if w.strategy else ''}: "
        f"{escape(w.reason)}{escape(' (until ' + str(w.until) + ')') if w.until else ''}</li>"
        for w in rows
        if w.tripped
    )
    listed = f'<ul style="margin:4px 0 0 0;color:{BAD}">{reasons}</ul>' if reasons else ""
    return f'<div class="tm-tripwires">{"".join(chips)}{listed}</div>'


def equity_svg(equity: Sequence[float] | np.ndarray, width: int = 560, height: int = 150) -> str:
    """A cumulative-R line from 0 through each trade, with the zero line; at most 600 points."""
    values = np.concatenate(([0.0], np.asarray(equity, dtype=float)))
    if len(values) > 600:
        values = values[np.linspace(0, len(values) - 1, 600).round().astype(int)]
    low, high = min(float(values.min()), -1.0), max(float(values.max()), 1.0)
    pad = 6
    xs = np.linspace(pad, width - pad, len(values)) if len(values) > 1 else np.array([pad])
    ys = pad + (high - values) / (high - low) * (height - 2 * pad)
    zero = pad + high / (high - low) * (height - 2 * pad)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    colour = r_colour(float(values[-1]))
    return (
        f'<svg class="tm-equity-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{width}" height="{height}" fill="#fafafa" stroke="#dddddd"/>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{zero:.1f}" y2="{zero:.1f}" '
        f'stroke="#999999" stroke-dasharray="4 3"/>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        f'<text x="{pad + 2}" y="{pad + 10}" font-size="10" fill="#666">{high:+.1f}R</text>'
        f'<text x="{pad + 2}" y="{height - pad - 2}" font-size="10" fill="#666">{low:+.1f}R</text>'
        "</svg>"
    )


def metrics_html(figures: dict[str, Any], window: int) -> str:
    """Rolling profit factor, E[R], win rate and its Wilson lower bound, with totals."""
    n = figures.get("window_trades") or 0
    pf = figures.get("profit_factor")
    pf_text = "∞" if figures.get("profit_factor_infinite") else fmt_ratio(pf)
    rows = [
        ("profit factor", pf_text, r_colour(None if pf is None else pf - 1.0)),
        ("E[R]", fmt_r(figures.get("expected_r")), r_colour(figures.get("expected_r"))),
        ("win rate", fmt_pct(figures.get("win_rate")), MUTED),
        ("Wilson lower bound", fmt_pct(figures.get("win_rate_wilson_lb")), MUTED),
        (
            "avg win / loss",
            f"{fmt_r(figures.get('avg_win_r'))} / {fmt_r(figures.get('avg_loss_r'))}",
            MUTED,
        ),
    ]
    body = "".join(
        f'<tr><td>{name}</td><td class="tm-metric" data-metric="{name}" '
        f'style="text-align:right;font-weight:600;color:{colour}">{value}</td></tr>'
        for name, value, colour in rows
    )
    return (
        f'<div class="tm-metrics"><div style="color:#6b6b6b;font-size:0.9em">last {n} of '
        f"{window}-trade window</div>"
        f'<table style="border-collapse:collapse;width:100%">{body}</table></div>'
    )


TRADE_COLUMNS = (
    ("exit", "timestamp_exit"),
    ("side", "trade_type"),
    ("strategy", "strategy_used"),
    ("regime", "regime"),
    ("entry", "entry_price"),
    ("exit px", "exit_price"),
    ("contracts", "contracts"),
    ("R", "result_r"),
    ("why", "exit_reason"),
)


def _cell(key: str, value: Any) -> str:
    if key == "timestamp_exit":
        return fmt_time(value)
    if key == "result_r":
        number = None if value is None else float(value)
        return f'<span style="color:{r_colour(number)};font-weight:600">{fmt_r(number)}</span>'
    if isinstance(value, float):
        return f"{value:,.2f}"
    return escape("-" if value is None else str(value))


def trades_html(trades: Sequence[dict[str, Any]], open_position: dict[str, Any] | None) -> str:
    """Newest trades first, with the open position (if any) above them."""
    head = "".join(f"<th align=left>{name}</th>" for name, _ in TRADE_COLUMNS)
    rows = []
    if open_position:
        p = open_position
        rows.append(
            f'<tr class="tm-open-position" style="background:#fff7e0">'
            f"<td>open since {fmt_time(p.get('timestamp_entry'))}</td>"
            f"<td>{escape(str(p.get('trade_type', '')))}</td>"
            f"<td>{escape(str(p.get('strategy_used', '')))}</td>"
            f"<td>{escape(str(p.get('regime', '')))}</td>"
            f"<td>{_cell('entry_price', p.get('entry_price'))}</td>"
            "<td>-</td>"  # exit px: not out yet
            f"<td>{escape(str(p.get('contracts', '')))}</td>"
            f"<td>{_cell('result_r', p.get('open_pnl_r'))}</td>"  # R: unrealized, when known
            f"<td>stop {_cell('stop_price', p.get('stop_price'))} · "
            f"target {_cell('target_price', p.get('target_price'))}</td></tr>"
        )
    for trade in trades:
        cells = "".join(f"<td>{_cell(key, trade.get(key))}</td>" for _, key in TRADE_COLUMNS)
        rows.append(
            f'<tr class="tm-trade" data-trade-id="{escape(str(trade["trade_id"]))}">{cells}</tr>'
        )
    if not rows:
        rows.append(
            f'<tr><td colspan="{len(TRADE_COLUMNS)}" style="color:#6b6b6b">no trades yet</td></tr>'
        )
    return (
        '<table class="tm-trades" style="border-collapse:collapse;width:100%;font-size:0.9em">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


def status_line_html(
    symbol: str | None,
    run_id: str | None,
    last_bar_time: str | None,
    bars_processed: int,
    connection: str,
    source: str,
) -> str:
    colour = GOOD if connection == "connected" else BAD if connection == "disconnected" else MUTED
    return (
        f'<div class="tm-status" style="color:#444;font-size:0.9em">'
        f"<b>{escape(symbol or '-')}</b> · last bar {fmt_time(last_bar_time)} · "
        f"{bars_processed:,} bars · run {escape(run_id or '-')} · {escape(source)} · "
        f'<span style="color:{colour}">{escape(connection)}</span></div>'
    )


def fmt_usd(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{'+' if value >= 0 else '−'}${abs(value):,.2f}"


def position_html(position: dict[str, Any] | None) -> str:
    """The open position: side, size, entry, the working stop and target, last price and the
    unrealized P&L in R and $ (as the positions service marks it)."""
    if not position:
        return '<div class="tm-position" data-open="false" style="color:#6b6b6b">flat</div>'
    p = position
    r, usd = p.get("open_pnl_r"), p.get("open_pnl_usd")
    colour = r_colour(r)
    return (
        f'<div class="tm-position" data-open="true" style="line-height:1.5">'
        f"<b>{escape(str(p.get('trade_type', '')))} {escape(str(p.get('contracts', '')))}</b> "
        f"{escape(str(p.get('strategy_used', '')))} · "
        f"entry {_cell('entry_price', p.get('entry_price'))}"
        f" at {fmt_time(p.get('timestamp_entry'), with_date=False)} · "
        f"stop {_cell('stop_price', p.get('stop_price'))} · "
        f"target {_cell('target_price', p.get('target_price'))}<br>"
        f"last {_cell('last_price', p.get('last_price'))} · unrealized "
        f'<span class="tm-unrealized" style="color:{colour};font-weight:700;font-size:1.2em">'
        f"{fmt_r(r)} · {fmt_usd(usd)}</span></div>"
    )


def signals_html(signals: Sequence[dict[str, Any]]) -> str:
    """The newest signals first: when, strategy, side, price, the risk decision and why a vetoed
    one was refused."""
    head = "".join(
        f"<th align=left>{name}</th>"
        for name in ("time", "strategy", "side", "entry", "decision", "veto reason")
    )
    rows = []
    for s in signals:
        vetoed = s.get("decision") != "accepted"
        colour = BAD if vetoed else GOOD
        rows.append(
            f'<tr class="tm-signal" data-decision="{escape(str(s.get("decision")))}">'
            f"<td>{fmt_time(s.get('timestamp'))}</td>"
            f"<td>{escape(str(s.get('strategy', '')))}</td>"
            f"<td>{escape(str(s.get('side', '')))}</td>"
            f"<td>{_cell('entry_price', s.get('entry_price'))}</td>"
            f'<td style="color:{colour};font-weight:600">{escape(str(s.get("decision")))}</td>'
            f"<td>{escape(str(s.get('veto_reason') or '-'))}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="6" style="color:#6b6b6b">no signals yet</td></tr>')
    return (
        '<table class="tm-signals" style="border-collapse:collapse;width:100%;font-size:0.9em">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


CHART_TRADE_FIELDS = (
    "timestamp_entry", "timestamp_exit", "trade_type", "strategy_used", "regime", "entry_price",
    "stop_price", "target_price", "exit_price", "exit_reason", "result_r", "pnl_usd",
)  # fmt: skip


def price_chart(
    candles: Sequence[dict[str, Any]],
    minutes: int,
    trades: Sequence[dict[str, Any]],
    position: dict[str, Any] | None,
) -> tuple[list[go.Scatter | go.Candlestick], list[dict[str, Any]]]:
    """The live chart's traces and shapes from the candles service's rows (VWAP and bands
    included) and the trades: the notebook charts' builders, on the chart's span only."""
    if not candles:
        return [], []
    frame = pd.DataFrame(list(candles))
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    traces: list[go.Scatter | go.Candlestick] = [candle_trace(frame, minutes)]
    x = local_time(frame["ts"])
    vwap = pd.to_numeric(frame["vwap"], errors="coerce")
    sigma = pd.to_numeric(frame["vwap_sigma"], errors="coerce")
    traces += vwap_lines(x, vwap, sigma)
    start, last = frame["ts"].iloc[0], frame["ts"].iloc[-1] + pd.Timedelta(minutes=minutes)
    shown = [t for t in trades if t.get("timestamp_exit") and _at(t["timestamp_exit"]) >= start]
    if shown:
        table = pd.DataFrame([{k: t.get(k) for k in CHART_TRADE_FIELDS} for t in shown])
        for column in ("timestamp_entry", "timestamp_exit"):
            table[column] = pd.to_datetime(table[column], utc=True)
        table["pnl_usd"] = pd.to_numeric(table["pnl_usd"], errors="coerce").fillna(0.0)
        traces += trade_traces(table)
    shapes = regime_shapes(_regime_changes(frame), last)
    if position and position.get("timestamp_entry"):
        traces += working_levels(position, last)
    return traces, shapes


def _at(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("America/New_York") if ts.tzinfo is None else ts


def _regime_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """The candles' regime column as change points (a candle's regime holds from its start)."""
    if "regime" not in frame:
        return pd.DataFrame(columns=["ts", "regime"])
    regime = frame["regime"].fillna("NO_TRADE").astype(str)
    moved = regime.ne(regime.shift())
    return pd.DataFrame({"ts": frame["ts"][moved], "regime": regime[moved]}).reset_index(drop=True)


def working_levels(position: dict[str, Any], until: pd.Timestamp) -> list[go.Scatter]:
    """The open position's entry, working stop and target as lines from its entry to now."""
    ends = [_at(position["timestamp_entry"]).tz_convert("UTC"), _at(until).tz_convert("UTC")]
    x = list(local_time(pd.Series(ends)))
    out = []
    for key, colour, name in (
        ("entry_price", "#333333", "open entry"),
        ("stop_price", LOSS, "working stop"),
        ("target_price", WIN, "working target"),
    ):
        price = position.get(key)
        if price is not None:
            out.append(
                go.Scatter(
                    x=x,
                    y=[float(price), float(price)],
                    mode="lines",
                    name=name,
                    line={
                        "color": colour,
                        "width": 2,
                        "dash": "solid" if key == "entry_price" else "dot",
                    },
                    hovertemplate=f"{name} %{{y:.2f}}<extra></extra>",
                )
            )
    return out

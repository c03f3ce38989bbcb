"""HTML for the reports: a header with key figures, and plain tables (no widgets, no scripts).

Every number cell carries its unrounded value in `data-value`, so what a reader sees can be
checked against `transmission.metrics` (the tests do).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from transmission.market.calendar import EXCHANGE_TZ
from transmission.metrics import equity_curve_r
from transmission.reports.content import DailyContent, RunContext, WeeklyContent

DASH = "—"

STYLE = """
<style>
.tx-report { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2933; }
.tx-banner { background: linear-gradient(90deg, #0b1f3a, #17406d); color: #fff;
  padding: 18px 24px; border-radius: 8px; }
.tx-banner h1 { margin: 0; font-size: 26px; font-weight: 600; color: #fff; }
.tx-banner p { margin: 6px 0 0; font-size: 13px; opacity: .85; color: #fff; }
.tx-kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0 4px; }
.tx-kpi { flex: 1 1 140px; border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 14px;
  background: #f8fafc; }
.tx-kpi .label { font-size: 11px; text-transform: uppercase; letter-spacing: .05em;
  color: #52606d; }
.tx-kpi .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
.tx-table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 14px; }
.tx-table th { background: #eef2f7; color: #334e68; font-weight: 600; padding: 6px 8px;
  border-bottom: 2px solid #bcccdc; white-space: nowrap; }
.tx-table td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; white-space: nowrap; }
.tx-table tr:nth-child(even) td { background: #fafbfc; }
/* !important: JupyterLab's stylesheet right-aligns every table cell more specifically. */
.tx-table .r { text-align: right !important; font-variant-numeric: tabular-nums; }
.tx-table .l { text-align: left !important; }
.tx-table .wrap { white-space: normal; max-width: 380px; }
.tx-pos { color: #1a7f37; }
.tx-neg { color: #c62828; }
.tx-muted { color: #7b8794; }
.tx-empty { color: #7b8794; font-style: italic; margin: 6px 0 14px; }
.tx-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: #fff; }
.tx-note { font-size: 12px; color: #52606d; margin: 2px 0 12px; }
</style>
"""

# -- number formats ----------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def fmt_r(value: Any, digits: int = 2) -> str:
    """R with its sign: +1.25, -0.98; a dash when undefined."""
    return DASH if _missing(value) else f"{float(value):+.{digits}f}"


def fmt_num(value: Any, digits: int = 2) -> str:
    return DASH if _missing(value) else f"{float(value):,.{digits}f}"


def fmt_int(value: Any) -> str:
    return DASH if _missing(value) else f"{int(value):,d}"


def fmt_pct(value: Any) -> str:
    return DASH if _missing(value) else f"{float(value):.1%}"


def fmt_pf(value: Any, infinite: bool = False) -> str:
    """Profit factor; infinite (wins, no loss) shows as ∞."""
    return "∞" if infinite else fmt_num(value)


def fmt_usd(value: Any) -> str:
    if _missing(value):
        return DASH
    sign = "-" if float(value) < 0 else "+"
    return f"{sign}${abs(float(value)):,.2f}"


def fmt_time(value: Any) -> str:
    return DASH if _missing(value) or value is pd.NaT else pd.Timestamp(value).strftime("%H:%M")


def fmt_day_time(value: Any) -> str:
    return DASH if _missing(value) or value is pd.NaT else pd.Timestamp(value).strftime("%a %H:%M")


def fmt_price(value: Any) -> str:
    return DASH if _missing(value) else f"{float(value):.2f}"


def fmt_text(value: Any) -> str:
    return DASH if _missing(value) or value == "" else str(value)


def tone(value: Any) -> str:
    """The CSS class of a signed figure."""
    if _missing(value) or float(value) == 0:
        return ""
    return "tx-pos" if float(value) > 0 else "tx-neg"


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# -- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: where its value comes from and how it shows."""

    title: str
    key: str
    fmt: Callable[[Any], str] = fmt_text
    numeric: bool = False
    signed: bool = False
    wrap: bool = False


def html_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], table_id: str, empty: str
) -> str:
    """A plain HTML table; text is escaped, numbers keep their raw value in `data-value`."""
    if not rows:
        return f'<p class="tx-empty" id="{table_id}">{html.escape(empty)}</p>'
    head = "".join(
        f'<th class="{"r" if c.numeric else "l"}">{html.escape(c.title)}</th>' for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c.key)
            classes = ["r" if c.numeric else "l"]
            if c.signed:
                classes.append(tone(value))
            if c.wrap:
                classes.append("wrap")
            data = ""
            if c.numeric and not _missing(value) and isinstance(value, int | float):
                data = f' data-value="{float(value)!r}"'
            text = html.escape(c.fmt(value))
            cells.append(f'<td class="{" ".join(x for x in classes if x)}"{data}>{text}</td>')
        body.append(f'<tr data-key="{html.escape(str(row.get("_key", "")))}">{"".join(cells)}</tr>')
    return (
        f'<table class="tx-table" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


# -- header ------------------------------------------------------------------------------------


def banner(title: str, subtitle: str, kpis: Sequence[tuple[str, str, str]]) -> str:
    """The report's heading and key figures; `kpis` are (label, text, css class)."""
    tiles = "".join(
        f'<div class="tx-kpi"><div class="label">{html.escape(label)}</div>'
        f'<div class="value {css}">{html.escape(text)}</div></div>'
        for label, text, css in kpis
    )
    return (
        f'{STYLE}<div class="tx-report"><div class="tx-banner"><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(subtitle)}</p></div>"
        f'<div class="tx-kpis">{tiles}</div></div>'
    )


def _source_line(ctx: RunContext) -> str:
    """Which run the report reads and what it was run on, as every command names it."""
    return f"{ctx.run.line} · read from {ctx.read_from}"


def daily_header(content: DailyContent) -> str:
    day, run = content.day_metrics, content.window_metrics
    trips = content.risk_events
    n_trips = int((trips["event"] == "trip").sum()) if len(trips) else 0
    kpis = [
        ("Day P&L", f"{fmt_r(day['total_r'])} R", tone(day["total_r"])),
        (
            "Trades (won / lost)",
            f"{day['total_trades']} ({day['total_wins']} / {day['total_losses']})",
            "",
        ),
        ("Day win rate", fmt_pct(day["all_win_rate"]), ""),
        (
            f"E[R], last {run['window_trades']} trades",
            fmt_r(run["expected_r"], 3),
            tone(run["expected_r"]),
        ),
        ("Run P&L to date", f"{fmt_r(run['total_r'])} R", tone(run["total_r"])),
        ("Tripwire trips", str(n_trips), "tx-neg" if n_trips else ""),
    ]
    title = f"{content.context.symbol} daily report · {long_date(content.day)}"
    return banner(title, _source_line(content.context), kpis)


def weekly_header(content: WeeklyContent) -> str:
    week = content.week_metrics
    daily = content.daily
    traded = daily[daily["trades"] > 0]
    r = traded["result_r"].to_numpy()
    best = traded.iloc[int(r.argmax())] if len(traded) else None
    worst = traded.iloc[int(r.argmin())] if len(traded) else None
    kpis = [
        ("Week P&L", f"{fmt_r(week['total_r'])} R", tone(week["total_r"])),
        (
            "Trades (won / lost)",
            f"{week['total_trades']} ({week['total_wins']} / {week['total_losses']})",
            "",
        ),
        (
            "Profit factor",
            fmt_pf(week["all_profit_factor"], week["all_profit_factor_infinite"]),
            "",
        ),
        ("Max drawdown", f"{fmt_num(week['max_drawdown_r'])} R", ""),
        ("Best day", _day_kpi(best), tone(best["result_r"]) if best is not None else ""),
        ("Worst day", _day_kpi(worst), tone(worst["result_r"]) if worst is not None else ""),
    ]
    end = content.last_day
    title = f"{content.context.symbol} weekly report · {content.week:%d %b} to {end:%d %b %Y}"
    subtitle = _source_line(content.context)
    if content.coverage:
        subtitle = f"{content.coverage} {subtitle}"
    return banner(title, subtitle, kpis)


def _day_kpi(row: pd.Series | None) -> str:
    if row is None:
        return DASH
    return f"{row['trading_day']:%a} {fmt_r(row['result_r'])} R"


# -- daily tables ------------------------------------------------------------------------------

TRADE_COLUMNS = (
    Column("#", "number", fmt_int, numeric=True),
    Column("Entry", "timestamp_entry", fmt_time),
    Column("Exit", "timestamp_exit", fmt_time),
    Column("Side", "trade_type"),
    Column("Strategy", "strategy_used"),
    Column("Regime", "regime"),
    Column("Qty", "contracts", fmt_int, numeric=True),
    Column("Entry px", "entry_price", fmt_price, numeric=True),
    Column("Stop", "stop_price", fmt_price, numeric=True),
    Column("Target", "target_price", fmt_price, numeric=True),
    Column("Exit px", "exit_price", fmt_price, numeric=True),
    Column("Exit on", "exit_reason"),
    Column("P&L $", "pnl_usd", fmt_usd, numeric=True, signed=True),
    Column("R", "result_r", fmt_r, numeric=True, signed=True),
    Column("Cum. R", "cumulative_r", fmt_r, numeric=True, signed=True),
)


def trades_table(trades: pd.DataFrame, table_id: str = "trades", weekly: bool = False) -> str:
    """The trades in exit order, with their R and the running total."""
    frame = trades.copy()
    frame["number"] = range(1, len(frame) + 1)
    frame["cumulative_r"] = equity_curve_r(frame["result_r"].astype("float64"))
    frame["_key"] = frame["trade_id"]
    columns = list(TRADE_COLUMNS)
    if weekly:
        columns[1] = Column("Entry", "timestamp_entry", fmt_day_time)
        columns[2] = Column("Exit", "timestamp_exit", fmt_day_time)
    return html_table(_records(frame), columns, table_id, "No trades.")


def regime_timeline_table(content: DailyContent) -> str:
    """The regime segments of the session: from, to, how long, why."""
    segments = regime_segments(content)
    rows = []
    for row in _records(segments):
        row["duration"] = _duration(row["end"] - row["start"])
        rows.append(row)
    columns = (
        Column("From", "start", fmt_time),
        Column("To", "end", fmt_time),
        Column("Duration", "duration"),
        Column("Regime", "label"),
        Column("Why", "reason", wrap=True),
    )
    return html_table(rows, columns, "regimes", "No regime information for this session.")


def regime_segments(content: DailyContent) -> pd.DataFrame:
    """The session cut into regime segments [start, end), from the journal's regime changes.

    The session runs from its first to its last processed bar; the regime at its start is the
    one in force after the run's previous change.
    """
    columns = ["start", "end", "regime", "direction", "label", "reason"]
    bars = content.bars
    if bars.empty:
        return pd.DataFrame(columns=columns)
    start = bars["ts"].iloc[0]
    end = bars["ts"].iloc[-1] + pd.Timedelta(minutes=1)
    points: list[tuple[pd.Timestamp, str, Any, str]] = []
    opening = content.regime_at_open
    if opening is not None:
        points.append((start, opening["regime"], opening["direction"], "carried over"))
    else:
        points.append((start, "NO_TRADE", None, "no regime yet"))
    for row in _records(content.regimes):
        change = (row["ts"], str(row["regime"]), row["direction"], str(row["reason"]))
        if row["ts"] <= start:
            points[0] = (start, *change[1:])
        elif row["ts"] < end:
            points.append(change)
    rows = []
    for i, (ts, regime, direction, reason) in enumerate(points):
        stop = points[i + 1][0] if i + 1 < len(points) else end
        label = f"{regime} {direction}" if isinstance(direction, str) and direction else regime
        rows.append([ts, stop, regime, direction, label, reason])
    return pd.DataFrame(rows, columns=columns)


def _duration(delta: pd.Timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def risk_events_table(
    events: pd.DataFrame, table_id: str = "tripwires", weekly: bool = False
) -> str:
    """Tripwire trips and resets, in order."""
    frame = events.copy()
    if len(frame):
        frame["event"] = frame["event"].str.upper()
    columns = (
        Column("Time", "ts", fmt_day_time if weekly else fmt_time),
        Column("Tripwire", "rule"),
        Column("Event", "event"),
        Column("Reason", "reason", wrap=True),
        Column("Lasts until", "until"),
        Column("Strategy", "strategy"),
    )
    return html_table(_records(frame), columns, table_id, "No tripwire tripped or reset.")


METRIC_ROWS: tuple[tuple[str, str, str | None, Callable[[Any], str]], ...] = (
    # label, key over every trade, key over the window (None: not a window figure), format
    ("Trades", "total_trades", "window_trades", fmt_int),
    ("Wins", "total_wins", None, fmt_int),
    ("Losses", "total_losses", None, fmt_int),
    ("Win rate", "all_win_rate", "win_rate", fmt_pct),
    ("Win rate, Wilson 95% lower bound", "all_win_rate_wilson_lb", "win_rate_wilson_lb", fmt_pct),
    ("Profit factor", "all_profit_factor", "profit_factor", fmt_num),
    ("Expectancy E[R]", "all_expected_r", "expected_r", lambda v: fmt_r(v, 3)),
    ("Average win R", "all_avg_win_r", "avg_win_r", fmt_r),
    ("Average loss R", "all_avg_loss_r", "avg_loss_r", fmt_r),
    ("Total R", "total_r", None, fmt_r),
    ("Max drawdown R", "max_drawdown_r", None, fmt_num),
    ("SQN", "sqn", None, fmt_num),
)


def _metric_cell(figures: dict[str, Any], key: str | None, fmt: Callable[[Any], str]) -> str:
    if key is None:
        return f'<td class="r tx-muted">{DASH}</td>'
    value = figures.get(key)
    if key.endswith("profit_factor") and figures.get(f"{key}_infinite"):
        return '<td class="r" data-value="inf">∞</td>'
    data = "" if value is None or _missing(value) else f' data-value="{float(value)!r}"'
    signed = key.endswith(("_r", "expected_r")) and not key.startswith("max_")
    css = f"r {tone(value)}" if signed else "r"
    return f'<td class="{css.strip()}" data-key="{key}"{data}>{html.escape(fmt(value))}</td>'


def metrics_table(
    columns: Sequence[tuple[str, dict[str, Any], bool]], table_id: str = "metrics"
) -> str:
    """Figures in rows, one column per (title, performance dict, window?) given.

    A window column shows the figures over the last `window_trades` trades; the others show the
    figures over every trade the dict covers.
    """
    head = '<th class="l">Figure</th>' + "".join(
        f'<th class="r">{html.escape(title)}</th>' for title, _, _ in columns
    )
    body = []
    for label, all_key, window_key, fmt in METRIC_ROWS:
        cells = "".join(
            _metric_cell(figures, window_key if window else all_key, fmt)
            for _, figures, window in columns
        )
        body.append(f'<tr><td class="l">{html.escape(label)}</td>{cells}</tr>')
    return (
        f'<table class="tx-table" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def daily_metrics_table(content: DailyContent) -> str:
    """The day, the rolling window of the last N trades to the day's close, and the run so far."""
    window = content.window_metrics
    n = window["window_trades"]
    title = (
        f"Last {n} trades" if n == content.window else f"Last {n} trades (window {content.window})"
    )
    return metrics_table(
        [
            ("The day", content.day_metrics, False),
            (title, window, True),
            ("Run to date", window, False),
        ]
    )


# -- weekly tables -----------------------------------------------------------------------------


def daily_pnl_table(content: WeeklyContent) -> str:
    frame = content.daily.copy()
    frame["day"] = [f"{d:%a %d %b}" for d in frame["trading_day"]]
    frame["cumulative_r"] = equity_curve_r(frame["result_r"].astype("float64"))
    frame["_key"] = [d.isoformat() for d in frame["trading_day"]]
    columns = (
        Column("Day", "day"),
        Column("Trades", "trades", fmt_int, numeric=True),
        Column("Wins", "wins", fmt_int, numeric=True),
        Column("Losses", "losses", fmt_int, numeric=True),
        Column("R", "result_r", fmt_r, numeric=True, signed=True),
        Column("Cumulative R", "cumulative_r", fmt_r, numeric=True, signed=True),
        Column("Regime changes", "regime_changes", fmt_int, numeric=True),
        Column("Tripwire trips", "tripwire_trips", fmt_int, numeric=True),
        Column("Note", "note", lambda v: v or ""),
    )
    return html_table(_records(frame), columns, "daily-pnl", "No trading days.")


GROUP_COLUMNS = (
    Column("Trades", "total_trades", fmt_int, numeric=True),
    Column("Wins", "total_wins", fmt_int, numeric=True),
    Column("Losses", "total_losses", fmt_int, numeric=True),
    Column("Win rate", "all_win_rate", fmt_pct, numeric=True),
    Column("Wilson LB", "all_win_rate_wilson_lb", fmt_pct, numeric=True),
    Column("Profit factor", "profit_factor_text", numeric=True),
    Column("E[R]", "all_expected_r", lambda v: fmt_r(v, 3), numeric=True, signed=True),
    Column("Avg win R", "all_avg_win_r", fmt_r, numeric=True, signed=True),
    Column("Avg loss R", "all_avg_loss_r", fmt_r, numeric=True, signed=True),
    Column("Total R", "total_r", fmt_r, numeric=True, signed=True),
    Column("Max DD R", "max_drawdown_r", fmt_num, numeric=True),
    Column("SQN", "sqn", fmt_num, numeric=True),
)


def group_metrics_table(
    groups: dict[str, Any], total: dict[str, Any], name: str, table_id: str
) -> str:
    """Week figures per group (strategy or regime) over every trade of the week, and all."""
    rows = []
    for key, figures in [*sorted(groups.items()), ("All", total)]:
        row = dict(figures)
        row["group"] = key
        row["_key"] = key
        row["profit_factor_text"] = fmt_pf(
            figures.get("all_profit_factor"), bool(figures.get("all_profit_factor_infinite"))
        )
        rows.append(row)
    columns = (Column(name, "group"), *GROUP_COLUMNS)
    if not groups:
        return f'<p class="tx-empty" id="{table_id}">No trades this week.</p>'
    return html_table(rows, columns, table_id, "No trades this week.")


# -- figures beyond R and the risk summary (both reports) ----------------------------------------


def fmt_minutes(value: Any) -> str:
    return DASH if _missing(value) else f"{float(value):,.0f} min"


STATS_ROWS: tuple[tuple[str, str, Callable[[Any], str], bool], ...] = (
    # label, `metrics.TradeStats` key, format, signed
    ("Trading days", "trading_days", fmt_int, False),
    ("P&L $", "total_pnl_usd", fmt_usd, True),
    ("Sharpe, daily P&L (annualised)", "sharpe_daily", fmt_num, True),
    ("Sortino, daily P&L (annualised)", "sortino_daily", fmt_num, True),
    ("Exposure (time in market)", "exposure", fmt_pct, False),
    ("Mean trade duration", "avg_duration_minutes", fmt_minutes, False),
    ("Median trade duration", "median_duration_minutes", fmt_minutes, False),
    ("Longest trade", "max_duration_minutes", fmt_minutes, False),
    ("Mean MAE R", "avg_mae_r", fmt_r, True),
    ("Mean MFE R", "avg_mfe_r", fmt_r, True),
    ("Worst MAE R", "worst_mae_r", fmt_r, True),
    ("Best MFE R", "best_mfe_r", fmt_r, True),
    ("Best trade R", "best_trade_r", fmt_r, True),
    ("Worst trade R", "worst_trade_r", fmt_r, True),
    ("Longest win streak", "longest_win_streak", fmt_int, False),
    ("Longest loss streak", "longest_loss_streak", fmt_int, False),
)


def trade_stats_table(
    columns: Sequence[tuple[str, dict[str, Any]]], table_id: str = "trade-stats"
) -> str:
    """`metrics.trade_stats` figures in rows, one column per (title, stats dict) given; each
    column's small-sample warning below the table."""
    head = '<th class="l">Figure</th>' + "".join(
        f'<th class="r">{html.escape(title)}</th>' for title, _ in columns
    )
    body = []
    for label, key, fmt, signed in STATS_ROWS:
        cells = []
        for _, stats in columns:
            value: Any = stats.get(key)
            data = "" if _missing(value) else f' data-value="{float(value)!r}"'
            css = f"r {tone(value)}".strip() if signed else "r"
            cells.append(f'<td class="{css}" data-key="{key}"{data}>{html.escape(fmt(value))}</td>')
        body.append(f'<tr><td class="l">{html.escape(label)}</td>{"".join(cells)}</tr>')
    notes = "".join(
        f'<p class="tx-note">{html.escape(title)}: {html.escape(str(stats["sample_warning"]))}</p>'
        for title, stats in columns
        if stats.get("sample_warning")
    )
    return (
        f'<table class="tx-table" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{notes}"
    )


def _block_span(row: dict[str, Any]) -> str:
    minutes: Any = row.get("minutes")
    if _missing(minutes):
        return DASH
    if row["trading_days"] >= 2:
        return f"{row['trading_days']} trading days"
    return _duration(pd.Timedelta(minutes=float(minutes)))


def risk_summary_html(risk: dict[str, Any], period: str, table_id: str = "risk") -> str:
    """The risk summary (`risk.summary.risk_summary`) of a report's period: the headlines of a
    long block, every time a tripwire blocked trading, and the signals vetoed by reason."""
    profile = html.escape(str(risk.get("profile") or DASH))
    parts = [f'<p class="tx-note" id="{table_id}-profile">Risk profile: {profile}.</p>']
    if risk["headlines"]:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in risk["headlines"])
        parts.append(f'<ul class="tx-note" id="{table_id}-headlines">{items}</ul>')
    rows = []
    for block in risk["blocks"]:
        row = dict(block)
        row["from"] = pd.Timestamp(block["start"])
        row["to"] = pd.Timestamp(block["end"]) if block["end"] else None
        row["span"] = _block_span(block)
        row["_key"] = f"{block['rule']}@{block['start']}"
        rows.append(row)
    blocked = (
        Column("Tripwire", "rule"),
        Column("Strategy", "strategy"),
        Column("Blocked from", "from", _fmt_stamp),
        Column("Until", "to", lambda v: "still holding" if _missing(v) else _fmt_stamp(v)),
        Column("For", "span"),
        Column("Why", "reason", wrap=True),
        Column("Lasts until", "until"),
    )
    parts.append(
        html_table(rows, blocked, f"{table_id}-blocked", f"Trading was never blocked {period}.")
    )
    vetoes = [{**v, "_key": f"{v['vetoed_by']}/{v['decision']}"} for v in risk["vetoes"]]
    columns = (
        Column("Vetoed by", "vetoed_by", wrap=True),
        Column("Decision", "decision"),
        Column("Signals", "signals", fmt_int, numeric=True),
    )
    parts.append(html_table(vetoes, columns, f"{table_id}-vetoes", f"No signal vetoed {period}."))
    return "".join(parts)


def _fmt_stamp(value: Any) -> str:
    if _missing(value) or value is pd.NaT:
        return DASH
    return pd.Timestamp(value).tz_convert(EXCHANGE_TZ).strftime("%a %d %b %H:%M")


def daily_stats_table(content: DailyContent) -> str:
    return trade_stats_table(
        [("The day", content.day_stats), ("Run to date", content.stats_to_date)]
    )


def weekly_stats_table(content: WeeklyContent) -> str:
    return trade_stats_table(
        [("The week", content.week_stats), ("Run to date", content.stats_to_date)]
    )


def daily_risk_summary(content: DailyContent) -> str:
    return risk_summary_html(content.risk, "this day")


def weekly_risk_summary(content: WeeklyContent) -> str:
    return risk_summary_html(content.risk, "this week")

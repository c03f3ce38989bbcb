"""What a report shows, read from the journal: one trading day, or one week.

Readers open the journal with `open_reader`, so a report run while an engine writes reads the
snapshot the engine published and never blocks it. Figures come from the service facade and
`transmission.metrics`; nothing here computes a metric of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from transmission.journal import Journal, JournalError, open_reader
from transmission.journal.queries import (
    TradeFilter,
    bars_frame,
    regime_changes_frame,
    risk_events_frame,
    run_info,
    runs_frame,
    trade_results,
)
from transmission.market.calendar import EXCHANGE_TZ, globex_session
from transmission.metrics import compute_metrics
from transmission.reports.errors import ReportInputError
from transmission.services import RunDescription, Services, describe_run

TZ = EXCHANGE_TZ
WEEKDAYS = 5
# How long a report waits for a just-started engine to publish its first snapshot.
SNAPSHOT_WAIT_S = 15.0


# -- days and sessions -------------------------------------------------------------------------


def parse_day(value: str | date | None, option: str = "date") -> date | None:
    """A calendar date from YYYY-MM-DD text (or a date); None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportInputError(f"{option} expects a date as YYYY-MM-DD, got {text!r}") from None


def check_trading_weekday(day: date, option: str = "date") -> date:
    if day.weekday() >= WEEKDAYS:
        raise ReportInputError(
            f"{option} {day.isoformat()} is a {day:%A}: Globex trading days run Monday to Friday "
            "(Sunday evening belongs to Monday)"
        )
    return day


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


# -- the run a report reads --------------------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    """The journal and run a report reads, and how far that run has got."""

    db: str
    run_id: str
    kind: str
    status: str
    symbol: str
    dataset: str
    snapshot: bool
    last_bar: pd.Timestamp | None
    run: RunDescription  # what it was run on, as every command names it

    @property
    def read_from(self) -> str:
        return "the engine's published snapshot" if self.snapshot else "the journal"


def open_journal(db: str | Path) -> Journal:
    """`open_reader`, with its errors as report input errors."""
    try:
        return open_reader(db, wait_s=SNAPSHOT_WAIT_S)
    except JournalError as exc:
        raise ReportInputError(str(exc)) from None


def run_context(
    journal: Journal, db: str | Path, run_id: str | None, symbol: str | None
) -> RunContext:
    """The run (None: the latest), checked against the symbol asked for."""
    info = run_info(journal, run_id)
    if info is None:
        if run_id:
            known = runs_frame(journal)["run_id"].tolist()
            listed = ", ".join(known[-5:]) if known else "none"
            raise ReportInputError(f"no run {run_id!r} in {db} (latest runs: {listed})")
        raise ReportInputError(f"journal {db} holds no run yet: run `transmission backtest` first")
    run_symbol = str(info["symbol"])
    if symbol and symbol.strip().upper() != run_symbol:
        raise ReportInputError(
            f"run {info['run_id']} trades {run_symbol}, not {symbol.strip().upper()}: "
            "no data for that symbol"
        )
    checkpoint = journal.load_checkpoint(str(info["run_id"]))
    last_ns = checkpoint.last_bar_ns if checkpoint else None
    return RunContext(
        db=str(db),
        run_id=str(info["run_id"]),
        kind=str(info["kind"]),
        status=str(info["status"]),
        symbol=run_symbol,
        dataset=str(info["dataset"]),
        snapshot=journal.is_snapshot,
        last_bar=_exchange_time(last_ns),
        run=describe_run(journal, str(info["run_id"])),
    )


def processed_bars(
    journal: Journal, ctx: RunContext, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The run's 1-minute bars in [start, end) that its engine has processed."""
    if ctx.last_bar is None:
        return bars_frame(journal, ctx.dataset, ctx.symbol, since=start, until=start)
    # A live engine stores a replayed source's bars before it reaches them.
    until = min(end, ctx.last_bar + pd.Timedelta(seconds=1))
    return bars_frame(journal, ctx.dataset, ctx.symbol, since=start, until=until)


def trading_days(journal: Journal, ctx: RunContext) -> list[date]:
    """Trading days on which the run processed bars or closed trades, oldest first."""
    # pandas-market-calendars is slow to import: only the callers of this function pay for it.
    from transmission.market.calendar import trading_days_of

    bars = bars_frame(journal, ctx.dataset, ctx.symbol)
    bars = bars.iloc[:0] if ctx.last_bar is None else bars[bars["ts"] <= ctx.last_bar]
    days = set(trading_days_of(bars["ts"]).dt.date) if len(bars) else set()
    results = trade_results(journal, TradeFilter(run_id=ctx.run_id))
    days.update(pd.to_datetime(results["trading_day"]).dt.date)
    return sorted(days)


def last_trading_day(journal: Journal, ctx: RunContext) -> date:
    days = trading_days(journal, ctx)
    if not days:
        raise ReportInputError(f"run {ctx.run_id} in {ctx.db} has processed no bars yet")
    return days[-1]


def no_data_error(journal: Journal, ctx: RunContext, what: str) -> ReportInputError:
    days = trading_days(journal, ctx)
    span = f"it has {days[0]} to {days[-1]}" if days else "it has processed no bars yet"
    return ReportInputError(f"no data for {what} in run {ctx.run_id} of {ctx.db}: {span}")


def has_data(journal: Journal, ctx: RunContext, first: date, last: date) -> bool:
    """Whether the run processed a bar or closed a trade on trading days first..last."""
    start, end = globex_session(first)[0], globex_session(last)[1]
    if not processed_bars(journal, ctx, start, end).empty:
        return True
    trades = TradeFilter(run_id=ctx.run_id, symbol=ctx.symbol, since=first, until=last)
    return not trade_results(journal, trades).empty


def resolve_day(journal: Journal, ctx: RunContext, day: date | None) -> date:
    """The trading day a daily report covers (None: the run's last); it must have data."""
    if day is None:
        return last_trading_day(journal, ctx)
    check_trading_weekday(day, "date")
    if not has_data(journal, ctx, day, day):
        raise no_data_error(journal, ctx, f"trading day {day.isoformat()}")
    return day


def resolve_week(journal: Journal, ctx: RunContext, day: date | None) -> date:
    """The Monday of the week a weekly report covers; it must have data.

    None: the run's last complete week (its data reaches the week's last session), else, when
    the run has no complete week, its last week, which the report then calls partial."""
    if day is None:
        days = trading_days(journal, ctx)
        if not days:
            raise ReportInputError(f"run {ctx.run_id} in {ctx.db} has processed no bars yet")
        monday = week_start(days[-1])
        sessions, earlier = week_sessions(monday), monday - timedelta(days=7)
        earlier_sessions = week_sessions(earlier)
        complete_before = bool(earlier_sessions) and days[0] <= earlier_sessions[0]
        if sessions and days[-1] < sessions[-1] and complete_before:
            monday = earlier  # the last week is still running: report the one before it
        return monday
    monday = week_start(day)
    if not has_data(journal, ctx, monday, monday + timedelta(days=WEEKDAYS - 1)):
        raise no_data_error(journal, ctx, f"the week of {monday.isoformat()}")
    return monday


def week_sessions(monday: date) -> list[date]:
    """The exchange's trading days of the week starting `monday` (holidays left out)."""
    from transmission.market.calendar import rth_windows

    days = [monday + timedelta(days=offset) for offset in range(WEEKDAYS)]
    opens = rth_windows(days)["rth_open"]
    return [day for day, opened in zip(days, opens, strict=True) if pd.notna(opened)]


def week_coverage(sessions: list[date], with_data: list[date]) -> str:
    """'' when the data covers every session of the week; else a sentence saying what it lacks."""
    covered = [day for day in sessions if day in set(with_data)]
    if not covered:
        return "Empty week: the run has no data for any of its sessions."
    if covered == sessions or (covered[0] == sessions[0] and covered[-1] == sessions[-1]):
        return ""
    parts = []
    if covered[0] > sessions[0]:
        parts.append(f"the data starts {covered[0]:%a %d %b}")
    if covered[-1] < sessions[-1]:
        parts.append(f"the data ends {covered[-1]:%a %d %b}")
    return f"Partial week: {' and '.join(parts)}."


# -- the daily report --------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyContent:
    """One trading day: its trades, regimes, tripwires, bars and metrics."""

    context: RunContext
    day: date
    window: int
    trades: pd.DataFrame
    day_metrics: dict[str, Any]
    window_metrics: dict[str, Any]
    regime_at_open: pd.Series | None
    regimes: pd.DataFrame
    risk_events: pd.DataFrame
    bars: pd.DataFrame
    # `metrics.trade_stats` of the day and of the run to its close; the risk summary of the day
    # (`risk.summary.risk_summary`: the blocks holding that day, its signals vetoed by reason).
    day_stats: dict[str, Any]
    stats_to_date: dict[str, Any]
    risk: dict[str, Any]

    @property
    def result_r(self) -> pd.Series:
        return self.trades["result_r"].astype("float64")


def check_window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ReportInputError(f"window must be a positive number of trades, got {window!r}")
    return window


def load_daily(
    db: str | Path,
    day: str | date | None = None,
    *,
    window: int = 20,
    symbol: str | None = None,
    run_id: str | None = None,
) -> DailyContent:
    """Everything the daily report shows for trading day `day` (None: the run's last)."""
    check_window(window)
    parsed = parse_day(day, "date")
    with open_journal(db) as journal:
        ctx = run_context(journal, db, run_id, symbol)
        session_day = resolve_day(journal, ctx, parsed)
        start, end = globex_session(session_day)
        day_filter = TradeFilter(
            run_id=ctx.run_id, symbol=ctx.symbol, since=session_day, until=session_day
        )
        services = Services(journal)
        trades = services.trades.export(day_filter)
        to_date = TradeFilter(run_id=ctx.run_id, symbol=ctx.symbol, until=session_day)
        before = regime_changes_frame(journal, ctx.run_id, until=start)
        return DailyContent(
            context=ctx,
            day=session_day,
            window=window,
            trades=trades,
            day_metrics=services.performance(day_filter, window=window),
            window_metrics=services.performance(to_date, window=window),
            regime_at_open=before.iloc[-1] if len(before) else None,
            regimes=regime_changes_frame(journal, ctx.run_id, since=start, until=end),
            risk_events=risk_events_frame(journal, ctx.run_id, since=start, until=end),
            bars=processed_bars(journal, ctx, start, end),
            day_stats=services.run_figures.stats(day_filter),
            stats_to_date=services.run_figures.stats(to_date),
            risk=services.run_figures.risk(ctx.run_id, session_day, session_day),
        )


# -- the weekly report -------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyContent:
    """One week, Monday to Friday: daily P&L, metrics by strategy and regime, equity."""

    context: RunContext
    week: date
    window: int
    trades: pd.DataFrame
    daily: pd.DataFrame
    week_metrics: dict[str, Any]
    by_strategy: dict[str, Any]
    by_regime: dict[str, Any]
    risk_events: pd.DataFrame
    # `metrics.trade_stats` of the week and of the run to its Friday; the week's risk summary.
    week_stats: dict[str, Any]
    stats_to_date: dict[str, Any]
    risk: dict[str, Any]
    coverage: str = ""  # '' for a complete week, else what the data lacks (partial, empty)

    @property
    def result_r(self) -> pd.Series:
        return self.trades["result_r"].astype("float64")

    @property
    def last_day(self) -> date:
        return self.week + timedelta(days=WEEKDAYS - 1)


def load_weekly(
    db: str | Path,
    week: str | date | None = None,
    *,
    window: int = 20,
    symbol: str | None = None,
    run_id: str | None = None,
) -> WeeklyContent:
    """Everything the weekly report shows for the week holding `week` (None: the run's last)."""
    check_window(window)
    parsed = parse_day(week, "week")
    with open_journal(db) as journal:
        ctx = run_context(journal, db, run_id, symbol)
        monday = resolve_week(journal, ctx, parsed)
        friday = monday + timedelta(days=WEEKDAYS - 1)
        start, end = globex_session(monday)[0], globex_session(friday)[1]
        bars = processed_bars(journal, ctx, start, end)
        week_filter = TradeFilter(run_id=ctx.run_id, symbol=ctx.symbol, since=monday, until=friday)
        services = Services(journal)
        trades = services.trades.export(week_filter)
        regimes = regime_changes_frame(journal, ctx.run_id, since=start, until=end)
        risk_events = risk_events_frame(journal, ctx.run_id, since=start, until=end)
        with_data = trading_days(journal, ctx)
        sessions = week_sessions(monday)
        return WeeklyContent(
            context=ctx,
            week=monday,
            window=window,
            trades=trades,
            daily=_daily_summary(monday, trades, bars, regimes, risk_events, sessions, with_data),
            week_metrics=services.performance(week_filter, window=window),
            by_strategy=services.performance(week_filter, window=window, by="strategy"),
            by_regime=services.performance(week_filter, window=window, by="regime"),
            risk_events=risk_events,
            week_stats=services.run_figures.stats(week_filter),
            stats_to_date=services.run_figures.stats(
                TradeFilter(run_id=ctx.run_id, symbol=ctx.symbol, until=friday)
            ),
            risk=services.run_figures.risk(ctx.run_id, monday, friday),
            coverage=week_coverage(sessions, with_data),
        )


def _daily_summary(
    monday: date,
    trades: pd.DataFrame,
    bars: pd.DataFrame,
    regimes: pd.DataFrame,
    risk_events: pd.DataFrame,
    sessions: list[date],
    with_data: list[date],
) -> pd.DataFrame:
    """One row per weekday: its trades, wins, losses, R and events, and a note for a day without
    bars (a holiday, or a day before the run's data starts or after it ends)."""
    trade_days = pd.to_datetime(trades["trading_day"]).dt.date
    rows = []
    for offset in range(WEEKDAYS):
        day = monday + timedelta(days=offset)
        start, end = globex_session(day)
        figures = compute_metrics(trades.loc[trade_days == day, "result_r"].astype("float64"))
        in_session = (bars["ts"] >= start) & (bars["ts"] < end)
        trips = risk_events[(risk_events["ts"] >= start) & (risk_events["ts"] < end)]
        changes = regimes[(regimes["ts"] >= start) & (regimes["ts"] < end)]
        rows.append(
            {
                "trading_day": day,
                "bars": int(in_session.sum()),
                "trades": figures.total_trades,
                "wins": figures.total_wins,
                "losses": figures.total_losses,
                "result_r": figures.total_r,
                "regime_changes": len(changes),
                "tripwire_trips": int((trips["event"] == "trip").sum()),
                "note": _day_note(day, int(in_session.sum()), sessions, with_data),
            }
        )
    return pd.DataFrame(rows)


def _day_note(day: date, bars: int, sessions: list[date], with_data: list[date]) -> str:
    if bars or day in set(with_data):
        return ""
    if day not in sessions:
        return "no session (exchange closed)"
    if not with_data or day > with_data[-1]:
        return "after the data ends"
    if day < with_data[0]:
        return "before the data starts"
    return "no bars"


def _exchange_time(ns: int | None) -> pd.Timestamp | None:
    if ns is None:
        return None
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(TZ)

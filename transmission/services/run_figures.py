"""Which run a front end reads, and that run's figures beyond R: trade stats and risk summary.

One home for what every front end shows of a run (the CLI's `backtest`, `metrics`, `trades` and
`report`, the API's `/api/metrics?details=true`, the report notebooks): the line naming the run
and what it was run on, `metrics.trade_stats` over the run's trades and bars, and
`risk.summary.risk_summary` over its tripwire events and signals. Nothing here computes a figure
of its own; it reads the journal and hands the frames to those two functions.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from transmission.contracts import contract_for
from transmission.journal import Journal
from transmission.journal.queries import (
    TradeFilter,
    bars_frame,
    risk_events_frame,
    run_info,
    signals_frame,
    trades_frame,
)
from transmission.market.calendar import EXCHANGE_TZ, globex_session, trading_days_of
from transmission.metrics import trade_stats
from transmission.risk.summary import risk_summary
from transmission.services.engine_state import run_config

_INSTANT = pd.Timedelta(1, unit="ns")  # a time `until` includes the bar at that time


@dataclass(frozen=True)
class RunDescription:
    """A run and what it was run on: its data, and the first and last bar it processed."""

    run_id: str
    kind: str
    status: str
    symbol: str
    dataset: str
    description: str | None  # the file, bar store or simulator the bars came from
    first_bar: pd.Timestamp | None  # exchange time; None before the run processed a bar
    last_bar: pd.Timestamp | None
    risk_profile: str | None

    @property
    def span(self) -> str:
        """'2023-11-19 18:00 to 2023-12-04 16:59 ET': its first and last bar, exchange time."""
        if self.first_bar is None or self.last_bar is None:
            return "no bar processed yet"
        return f"{self.first_bar:%Y-%m-%d %H:%M} to {self.last_bar:%Y-%m-%d %H:%M} ET"

    @property
    def data(self) -> str:
        """What it was run on: symbol, source and dataset, first to last bar."""
        source = self.description or "-"
        return f"{self.symbol}, {source}, dataset {self.dataset}, {self.span}"

    @property
    def line(self) -> str:
        """The line a command prints to say which run it read."""
        return f"run {self.run_id} ({self.kind}, {self.status}; {self.data})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "status": self.status,
            "symbol": self.symbol,
            "dataset": self.dataset,
            "description": self.description,
            "first_bar": self.first_bar.isoformat() if self.first_bar is not None else None,
            "last_bar": self.last_bar.isoformat() if self.last_bar is not None else None,
            "risk_profile": self.risk_profile,
        }


def describe_run(journal: Journal, run_id: str | None) -> RunDescription:
    """The run `run_id` (None: the journal's latest); ValueError, naming the journal, when the
    journal has no such run or none at all."""
    run = journal.require_run(run_id)
    info = run_info(journal, run)
    assert info is not None  # require_run found it
    params = info["params"]
    params = json.loads(params) if isinstance(params, str) else (params or {})
    description = params.get("description")
    start, profile = None, None
    try:
        found = run_config(journal, run)
    except ValueError:  # a config an older version stored: the run is still named
        found = None
    if found is not None:
        start, profile = found[1].data.start, found[1].risk_config().profile
    symbol, dataset = str(info["symbol"]), str(info["dataset"])
    first, last = _bar_span(journal, run, dataset, symbol, start)
    return RunDescription(
        run_id=run,
        kind=str(info["kind"]),
        status=str(info["status"]),
        symbol=symbol,
        dataset=dataset,
        description=str(description) if description is not None else None,
        first_bar=first,
        last_bar=last,
        risk_profile=profile,
    )


def _bar_span(
    journal: Journal, run: str, dataset: str, symbol: str, start: date | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last bar the run processed: its dataset's bars within the run's trading
    days (`[data] start/end`), up to the last bar of its checkpoint."""
    checkpoint = journal.load_checkpoint(run)
    if checkpoint is None or checkpoint.last_bar_ns is None:
        return None, None
    last = pd.Timestamp(checkpoint.last_bar_ns, unit="ns", tz="UTC").tz_convert(EXCHANGE_TZ)
    since = globex_session(start)[0] if start is not None else None
    row = journal.query(
        "SELECT min(ts) AS first FROM bars WHERE dataset = ? AND symbol = ?"
        + (" AND ts >= ?" if since is not None else ""),
        [dataset, symbol, *([since] if since is not None else [])],
    )
    first = row["first"].iloc[0] if len(row) else None
    if first is None or first is pd.NaT:
        return None, last
    return pd.Timestamp(first).tz_convert(EXCHANGE_TZ), last


class RunFigures:
    """A run's description, bars, trade stats and risk summary, read from the journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def describe(self, run_id: str | None) -> RunDescription:
        return describe_run(self.journal, run_id)

    def bars(
        self, run: RunDescription, since: Any = None, until: Any = None, *, ts_only: bool = False
    ) -> pd.DataFrame:
        """The 1-minute bars the run processed, within the trading days `since`..`until` (dates,
        inclusive) or times (datetimes) when given."""
        if run.first_bar is None or run.last_bar is None:
            return bars_frame(self.journal, run.dataset, run.symbol).iloc[:0]
        start, end = run.first_bar, run.last_bar + pd.Timedelta(seconds=1)
        if since is not None:
            start = max(start, _start_of(since))
        if until is not None:
            end = min(end, _end_of(until))
        bars = bars_frame(self.journal, run.dataset, run.symbol, since=start, until=end)
        return bars[["ts"]] if ts_only else bars

    def stats(self, f: TradeFilter, bars: pd.DataFrame | None = None) -> dict[str, Any]:
        """`metrics.trade_stats` of the matching trades, over the run's bars of the filter's
        period (`bars`: the caller's own copy of them, when it has it in memory)."""
        run = self.describe(f.run_id)
        if bars is None:
            bars = self.bars(run, f.since, f.until)
        trades = trades_frame(self.journal, dataclasses.replace(f, run_id=run.run_id))
        days = list(trading_days_of(bars["ts"]).unique()) if len(bars) else []
        stats = trade_stats(
            trades, bars, point_value=contract_for(run.symbol).point_value, trading_days=days
        )
        return stats.to_dict()

    def risk(
        self,
        run_id: str | None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        bars: pd.DataFrame | None = None,
    ) -> dict[str, Any]:
        """`risk.summary.risk_summary` of the run: when trading was blocked, by which tripwire,
        for how long, and the signals vetoed by reason, with the run's risk profile.

        With `since`/`until` (trading days, or times), the blocks holding at some time of that
        period and the signals of it; a block's trading days still count from its trip.
        """
        run = self.describe(run_id)
        end = _end_of(until) if until is not None else None
        if bars is None:
            bars = self.bars(run, None, until, ts_only=True)
        events = risk_events_frame(self.journal, run.run_id, until=end)
        signals = signals_frame(self.journal, run.run_id)
        if end is not None:
            signals = signals[signals["ts"] < end]
        days = list(trading_days_of(bars["ts"]).unique()) if len(bars) else []
        data_end = bars["ts"].iloc[-1] if len(bars) else None
        start = _start_of(since) if since is not None else None
        summary = risk_summary(events, signals, days, data_end, since=start)
        summary["profile"] = run.risk_profile
        return summary


def _start_of(value: date | datetime) -> pd.Timestamp:
    if isinstance(value, datetime):
        ts = pd.Timestamp(value)
        return ts.tz_localize(EXCHANGE_TZ) if ts.tzinfo is None else ts
    return globex_session(value)[0]


def _end_of(value: date | datetime) -> pd.Timestamp:
    if isinstance(value, datetime):
        ts = pd.Timestamp(value)
        return (ts.tz_localize(EXCHANGE_TZ) if ts.tzinfo is None else ts) + _INSTANT
    return globex_session(value)[1]

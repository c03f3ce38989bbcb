"""Read queries on the journal: the only SQL that readers (API, CLI, widgets, reports) run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from transmission.journal.store import Journal, first_row
from transmission.market.calendar import EXCHANGE_TZ

TRADE_FIELDS = (
    "trade_id",
    "run_id",
    "signal_id",
    "symbol",
    "trade_type",
    "strategy_used",
    "regime",
    "trading_day",
    "timestamp_entry",
    "timestamp_exit",
    "entry_price",
    "exit_price",
    "stop_price",
    "target_price",
    "contracts",
    "risk_usd",
    "commission_usd",
    "pnl_usd",
    "result_r",
    "exit_reason",
)
TZ = EXCHANGE_TZ


@dataclass(frozen=True)
class TradeFilter:
    """Which trades: a run (None: the latest), and optional filters; dates are trading days."""

    run_id: str | None = None
    strategy: str | None = None
    regime: str | None = None
    symbol: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None


def latest_run_id(journal: Journal, kind: str | None = None) -> str | None:
    sql = "SELECT run_id FROM runs"
    params: list[Any] = []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    row = first_row(journal.cursor(), sql + " ORDER BY started_at DESC LIMIT 1", params)
    return str(row[0]) if row else None


def runs_frame(journal: Journal) -> pd.DataFrame:
    return _localize(journal.query("SELECT * FROM runs ORDER BY started_at"))


def resolve_run(journal: Journal, run_id: str | None) -> str | None:
    return run_id if run_id else latest_run_id(journal)


def _where(journal: Journal, f: TradeFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = ["run_id = ?"]
    params: list[Any] = [resolve_run(journal, f.run_id)]
    for column, text in (("strategy_used", f.strategy), ("regime", f.regime), ("symbol", f.symbol)):
        if text:
            clauses.append(f"{column} = ?")
            params.append(text)
    for op, value in ((">=", f.since), ("<=", f.until)):
        if value is None:
            continue
        if isinstance(value, datetime):
            clauses.append(f"timestamp_exit {op} ?")
            params.append(pd.Timestamp(value).tz_localize(TZ) if value.tzinfo is None else value)
        else:
            clauses.append(f"trading_day {op} ?")
            params.append(value)
    return " AND ".join(clauses), params


def trades_frame(
    journal: Journal,
    f: TradeFilter | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> pd.DataFrame:
    """Trades matching the filter, ordered by exit time (then id)."""
    where, params = _where(journal, f or TradeFilter())
    order = "DESC" if newest_first else "ASC"
    sql = (
        f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE {where} "
        f"ORDER BY timestamp_exit {order}, trade_id {order}"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return _localize(journal.query(sql, params))


def count_trades(journal: Journal, f: TradeFilter | None = None) -> int:
    where, params = _where(journal, f or TradeFilter())
    row = first_row(journal.cursor(), f"SELECT count(*) FROM trades WHERE {where}", params)
    return int(row[0]) if row else 0


def trade_by_id(journal: Journal, trade_id: str) -> dict[str, Any] | None:
    frame = _localize(
        journal.query(
            f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE trade_id = ?", [trade_id]
        )
    )
    return {str(k): v for k, v in frame.iloc[0].to_dict().items()} if len(frame) else None


def trade_results(journal: Journal, f: TradeFilter | None = None) -> pd.DataFrame:
    """The columns metrics need (result_r, exit time, id, strategy, regime), in exit order."""
    where, params = _where(journal, f or TradeFilter())
    return journal.query(
        "SELECT trade_id, timestamp_exit, trading_day, strategy_used, regime, result_r "
        f"FROM trades WHERE {where} ORDER BY timestamp_exit, trade_id",
        params,
    )


def trades_version(journal: Journal, run_id: str | None) -> tuple[int, Any]:
    """(count, last exit) of a run's trades: changes whenever a trade is added."""
    row = first_row(
        journal.cursor(),
        "SELECT count(*), max(timestamp_exit) FROM trades WHERE run_id = ?",
        [resolve_run(journal, run_id)],
    )
    return (int(row[0]), row[1]) if row else (0, None)


def journal_version(journal: Journal) -> tuple[Any, ...] | None:
    """(trade count, last exit, run count, latest run): changes with any trade or run."""
    return first_row(
        journal.cursor(),
        "SELECT (SELECT count(*) FROM trades), (SELECT max(timestamp_exit) FROM trades), "
        "(SELECT count(*) FROM runs), "
        "(SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)",
    )


def last_regime(journal: Journal, run_id: str) -> tuple[str, str | None] | None:
    """(regime, direction) of a run's latest regime change; None before the first."""
    row = first_row(
        journal.cursor(),
        "SELECT regime, direction FROM regime_changes WHERE run_id = ? "
        "ORDER BY ts DESC, seq DESC LIMIT 1",
        [run_id],
    )
    return (str(row[0]), row[1]) if row else None


def checkpoint_progress(journal: Journal, run_id: str) -> tuple[int | None, int] | None:
    """(last bar, epoch ns; bars processed) of a run's checkpoint; None without one."""
    row = first_row(
        journal.cursor(),
        "SELECT epoch_ns(last_bar_ts), bars_processed FROM engine_state WHERE run_id = ?",
        [run_id],
    )
    if row is None:
        return None
    return (int(row[0]) if row[0] is not None else None), int(row[1])


def _events(
    journal: Journal, table: str, run_id: str | None, since: Any, until: Any
) -> pd.DataFrame:
    clauses: list[str] = ["run_id = ?"]
    params: list[Any] = [resolve_run(journal, run_id)]
    if since is not None:
        clauses.append("ts >= ?")
        params.append(_bound(since))
    if until is not None:
        clauses.append("ts < ?")
        params.append(_bound(until))
    sql = f"SELECT * FROM {table} WHERE {' AND '.join(clauses)} ORDER BY ts, seq"
    return _localize(journal.query(sql, params))


def regime_changes_frame(
    journal: Journal, run_id: str | None = None, since: Any = None, until: Any = None
) -> pd.DataFrame:
    return _events(journal, "regime_changes", run_id, since, until)


def risk_events_frame(
    journal: Journal, run_id: str | None = None, since: Any = None, until: Any = None
) -> pd.DataFrame:
    return _events(journal, "risk_events", run_id, since, until)


def signals_frame(journal: Journal, run_id: str | None = None) -> pd.DataFrame:
    return _localize(
        journal.query(
            "SELECT * FROM signals WHERE run_id = ? ORDER BY ts, signal_id",
            [resolve_run(journal, run_id)],
        )
    )


def bars_frame(
    journal: Journal, dataset: str, symbol: str, since: Any = None, until: Any = None
) -> pd.DataFrame:
    clauses: list[str] = ["dataset = ?", "symbol = ?"]
    params: list[Any] = [dataset, symbol]
    if since is not None:
        clauses.append("ts >= ?")
        params.append(_bound(since))
    if until is not None:
        clauses.append("ts < ?")
        params.append(_bound(until))
    return _localize(
        journal.query(
            "SELECT ts, open, high, low, close, volume FROM bars "
            f"WHERE {' AND '.join(clauses)} ORDER BY ts",
            params,
        )
    )


def quarantine_frame(journal: Journal, dataset: str | None = None) -> pd.DataFrame:
    sql, params = "SELECT * FROM quarantine", []
    if dataset:
        sql += " WHERE dataset = ?"
        params.append(dataset)
    return _localize(journal.query(sql + " ORDER BY dataset, source, line", params))


def run_info(journal: Journal, run_id: str | None = None) -> dict[str, Any] | None:
    frame = runs_frame(journal)
    run = resolve_run(journal, run_id)
    rows = frame[frame["run_id"] == run]
    return {str(k): v for k, v in rows.iloc[0].to_dict().items()} if len(rows) else None


def _bound(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts


def _localize(frame: pd.DataFrame) -> pd.DataFrame:
    """TIMESTAMPTZ columns come back in the session zone; show them in exchange time."""
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert(TZ)
        elif column == "trading_day" and pd.api.types.is_datetime64_dtype(dtype):
            frame[column] = frame[column].dt.date
    return frame

"""Read queries on the journal: the only SQL that readers (API, CLI, widgets, reports) run."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

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
EXIT_FIELDS = (
    "timestamp_exit",
    "exit_price",
    "commission_usd",
    "pnl_usd",
    "result_r",
    "exit_reason",
)

# A trade's public id (the API's and the WebSocket's `trade_id`): an integer, unique in the
# journal and known from the entry on: its run's number times TRADE_ID_BASE plus the trade's
# number within the run (the `T000041` of its journal key, `<run_id>-T000041`). The engine
# numbers a trade by its signal, so the key exists at the entry fill, before any row is stored.
TRADE_ID_BASE = 1_000_000_000


def trade_key_for_signal(signal_id: str) -> str:
    """The journal key of the trade a signal opens (the orchestrator's `-S` -> `-T` rule)."""
    return signal_id.replace("-S", "-T")


def public_trade_id(run_number: int, trade_key: str) -> int:
    return run_number * TRADE_ID_BASE + int(trade_key.rsplit("-T", 1)[1])


def run_number(journal: Journal, run_id: str | None) -> int | None:
    row = first_row(journal.cursor(), "SELECT run_number FROM runs WHERE run_id = ?", [run_id])
    return int(row[0]) if row and row[0] is not None else None


def trade_key(journal: Journal, trade_id: int) -> tuple[str, str] | None:
    """(run id, journal key) of a public trade id; None when no run has its number."""
    if trade_id < 0:
        return None
    number, sequence = divmod(trade_id, TRADE_ID_BASE)
    row = first_row(journal.cursor(), "SELECT run_id FROM runs WHERE run_number = ?", [number])
    return (str(row[0]), f"{row[0]}-T{sequence:06d}") if row else None


def with_public_ids(journal: Journal, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (trade rows) with `trade_id` the public integer and `trade_key` the journal's."""
    numbers = {run: run_number(journal, run) for run in frame["run_id"].unique()}
    keys = frame["trade_id"].astype(str)
    frame = frame.assign(
        trade_key=keys,
        trade_id=[
            public_trade_id(numbers[run] or 0, key)
            for run, key in zip(frame["run_id"], keys, strict=True)
        ],
    )
    return frame


@dataclass(frozen=True)
class TradeFilter:
    """Which trades: a run (None: the latest), and optional filters; dates are trading days."""

    run_id: str | None = None
    strategy: str | None = None
    regime: str | None = None
    symbol: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    before: tuple[Any, str] | None = None  # (timestamp_exit, journal key): a page cursor


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
    if f.before is not None:
        # A cursor: the trades after (timestamp_exit, key) in newest-first order; the plain
        # `<=` lets DuckDB prune row groups (an OR alone is not pushed into the scan).
        exit_time, key = f.before
        clauses.append("timestamp_exit <= ? AND (timestamp_exit < ? OR trade_id < ?)")
        params += [exit_time, exit_time, key]
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
    public_ids: bool = False,
) -> pd.DataFrame:
    """Trades matching the filter, ordered by exit time (then id); with `public_ids`, the
    `trade_id` column holds the public integers and `trade_key` the journal's keys."""
    f = f or TradeFilter()
    where, params = _where(journal, f)
    order = "DESC" if newest_first else "ASC"
    sql = (
        f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE {where} "
        f"ORDER BY timestamp_exit {order}, trade_id {order}"
    )
    if limit is not None and newest_first and offset == 0:
        frame = _localize(_newest_table(journal, f, where, params, limit)[0].to_pandas())
    else:
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        frame = _localize(journal.query(sql, params))
    return with_public_ids(journal, frame) if public_ids else frame


def trade_page(
    journal: Journal, f: TradeFilter | None = None, *, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """A page of trades, newest first, as JSON-safe records with public ids (`trade_id`) and
    journal keys (`trade_key`); and how many trades match the filters (the cursor aside).

    Read through Arrow into plain records: pandas' conversion of a page (to a frame, then to
    dicts) cost ten times the query itself.
    """
    f = f or TradeFilter()
    where, params = _where(journal, f)
    if offset == 0:
        table, total = _newest_table(journal, f, where, params, limit)
    else:
        sql = (
            f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE {where} "
            "ORDER BY timestamp_exit DESC, trade_id DESC LIMIT ? OFFSET ?"
        )
        table = journal.cursor().sql(sql, params=[*params, limit, offset]).to_arrow_table()
        total = count_trades(journal, replace(f, before=None))
    return trade_records(journal, table), total


def trade_order(
    journal: Journal, run_id: str, coded: tuple[str, ...]
) -> tuple[pa.Table, dict[str, list[str]]]:
    """A run's trades in page order (exit time, then key, newest first), with the columns a page
    filters on: exit time (`exit_us`, epoch microseconds), trading day (`day`, days since
    1970) and each `coded` text column as a code (1 + its index in that column's sorted
    distinct values, also returned). What `services.trade_index` builds a run's index from.

    Codes, not text: the read of a million trades takes 0.2 s and 120 MB at its peak, against
    0.5 s and 260 MB with the text columns."""
    cur = journal.cursor()
    values = {
        column: [
            str(row[0])
            for row in cur.execute(
                f"SELECT DISTINCT {column} FROM trades WHERE run_id = ? ORDER BY 1", [run_id]
            ).fetchall()
        ]
        for column in coded
    }
    codes = ", ".join(
        f"CAST(list_position(?, {column}) AS "
        f"{'TINYINT' if len(values[column]) < 127 else 'INTEGER'}) AS {column}"
        for column in coded
    )
    table = cur.sql(
        "SELECT epoch_us(timestamp_exit) AS exit_us, "
        f"CAST(trading_day - DATE '1970-01-01' AS INTEGER) AS day, {codes} "
        "FROM trades WHERE run_id = ? ORDER BY timestamp_exit DESC, trade_id DESC",
        params=[*values.values(), run_id],
    ).to_arrow_table()
    return table, values


def trades_between(journal: Journal, f: TradeFilter, upper: datetime, lower: datetime) -> pa.Table:
    """The trades matching `f` (its cursor aside) that exited in [lower, upper], newest first.

    An index that knows a page's exact first and last exit times reads the page with this: the
    zone maps (min/max exit time per row group) skip the rest of the table, and there is no sort
    beyond the page's own rows."""
    where, params = _where(journal, replace(f, before=None))
    sql = (
        f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE {where} "
        "AND timestamp_exit <= ? AND timestamp_exit >= ? "
        "ORDER BY timestamp_exit DESC, trade_id DESC"
    )
    return journal.cursor().sql(sql, params=[*params, upper, lower]).to_arrow_table()


def exit_tie_keys(journal: Journal, run_id: str, exit_time: datetime) -> list[str]:
    """Journal keys of a run's trades that exited at exactly `exit_time`, in page order."""
    rows = (
        journal.cursor()
        .execute(
            "SELECT trade_id FROM trades WHERE run_id = ? AND timestamp_exit = ? "
            "ORDER BY trade_id DESC",
            [run_id, exit_time],
        )
        .fetchall()
    )
    return [str(row[0]) for row in rows]


def trade_records(
    journal: Journal, table: pa.Table, numbers: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Trade rows (an Arrow table of `TRADE_FIELDS`) as the JSON-safe records a page returns,
    with public ids (`trade_id`) and journal keys (`trade_key`); `numbers` (run id -> run
    number) saves looking the runs up.

    Converted column by column: each column's type is known once, so a value is not tested
    against every type (a page's records cost half as much as row by row)."""
    columns: dict[str, list[Any]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        values = column.to_pylist()
        if pa.types.is_timestamp(kind):
            # Python's zone rules: Arrow's strftime is 4x faster, but its rules (the system tz
            # files) have no daylight saving after 2037 (tried: a 1M-trade journal reaches 2052).
            values = [None if v is None else v.astimezone(_ZONE).isoformat() for v in values]
        elif pa.types.is_date(kind):
            values = [None if v is None else v.isoformat() for v in values]
        elif pa.types.is_floating(kind):
            values = [v if v is None or math.isfinite(v) else None for v in values]
        columns[name] = values
    runs = set(columns["run_id"])
    if numbers is None or not runs <= numbers.keys():
        numbers = {run: run_number(journal, run) or 0 for run in runs}
    keys = columns["trade_id"]
    columns["trade_key"] = keys
    columns["trade_id"] = [
        public_trade_id(numbers[run], key) for run, key in zip(columns["run_id"], keys, strict=True)
    ]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


_ZONE = ZoneInfo(TZ)


def _newest_table(
    journal: Journal, f: TradeFilter, where: str, params: list[Any], limit: int
) -> tuple[pa.Table, int]:
    """The `limit` newest matching trades, read from widening windows of exit time, and how
    many match the filters (the cursor aside).

    A run's trades are stored about in exit order, so DuckDB's zone maps (min/max per row
    group) skip every row group outside a window of exit times; a sort of the whole run for
    each page (~100 ms at a million trades, any depth) becomes a read of the last few row
    groups. The first window is sized from the matching trades' density; each retry
    quadruples it, until it holds `limit` trades or reaches the first matching trade.
    """
    # The density over the filters alone: the cursor's string comparison would cost more.
    plain_where, plain_params = _where(journal, replace(f, before=None))
    bounds = first_row(
        journal.cursor(),
        "SELECT min(timestamp_exit), max(timestamp_exit), count(*) FROM trades "
        f"WHERE {plain_where}",
        plain_params,
    )
    columns = ", ".join(TRADE_FIELDS)
    order = "ORDER BY timestamp_exit DESC, trade_id DESC LIMIT ?"
    cur = journal.cursor()
    if not bounds or not bounds[2]:
        sql = f"SELECT {columns} FROM trades WHERE {where} LIMIT 0"
        return cur.sql(sql, params=params).to_arrow_table(), 0
    first, last, count = bounds
    span = (last - first) if last > first else pd.Timedelta(minutes=1)
    if f.before is not None:
        last = min(last, f.before[0])
    window = span * min(1.0, 2 * limit / count)
    while True:
        lower = last - window
        table = cur.sql(
            f"SELECT {columns} FROM trades WHERE {where} AND timestamp_exit >= ? {order}",
            params=[*params, lower, limit],
        ).to_arrow_table()
        if table.num_rows >= limit or lower <= first:
            return table, int(count)
        window *= 4


def count_trades(journal: Journal, f: TradeFilter | None = None) -> int:
    where, params = _where(journal, f or TradeFilter())
    row = first_row(journal.cursor(), f"SELECT count(*) FROM trades WHERE {where}", params)
    return int(row[0]) if row else 0


def runs_by_start(journal: Journal) -> list[tuple[str, int | None]]:
    """(run id, run number) of every run, the latest started first (`latest_run_id`'s order)."""
    rows = (
        journal.cursor()
        .execute("SELECT run_id, run_number FROM runs ORDER BY started_at DESC")
        .fetchall()
    )
    return [(str(run_id), None if number is None else int(number)) for run_id, number in rows]


def trade_exit(journal: Journal, key: str) -> Any:
    """The exit time of the stored trade with journal key `key`; None when there is none."""
    row = first_row(journal.cursor(), "SELECT timestamp_exit FROM trades WHERE trade_id = ?", [key])
    return row[0] if row else None


def trade_by_id(journal: Journal, trade_id: str | int) -> dict[str, Any] | None:
    """A trade by journal key (str) or public id (int; then with `trade_key`)."""
    key: str | None = trade_id if isinstance(trade_id, str) else None
    if isinstance(trade_id, int):
        found = trade_key(journal, trade_id)
        key = found[1] if found else None
    if key is None:
        return None
    frame = _localize(
        journal.query(f"SELECT {', '.join(TRADE_FIELDS)} FROM trades WHERE trade_id = ?", [key])
    )
    if isinstance(trade_id, int) and len(frame):
        frame = with_public_ids(journal, frame)
    return {str(k): v for k, v in frame.iloc[0].to_dict().items()} if len(frame) else None


def trade_cursor(journal: Journal, trade_id: int) -> tuple[Any, str] | None:
    """(timestamp_exit, journal key) of a stored trade: where a `before_id` page starts."""
    found = trade_key(journal, trade_id)
    if found is None:
        return None
    row = first_row(
        journal.cursor(), "SELECT timestamp_exit FROM trades WHERE trade_id = ?", [found[1]]
    )
    return (row[0], found[1]) if row else None


def runs_with_counts(journal: Journal) -> pd.DataFrame:
    """Every run, newest first, with how many trades it journalled."""
    return _localize(
        journal.query(
            "SELECT r.run_id, r.run_number, r.kind, r.symbol, r.dataset, r.params, r.status, "
            "r.started_at, r.finished_at, r.bars_processed, r.bars_quarantined, "
            "(SELECT count(*) FROM trades t WHERE t.run_id = r.run_id) AS trades "
            "FROM runs r ORDER BY r.started_at DESC, r.run_number DESC"
        )
    )


def equity_rows(journal: Journal, f: TradeFilter | None = None) -> pd.DataFrame:
    """The columns an equity curve needs (id, run, exit time, day, R, $), in exit order."""
    where, params = _where(journal, f or TradeFilter())
    return _localize(
        journal.query(
            "SELECT trade_id, run_id, timestamp_exit, trading_day, result_r, pnl_usd "
            f"FROM trades WHERE {where} ORDER BY timestamp_exit, trade_id",
            params,
        )
    )


def last_bar_before(
    journal: Journal, dataset: str, symbol: str, until: Any
) -> tuple[pd.Timestamp, float] | None:
    """(time, close) of the last stored bar before `until`."""
    row = first_row(
        journal.cursor(),
        "SELECT ts, close FROM bars WHERE dataset = ? AND symbol = ? AND ts < ? "
        "ORDER BY ts DESC LIMIT 1",
        [dataset, symbol, _bound(until)],
    )
    return (pd.Timestamp(row[0]).tz_convert(TZ), float(row[1])) if row else None


def last_bar_time(journal: Journal, dataset: str, symbol: str) -> pd.Timestamp | None:
    row = first_row(
        journal.cursor(),
        "SELECT max(ts) FROM bars WHERE dataset = ? AND symbol = ?",
        [dataset, symbol],
    )
    return pd.Timestamp(row[0]).tz_convert(TZ) if row and row[0] is not None else None


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
    """(trade count, last exit, run count, latest run, signal count, risk event count): changes
    with any trade or run, and with any signal or tripwire event (a risk summary's input)."""
    return first_row(
        journal.cursor(),
        "SELECT (SELECT count(*) FROM trades), (SELECT max(timestamp_exit) FROM trades), "
        "(SELECT count(*) FROM runs), "
        "(SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1), "
        "(SELECT count(*) FROM signals), (SELECT count(*) FROM risk_events)",
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


def newest_signals_frame(
    journal: Journal, run_id: str, limit: int, decision: str | None = None
) -> pd.DataFrame:
    """The run's newest `limit` signals (of one `decision` if given), newest first."""
    sql, params = "SELECT * FROM signals WHERE run_id = ?", [run_id]
    if decision is not None:
        sql += " AND decision = ?"
        params.append(decision)
    sql += " ORDER BY ts DESC, signal_id DESC LIMIT ?"
    return _localize(journal.query(sql, [*params, limit]))


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

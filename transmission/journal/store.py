"""The DuckDB journal: one module owns the connection, the schema and every write.

Concurrency, decided once (docs/architecture.md, "Reading while the engine writes"):
- inside the engine's process, every thread takes its own cursor (`cursor()`), and writes are
  serialised by a lock, each batch in one transaction;
- DuckDB lets one process hold a file open for writing, so another process never opens the live
  file while an engine runs: the writer publishes a consistent copy (`publish_snapshot`) by
  writing a temporary file and renaming it over `<name>.snapshot.duckdb` (an atomic rename), and
  `open_reader` falls back to that copy when the live file is locked. Nothing a reader does can
  block or stop the engine.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from transmission.journal.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)
LOCK_WAIT_S = 5.0  # how long a writer waits for a reader's brief hold (a snapshot copy)
SNAPSHOT_CHECK_S = 1.0  # how often a snapshot reader looks for a newer snapshot
SNAPSHOT_TMP = ".tmp"  # a snapshot being written: <name>.snapshot.duckdb.<pid>.tmp

# Columns of each journal table in insert order; ts-like columns hold epoch nanoseconds in a
# batch and become TIMESTAMPTZ on the way in.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(columns.split())
    for table, columns in {
        "signals": "run_id signal_id ts symbol strategy regime side order_type entry_price "
        "stop_price target_price reason decision veto_reason contracts",
        "trades": "trade_id run_id signal_id symbol trade_type strategy_used regime trading_day "
        "timestamp_entry timestamp_exit entry_price exit_price stop_price target_price contracts "
        "risk_usd commission_usd pnl_usd result_r exit_reason",
        "regime_changes": "run_id seq ts symbol previous regime direction reason",
        "risk_events": "run_id seq ts rule event reason until strategy",
        "bars": "dataset symbol ts open high low close volume",
    }.items()
}
_TS_COLUMNS = frozenset({"ts", "timestamp_entry", "timestamp_exit"})


def first_row(
    cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, reading the result to its end (DuckDB wants results drained)."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


class JournalError(RuntimeError):
    """A journal cannot be opened or used as asked; the message says why and where."""


class JournalBusyError(JournalError):
    """Another process holds the journal for writing and no snapshot has been published yet."""


@dataclass
class JournalBatch:
    """Rows buffered by the engine and written in one transaction with its checkpoint."""

    rows: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {name: [] for name in TABLE_COLUMNS}
    )

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    @property
    def has_events(self) -> bool:
        """Whether rows other than bars wait (a live engine commits those at once)."""
        return any(rows for table, rows in self.rows.items() if table != "bars")

    def clear(self) -> None:
        for rows in self.rows.values():
            rows.clear()


@dataclass(frozen=True)
class Checkpoint:
    """The engine state saved with a batch: what a restart resumes from."""

    run_id: str
    last_bar_ns: int | None
    bars_processed: int
    state: dict[str, Any]


def snapshot_path(path: str | Path) -> Path:
    """Where the writer publishes its read-only copy of `path`."""
    path = Path(path)
    return path.with_name(f"{path.stem}.snapshot{path.suffix or '.duckdb'}")


_FLOAT_COLUMNS = frozenset(
    {
        *("entry_price", "stop_price", "target_price", "exit_price", "risk_usd"),
        *("commission_usd", "pnl_usd", "result_r", "open", "high", "low", "close", "volume"),
    }
)
_INT_COLUMNS = {"contracts": pa.int32(), "seq": pa.int64()}


def _arrow_type(column: str) -> pa.DataType:
    if column in _TS_COLUMNS:
        return pa.timestamp("ns", tz="UTC")
    if column in _FLOAT_COLUMNS:
        return pa.float64()
    return _INT_COLUMNS.get(column, pa.string())


_ARROW_TYPES = {
    column: _arrow_type(column) for columns in TABLE_COLUMNS.values() for column in columns
}


def _arrow(table: str, rows: Sequence[tuple[Any, ...]]) -> pa.Table:
    # Straight from the row tuples to typed Arrow columns: no pandas frame, no datetime parsing
    # (epoch ns are Arrow's timestamp values already); DuckDB reads Arrow without a copy.
    columns = TABLE_COLUMNS[table]
    arrays = []
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        if name == "trading_day":
            arrays.append(pa.array(values, pa.string()).cast(pa.date32()))
        else:
            arrays.append(pa.array(values, _ARROW_TYPES[name]))
    return pa.Table.from_arrays(arrays, names=list(columns))


class Journal:
    """A DuckDB journal file (or `:memory:`), migrated to the current schema on open."""

    def __init__(
        self, path: str | Path, *, read_only: bool = False, lock_wait_s: float = LOCK_WAIT_S
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.is_snapshot = False
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise JournalError(f"no journal at {self.path}")
        self._con = _connect(self.path, read_only, lock_wait_s)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._generation = 0
        self._writes = 0  # write transactions committed through this object
        self._trade_writes: dict[str, int] = {}  # per run: batches of its trades written here
        self._live: Path | None = None  # set on a snapshot reader: the journal it mirrors
        self._retired: list[duckdb.DuckDBPyConnection] = []
        self._checked_at = time.monotonic()
        self._seen: tuple[int, int] | None = None
        if read_only:
            self._check_version()
        else:
            self.migrate()
            self.remove_stale_snapshot_files()

    @classmethod
    def snapshot_reader(cls, path: str | Path) -> Journal:
        """A reader that never holds `path` itself: it reads the journal's snapshot, reopened
        when a newer one is published, so a long-lived reader (`serve --feed none`) never stops
        an engine from opening the journal.

        When no engine writes and the snapshot is missing or older than the journal, the reader
        makes one itself, holding the journal only for the copy (an engine opening it then
        waits for the copy, `LOCK_WAIT_S` at most).
        """
        live = Path(path)
        if not live.exists():
            raise JournalError(f"no journal at {live}: run `transmission backtest` or ingest first")
        try:
            _refresh_snapshot(live)
        except OSError:
            return cls(live, read_only=True)  # a folder it cannot write: read the file itself
        journal = cls(snapshot_path(live), read_only=True)
        journal.is_snapshot = True
        journal._live = live
        journal._seen = _identity(snapshot_path(live))
        return journal

    # -- connection ---------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the journal (DuckDB connections are not shared by threads)."""
        if self._live is not None:
            self._follow_snapshot()
        held = getattr(self._local, "cursor", None)
        if held is None or held[0] != self._generation:
            held = (self._generation, self._con.cursor())
            if self._generation > 0 and self._live is not None:
                held[1].execute("USE snapshot")  # a cursor starts on the instance's own database
            self._local.cursor = held
        cursor: duckdb.DuckDBPyConnection = held[1]
        return cursor

    def _follow_snapshot(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < SNAPSHOT_CHECK_S:
            return
        with self._write_lock:
            if now - self._checked_at < SNAPSHOT_CHECK_S:
                return
            self._checked_at = now
            assert self._live is not None
            try:
                _refresh_snapshot(self._live)
                seen = _identity(snapshot_path(self._live))
                if seen == self._seen:
                    return
                con = _open_snapshot(snapshot_path(self._live))
            except (OSError, duckdb.Error) as exc:
                log.warning("kept the snapshot of %s already open: %s", self._live, exc)
                return
            # The connection before is closed one check later: a query running on it ends first.
            for old in self._retired:
                old.close()
            self._retired = [self._con]
            self._con, self._seen = con, seen
            self._generation += 1

    @property
    def generation(self) -> tuple[int, int]:
        """Changes whenever anything this reader sees may have changed: a newer snapshot opened,
        or any write committed through this object (the only writer while it holds the file)."""
        self.cursor()  # a snapshot reader opens a newer snapshot here
        return self._generation, self._writes

    def trades_generation(self, run_id: str) -> tuple[int, int]:
        """Changes whenever the run's trades as this reader sees them may have changed: a newer
        snapshot opened, or trades of the run written or deleted through this object
        (`write_batch`, `delete_run`: the only writes of trades; this object is the only writer
        while it holds the file). Read-side indexes (`services.trade_index`) are keyed
        by it; it moves after the commit, so an index built at one value never misses rows."""
        self.cursor()  # a snapshot reader opens a newer snapshot here
        return self._generation, self._trade_writes.get(run_id, 0)

    def _trades_written(self, run_ids: set[str]) -> None:
        for run_id in run_ids:
            self._trade_writes[run_id] = self._trade_writes.get(run_id, 0) + 1

    def close(self) -> None:
        for old in self._retired:
            old.close()
        self._con.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: all of it lands, or none of it."""
        if self.read_only:
            raise JournalError(f"journal {self.path} is open read-only")
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            self._writes += 1

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query on this thread's cursor and return a DataFrame."""
        return self.cursor().execute(sql, params or []).df()

    # -- schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        cur = self.cursor()
        exists = first_row(
            cur,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'",
        )
        if not exists or exists[0] == 0:
            return 0
        row = first_row(cur, "SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    def migrate(self) -> int:
        """Apply every migration newer than the file's version; returns the version reached."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            current = self.schema_version
            if current > SCHEMA_VERSION:
                raise JournalError(
                    f"journal {self.path} has schema version {current}, newer than this "
                    f"transmission ({SCHEMA_VERSION}): upgrade transmission to read it"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                with self.transaction() as tx:
                    tx.execute(MIGRATIONS[version - 1])
                    tx.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        return SCHEMA_VERSION

    def _check_version(self) -> None:
        version = self.schema_version
        if version != SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path} has schema version {version}, this transmission reads "
                f"{SCHEMA_VERSION}: open it once for writing to migrate it"
            )

    # -- writes -------------------------------------------------------------------------------

    def write_batch(self, batch: JournalBatch, checkpoint: Checkpoint | None = None) -> None:
        """Write buffered rows and the checkpoint in one transaction; idempotent on ids."""
        try:
            self._write_batch(batch, checkpoint, "")
        except duckdb.ConstraintException:
            # Some rows are stored already (a batch written twice): write it again, skipping
            # them. Tried second because DuckDB's ON CONFLICT check doubles an insert's cost.
            self._write_batch(batch, checkpoint, " ON CONFLICT DO NOTHING")
        batch.clear()

    def _write_batch(self, batch: JournalBatch, checkpoint: Checkpoint | None, on: str) -> None:
        with self.transaction() as tx:
            for table, rows in batch.rows.items():
                if rows:
                    self._insert(tx, table, rows, on)
            if checkpoint is not None:
                self._save_checkpoint(tx, checkpoint)
        run_column = TABLE_COLUMNS["trades"].index("run_id")
        self._trades_written({row[run_column] for row in batch.rows.get("trades", ())})

    def _insert(
        self,
        tx: duckdb.DuckDBPyConnection,
        table: str,
        rows: Sequence[tuple[Any, ...]],
        on_conflict: str = " ON CONFLICT DO NOTHING",
    ) -> None:
        # A failed insert aborts the transaction, which rolls the registration back with it.
        tx.register("_batch", _arrow(table, rows))
        tx.execute(f"INSERT INTO {table} SELECT * FROM _batch{on_conflict}")
        tx.unregister("_batch")

    def _save_checkpoint(self, tx: duckdb.DuckDBPyConnection, cp: Checkpoint) -> None:
        last = (
            pd.Timestamp(cp.last_bar_ns, unit="ns", tz="UTC")
            if cp.last_bar_ns is not None
            else None
        )
        values = [last, cp.bars_processed, json.dumps(cp.state), cp.run_id]
        # An update in place costs half an INSERT OR REPLACE (a delete and an insert).
        updated = tx.execute(
            "UPDATE engine_state SET last_bar_ts = ?, bars_processed = ?, state = ?, "
            "updated_at = now() WHERE run_id = ?",
            values,
        ).fetchall()
        if not updated or updated[0][0] == 0:
            tx.execute(
                "INSERT INTO engine_state VALUES (?, ?, ?, ?, now())", [cp.run_id, *values[:3]]
            )
        tx.execute(
            "UPDATE runs SET bars_processed = ? WHERE run_id = ?", [cp.bars_processed, cp.run_id]
        )

    def load_checkpoint(self, run_id: str) -> Checkpoint | None:
        row = first_row(
            self.cursor(),
            "SELECT epoch_ns(last_bar_ts), bars_processed, state "
            "FROM engine_state WHERE run_id = ?",
            [run_id],
        )
        if row is None:
            return None
        last_ns = int(row[0]) if row[0] is not None else None
        return Checkpoint(run_id, last_ns, int(row[1]), json.loads(row[2]))

    def insert_bars(self, dataset: str, symbol: str, bars: pd.DataFrame) -> tuple[int, int]:
        """Store bars; returns (inserted, already stored). Bars already stored are left as is."""
        if bars.empty:
            return 0, 0
        frame = pd.DataFrame(
            {
                "dataset": dataset,
                "symbol": symbol,
                "ts": bars["ts"].dt.tz_convert("UTC"),
                "open": bars["open"].astype("float64"),
                "high": bars["high"].astype("float64"),
                "low": bars["low"].astype("float64"),
                "close": bars["close"].astype("float64"),
                "volume": bars["volume"].astype("float64"),
            }
        )
        with self.transaction() as tx:
            before = self._count(tx, "bars", dataset, symbol)
            tx.register("_bars", frame)
            try:
                tx.execute("INSERT INTO bars SELECT * FROM _bars ON CONFLICT DO NOTHING")
            finally:
                tx.unregister("_bars")
            inserted = self._count(tx, "bars", dataset, symbol) - before
        return inserted, len(frame) - inserted

    def insert_quarantine(self, dataset: str, symbol: str, quarantined: pd.DataFrame) -> int:
        """Store quarantined bars with their reasons; returns how many were new."""
        if quarantined.empty:
            return 0
        frame = pd.DataFrame(
            {
                "dataset": dataset,
                "symbol": symbol,
                "source": quarantined["source"].astype(str),
                "line": quarantined["line"].astype("int64"),
                "ts": pd.to_datetime(quarantined["ts"], utc=True),
                "raw": quarantined["raw"].astype(str),
                "reason": quarantined["reason"].astype(str),
            }
        )
        with self.transaction() as tx:
            before = self._count(tx, "quarantine", dataset, symbol)
            tx.register("_q", frame)
            try:
                tx.execute("INSERT INTO quarantine SELECT *, now() FROM _q ON CONFLICT DO NOTHING")
            finally:
                tx.unregister("_q")
            return self._count(tx, "quarantine", dataset, symbol) - before

    @staticmethod
    def _count(tx: duckdb.DuckDBPyConnection, table: str, dataset: str, symbol: str) -> int:
        row = first_row(
            tx, f"SELECT count(*) FROM {table} WHERE dataset = ? AND symbol = ?", [dataset, symbol]
        )
        return int(row[0]) if row else 0

    def dataset_bars(self, dataset: str) -> tuple[str, pd.DataFrame]:
        """(symbol, bars) of one dataset of the bar store, in time order, ts in UTC.

        Raises ValueError naming the datasets stored when there is none by that name."""
        cur = self.cursor()
        symbols = [
            row[0]
            for row in cur.execute(
                "SELECT DISTINCT symbol FROM bars WHERE dataset = ? ORDER BY symbol", [dataset]
            ).fetchall()
        ]
        if len(symbols) != 1:
            if symbols:
                raise ValueError(
                    f"dataset {dataset!r} holds bars of several symbols ({', '.join(symbols)})"
                )
            names = [r[0] for r in cur.execute("SELECT DISTINCT dataset FROM bars").fetchall()]
            stored = ", ".join(sorted(names)) or "none (fill it with `transmission ingest`)"
            raise ValueError(f"no dataset {dataset!r} in the bar store; stored: {stored}")
        bars = cur.execute(
            "SELECT ts, open, high, low, close, volume FROM bars WHERE dataset = ? ORDER BY ts",
            [dataset],
        ).df()
        return symbols[0], bars

    def stored_bars(self, dataset: str, symbol: str, timestamps: pd.Series) -> pd.DataFrame:
        """Stored bars of (dataset, symbol) at the given timestamps (for conflict checks)."""
        if timestamps.empty:
            return pd.DataFrame(columns=["ts", "open", "high", "low", "close", "volume"])
        probe = pd.DataFrame({"ts": pd.to_datetime(timestamps, utc=True)})
        cur = self.cursor()
        cur.register("_probe", probe)
        try:
            return cur.execute(
                "SELECT b.ts, b.open, b.high, b.low, b.close, b.volume FROM bars b "
                "JOIN _probe p ON b.ts = p.ts WHERE b.dataset = ? AND b.symbol = ?",
                [dataset, symbol],
            ).df()
        finally:
            cur.unregister("_probe")

    # -- runs ---------------------------------------------------------------------------------

    def start_run(
        self, run_id: str, kind: str, symbol: str, dataset: str, params: dict[str, Any]
    ) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO runs (run_id, kind, symbol, dataset, params, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', now()) "
                "ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL",
                [run_id, kind, symbol, dataset, json.dumps(params, sort_keys=True, default=str)],
            )

    def finish_run(self, run_id: str, status: str = "completed", quarantined: int = 0) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE runs SET status = ?, finished_at = now(), bars_quarantined = ? "
                "WHERE run_id = ?",
                [status, quarantined, run_id],
            )

    def run_status(self, run_id: str) -> str | None:
        row = first_row(self.cursor(), "SELECT status FROM runs WHERE run_id = ?", [run_id])
        return str(row[0]) if row else None

    def rerun_id(self, run_id: str) -> str:
        """The id a rerun of a completed `run_id` gets: `<id>-r2`, `-r3`... (the first not yet
        completed, so an interrupted rerun resumes). The old run stays as it was."""
        k = 2
        while self.run_status(f"{run_id}-r{k}") == "completed":
            k += 1
        return f"{run_id}-r{k}"

    def require_run(self, run_id: str | None) -> str:
        """`run_id` when the journal has it, else its latest run; a clear error when neither."""
        if run_id is None:
            row = first_row(
                self.cursor(), "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1"
            )
            if row is None:
                raise ValueError(f"the journal {self.path} has no runs yet")
            return str(row[0])
        if self.run_status(run_id) is None:
            row = first_row(self.cursor(), "SELECT count(*) FROM runs")
            count = int(row[0]) if row else 0
            raise ValueError(
                f"unknown run {run_id!r}: the journal {self.path} has {count} run"
                f"{'s' if count != 1 else ''} (`transmission runs` lists them)"
            )
        return run_id

    def runs_overview(self) -> pd.DataFrame:
        """Every run, newest first, with what it was run on and how many trades it made."""
        return self.query(
            "SELECT r.run_id, r.kind, r.status, r.symbol, r.dataset, r.started_at, "
            "r.finished_at, r.bars_processed, r.bars_quarantined, "
            "json_extract_string(r.params, '$.description') AS description, "
            "json_extract_string(r.params, '$.source') AS bars_digest, "
            "json_extract_string(r.params, '$.identity.version') AS version, "
            "(SELECT count(*) FROM trades t WHERE t.run_id = r.run_id) AS trades "
            "FROM runs r ORDER BY r.started_at DESC, r.run_id"
        )

    def record_control(self, run_id: str, action: str, rule: str | None, reason: str) -> int:
        """Journal one control of a run in its own transaction; returns its sequence number."""
        with self.transaction() as tx:
            row = first_row(
                tx, "SELECT coalesce(max(seq), 0) + 1 FROM controls WHERE run_id = ?", [run_id]
            )
            seq = int(row[0]) if row else 1
            tx.execute(
                "INSERT INTO controls VALUES (?, ?, now(), ?, ?, ?)",
                [run_id, seq, action, rule, reason],
            )
        return seq

    def controls_after(self, run_id: str, seq: int) -> list[tuple[int, str, str | None, str]]:
        """(seq, action, rule, reason) of a run's controls after `seq`, in order."""
        rows = (
            self.cursor()
            .execute(
                "SELECT seq, action, rule, reason FROM controls WHERE run_id = ? AND seq > ? "
                "ORDER BY seq",
                [run_id, seq],
            )
            .fetchall()
        )
        return [(int(a), str(b), c, str(d)) for a, b, c, d in rows]

    def delete_run(self, run_id: str) -> None:
        """Remove a run and everything it journalled (bars stay: they belong to the dataset)."""
        with self.transaction() as tx:
            for table in ("signals", "trades", "regime_changes", "risk_events", "engine_state",
                          "controls"):  # fmt: skip
                tx.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            tx.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        self._trades_written({run_id})

    # -- snapshots for other processes --------------------------------------------------------

    def publish_snapshot(self) -> Path:
        """Write a consistent copy for readers in other processes, replaced atomically.

        A copy that fails (a full disk) leaves nothing behind: its partial file would hold the
        space the journal itself needs. The caller may try again later.
        """
        if self.path == ":memory:":
            raise JournalError("an in-memory journal has no snapshot")
        target = snapshot_path(self.path)
        tmp = target.with_name(f"{target.name}.{os.getpid()}{SNAPSHOT_TMP}")
        _remove_database_file(tmp)
        try:
            with self._write_lock:
                cur = self.cursor()
                cur.execute(f"ATTACH '{tmp}' AS _snapshot")
                try:
                    cur.execute(f'COPY FROM DATABASE "{_database_name(cur)}" TO _snapshot')
                finally:
                    cur.execute("DETACH _snapshot")
            os.replace(tmp, target)
        except BaseException:
            _remove_database_file(tmp)
            raise
        return target

    def remove_stale_snapshot_files(self) -> list[Path]:
        """Remove the temporary snapshot files of processes that died while writing one."""
        if self.path == ":memory:":
            return []
        target = snapshot_path(self.path)
        removed = []
        for tmp in target.parent.glob(f"{target.name}.*{SNAPSHOT_TMP}*"):
            pid = tmp.name[len(target.name) + 1 :].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue  # a live reader or writer is making its copy right now
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        return removed


def _connect(path: str, read_only: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + (0.0 if read_only else lock_wait_s)
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise JournalError(f"cannot open journal {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise JournalBusyError(f"journal {path} is held by another process: {exc}") from exc
            time.sleep(0.1)


def _open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    # Attached to an instance of its own: `duckdb.connect` would hand back its cached instance
    # of the path, still reading the file the rename replaced.
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{path}' AS snapshot (READ_ONLY)")
        con.execute("USE snapshot")
    except BaseException:
        con.close()
        raise
    return con


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def _newest_change(live: Path) -> int:
    wal = live.with_name(live.name + ".wal")
    times = [live.stat().st_mtime_ns]
    if wal.exists():
        times.append(wal.stat().st_mtime_ns)
    return max(times)


def _refresh_snapshot(live: Path) -> None:
    """Publish a snapshot of `live` when it changed since the last one and no engine holds it
    (an engine publishes its own). Raises OSError when the folder cannot take the copy."""
    target = snapshot_path(live)
    if target.exists() and target.stat().st_mtime_ns >= _newest_change(live):
        return
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{live}' AS _live (READ_ONLY)")
    except duckdb.Error:
        con.close()
        if target.exists():
            return  # an engine writes it: its snapshots are the ones to read
        raise JournalBusyError(
            f"journal {live} is held by a running engine and it has not published a "
            f"snapshot ({target}) yet; read through the API or retry shortly"
        ) from None
    tmp = target.with_name(f"{target.name}.{os.getpid()}{SNAPSHOT_TMP}")
    try:
        _remove_database_file(tmp)
        con.execute(f"ATTACH '{tmp}' AS _snapshot")
        try:
            con.execute("COPY FROM DATABASE _live TO _snapshot")
        finally:
            con.execute("DETACH _snapshot")
        os.replace(tmp, target)
    except BaseException:
        _remove_database_file(tmp)
        raise
    finally:
        con.close()


def _database_name(cur: duckdb.DuckDBPyConnection) -> str:
    name = first_row(cur, "SELECT current_database()")
    return str(name[0]) if name else "main"


def _remove_database_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_reader(path: str | Path, *, wait_s: float = 0.0) -> Journal:
    """Open a journal for reading from any process, without ever blocking its writer.

    The live file is opened read-only when no process writes it; while an engine holds it, the
    snapshot the engine last published is opened instead (`journal.is_snapshot` is then True).
    """
    path = Path(path)
    if not path.exists():
        raise JournalError(f"no journal at {path}: run `transmission backtest` or ingest first")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return Journal(path, read_only=True)
        except JournalBusyError:
            snap = snapshot_path(path)
            if snap.exists():
                journal = Journal(snap, read_only=True)
                journal.is_snapshot = True
                return journal
            if time.monotonic() >= deadline:
                raise JournalBusyError(
                    f"journal {path} is held by a running engine and it has not published a "
                    f"snapshot ({snap}) yet; read through the API or retry shortly"
                ) from None
            time.sleep(0.2)

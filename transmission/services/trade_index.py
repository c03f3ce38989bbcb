"""A read-side index of each run's trades in page order: a page of `/api/trades` is found in
memory, then read from the journal by its exact exit-time bounds.

Why, measured on a 1,000,000-trade run (benchmarks "API: uncached filters / deep cursor pages /
deep offset pages", docs/api.md "Pagination"):

- the SQL path answered a page with five to seven queries (the latest run, the run's exit-time
  bounds and count, widening windows of exit time, the total): 7-9 ms a page in the process,
  over HTTP a p50 of ~10 ms and a p99 of 30-90 ms on the shared 2-core machine, and an
  `offset` page sorted the whole run (p50 ~200 ms);
- here a page is a mask (the filters) and a position (cursor, offset) on a few arrays, the total
  is the mask's count, and the rows come from one query bounded by the page's first and last
  exit times, which the zone maps (min/max per row group) narrow to a row group or two
  (~1.7 ms for 100 rows at any depth, ~2.6 ms for a filtered page);
- rejected: reading the 100 rows by key (`trade_id = ANY(?)`: 25-50 ms) or by rowid (as fast
  as the exit bounds, but DuckDB does not promise rowids stable: deletes and snapshot copies
  renumber them, and a stale rowid reads the wrong trade where a stale bound reads none); keeping
  every column in Arrow (160 MB per million trades, and 2 ms to turn a page into Python); an
  ART index: the journal has two (the primary key, and `trades_run_exit` on run and exit
  time) and EXPLAIN shows DuckDB using neither for these queries (sequential scans narrowed
  by zone maps), so a third would cost writes and buy nothing; a prepared statement (`PREPARE`
  once, `EXECUTE` a page: 2.7 against 2.2 ms; this DuckDB binds no parameters to `EXECUTE`).
  What a page costs now is mostly fixed: 0.7 ms to plan a 20-column query that finds nothing.

It holds no responses: every request is computed afresh from it and the journal. A run's index
is rebuilt when its trades may have changed (`Journal.trades_generation`: a newer snapshot, or
trades written or deleted through the journal object); a page whose row count disagrees with it
(the journal changed between the two reads) rebuilds it once, then is left to the SQL path.
Memory: 23 bytes a trade (exit time, trading day and its running bounds, three one-byte codes)
for each of the `MAX_RUNS` runs paged most recently; a build reads the run once, ~0.2 s per
million trades.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from transmission.journal import Journal
from transmission.journal.queries import (
    TRADE_ID_BASE,
    TradeFilter,
    exit_tie_keys,
    runs_by_start,
    trade_exit,
    trade_order,
    trade_records,
    trades_between,
)

MAX_RUNS = 4  # runs whose index is kept (a desk pages the live run and a backtest or two)
CODED = ("strategy_used", "regime", "symbol")  # the equality filters, by journal column
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1)

Matches = range | np.ndarray  # positions in page order: every trade of the run, or some


class StaleIndex(Exception):
    """The journal no longer holds what the index says (it changed between two reads)."""


@dataclass(frozen=True)
class Runs:
    """The journal's runs as a page needs them: which is the latest, and their numbers (the
    high part of a public trade id). Read once per `Journal.generation`: the runs table is
    tiny, but a query costs as much as the rest of a page's work in memory."""

    generation: tuple[int, int]
    latest: str | None
    numbers: dict[str, int]
    by_number: dict[int, str]

    @classmethod
    def read(cls, journal: Journal, generation: tuple[int, int]) -> Runs:
        rows = runs_by_start(journal)
        numbers = {run_id: number for run_id, number in rows if number is not None}
        return cls(
            generation=generation,
            latest=rows[0][0] if rows else None,
            numbers=numbers,
            by_number={number: run_id for run_id, number in numbers.items()},
        )


@dataclass(frozen=True)
class RunIndex:
    """One run's trades in page order (newest exit first, then journal key, descending)."""

    run_id: str
    generation: tuple[int, int]
    neg_exit_us: np.ndarray  # minus the exit time in epoch microseconds: ascending
    neg_days: np.ndarray  # minus the trading day in days since 1970 (int32)
    # Running max from the start and min to the end of `neg_days`: both ascending, so a day
    # range is first cut to a slice by bisection (trading days fall almost in exit order), and
    # masked only there.
    neg_days_max: np.ndarray
    neg_days_min: np.ndarray
    codes: dict[str, tuple[dict[str, int], np.ndarray]]  # column -> (value -> code, codes)

    @classmethod
    def build(cls, journal: Journal, run_id: str, generation: tuple[int, int]) -> RunIndex:
        table, values = trade_order(journal, run_id, CODED)
        neg_days = np.negative(table["day"].to_numpy(), dtype=np.int32)
        codes = {
            column: (
                {value: code for code, value in enumerate(values[column], start=1)},
                table[column].to_numpy(),
            )
            for column in CODED
        }
        return cls(
            run_id=run_id,
            generation=generation,
            neg_exit_us=np.negative(table["exit_us"].to_numpy(), dtype=np.int64),
            neg_days=neg_days,
            neg_days_max=np.maximum.accumulate(neg_days),
            neg_days_min=np.minimum.accumulate(neg_days[::-1])[::-1].copy(),
            codes=codes,
        )

    def __len__(self) -> int:
        return len(self.neg_exit_us)

    def exit_us(self, position: int) -> int:
        return -int(self.neg_exit_us[position])

    def matches(self, f: TradeFilter) -> Matches:
        """Positions of the trades that match `f`'s filters (its cursor aside), ascending."""
        lo, hi = 0, len(self)
        # In minus days: `until` keeps neg_days >= -until, `since` keeps neg_days <= -since.
        until, since = _neg_days(f.until), _neg_days(f.since)
        if until is not None:
            lo = int(np.searchsorted(self.neg_days_max, until, side="left"))
        if since is not None:
            hi = max(lo, int(np.searchsorted(self.neg_days_min, since, side="right")))
        mask: np.ndarray | None = None
        for column, value in zip(CODED, (f.strategy, f.regime, f.symbol), strict=True):
            if not value:
                continue
            lookup, codes = self.codes[column]
            if value not in lookup:
                return range(0)
            mask = _and(mask, codes[lo:hi] == lookup[value])
        if until is not None:
            mask = _and(mask, self.neg_days[lo:hi] >= until)
        if since is not None:
            mask = _and(mask, self.neg_days[lo:hi] <= since)
        return range(lo, hi) if mask is None else np.flatnonzero(mask) + lo

    def after(self, exit_time: Any, key: str, journal: Journal) -> int:
        """The first position after the trade (exit_time, key) in page order (a cursor)."""
        target = -_epoch_us(exit_time)
        first = int(np.searchsorted(self.neg_exit_us, target, side="left"))
        end = int(np.searchsorted(self.neg_exit_us, target, side="right"))
        if end == first:
            return first
        if end - first == 1 and key.rsplit("-T", 1)[0] == self.run_id:
            return end  # the cursor is the run's one trade at that time
        keys = exit_tie_keys(journal, self.run_id, exit_time)
        if len(keys) != end - first:
            raise StaleIndex
        return first + sum(k >= key for k in keys)


class TradeIndex:
    """The run indexes of one journal, built on first use and rebuilt when the run changes."""

    def __init__(self, journal: Journal, max_runs: int = MAX_RUNS) -> None:
        self.journal = journal
        self.max_runs = max_runs
        self._runs: OrderedDict[str, RunIndex] = OrderedDict()
        self._directory: Runs | None = None
        self._lock = threading.Lock()  # one build at a time; the others wait for it

    def runs(self) -> Runs:
        generation = self.journal.generation
        directory = self._directory
        if directory is None or directory.generation != generation:
            directory = self._directory = Runs.read(self.journal, generation)
        return directory

    def trade_key(self, trade_id: int) -> tuple[str, str] | None:
        """(run id, journal key) of a public trade id, as `queries.trade_key`."""
        if trade_id < 0:
            return None
        number, sequence = divmod(trade_id, TRADE_ID_BASE)
        run_id = self.runs().by_number.get(number)
        return (run_id, f"{run_id}-T{sequence:06d}") if run_id is not None else None

    def cursor(self, trade_id: int) -> tuple[Any, str] | None:
        """(exit time, journal key) of a stored trade, as `queries.trade_cursor`."""
        found = self.trade_key(trade_id)
        if found is None:
            return None
        exit_time = trade_exit(self.journal, found[1])
        return None if exit_time is None else (exit_time, found[1])

    def run(self, run_id: str, *, rebuild: bool = False) -> RunIndex:
        generation = self.journal.trades_generation(run_id)
        with self._lock:
            index = self._runs.get(run_id)
            if index is None or index.generation != generation or rebuild:
                index = RunIndex.build(self.journal, run_id, generation)
                self._runs[run_id] = index
            self._runs.move_to_end(run_id)
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
            return index

    def page(
        self, f: TradeFilter, *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int] | None:
        """A page as `queries.trade_page` returns it, or None when the index cannot answer
        (no run; a filter by time of day; the journal changing under two builds)."""
        run_id = f.run_id or self.runs().latest
        if run_id is None or isinstance(f.since, datetime) or isinstance(f.until, datetime):
            return None
        f = replace(f, run_id=run_id)
        for attempt in range(2):
            try:
                return self._page(self.run(run_id, rebuild=attempt > 0), f, limit, offset)
            except StaleIndex:
                continue
        return None

    def _page(
        self, index: RunIndex, f: TradeFilter, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        matches = index.matches(f)
        total = len(matches)
        start = offset
        if f.before is not None:
            start += _first_at(matches, index.after(*f.before, self.journal))
        chosen = matches[start : start + limit]
        if len(chosen) == 0:
            return [], total
        upper, lower = index.exit_us(int(chosen[0])), index.exit_us(int(chosen[-1]))
        # The query returns every match in [lower, upper]: the page, and the matches that share
        # its first or last exit time but belong to the pages either side.
        ties_from = int(np.searchsorted(index.neg_exit_us, -upper, side="left"))
        ties_to = int(np.searchsorted(index.neg_exit_us, -lower, side="right"))
        skip = _first_at(matches, int(chosen[0])) - _first_at(matches, ties_from)
        beyond = _first_at(matches, ties_to) - _first_at(matches, int(chosen[-1]) + 1)
        table = trades_between(self.journal, f, _datetime(upper), _datetime(lower))
        if table.num_rows != skip + len(chosen) + beyond:
            raise StaleIndex
        rows = table.slice(skip, len(chosen))
        return trade_records(self.journal, rows, self.runs().numbers), total


def _first_at(matches: Matches, position: int) -> int:
    """How many matches come before `position` (the index of the first match at or after it)."""
    if isinstance(matches, range):
        return min(max(position - matches.start, 0), len(matches))
    return int(np.searchsorted(matches, position, side="left"))


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _neg_days(day: date | None) -> int | None:
    return None if day is None else -(day - _EPOCH_DAY).days


def _epoch_us(value: Any) -> int:
    return int(pd.Timestamp(value).value // 1000)


def _datetime(epoch_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=epoch_us)

"""The trade index answers every page exactly as the SQL path does, and follows the journal."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from transmission.journal import Journal, JournalBatch
from transmission.journal.queries import TradeFilter, trade_cursor, trade_page
from transmission.services import Services
from transmission.services.trade_index import TradeIndex

MINUTE = 60_000_000_000
START = pd.Timestamp("2024-03-04 09:35", tz="America/New_York").value
STRATEGIES = ("vwap_pullback", "vwap_band_reversion", "ema_cross")
REGIMES = ("TREND", "RANGE", "VOLATILE")


def trade(run_id: str, number: int, exit_minute: int, day: str, symbol: str = "MNQ") -> tuple:
    """A closed trade row in the journal's column order; exits on a minute grid (ties)."""
    exit_ns = START + exit_minute * MINUTE
    return (
        f"{run_id}-T{number:06d}", run_id, f"{run_id}-S{number:06d}", symbol,
        ("Long", "Short")[number % 2], STRATEGIES[number % 3], REGIMES[(number // 3) % 3], day,
        exit_ns - 5 * MINUTE, exit_ns, 18000.0, 18010.0, 17990.0, 18020.0, 1, 40.0, 1.7,
        40.0 - 1.7, 1.0, "target",
    )  # fmt: skip


def write(journal: Journal, run_id: str, rows: list[tuple]) -> None:
    batch = JournalBatch()
    for row in rows:
        batch.add("trades", row)
    journal.write_batch(batch)


@pytest.fixture()
def journal(tmp_path: Path) -> Iterator[Journal]:
    """Two runs; many trades share an exit minute, within a run and across runs; run "a" has
    trading days out of exit order (a trade journalled under the day before its exit)."""
    with Journal(tmp_path / "journal.duckdb") as opened:
        for run_id in ("a", "b"):
            opened.start_run(run_id, "backtest", "MNQ", "test", {})
        days = ("2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07")
        write(opened, "a", [
            trade("a", n, n // 3, days[(n // 10) % 4] if n % 7 else days[0],
                  "ES" if n % 11 == 0 else "MNQ")
            for n in range(60)
        ])  # fmt: skip
        write(opened, "b", [trade("b", n, n // 2 + 1, days[n // 15]) for n in range(50)])
        yield opened


def filters(run_id: str) -> Iterator[TradeFilter]:
    for strategy, regime, symbol, days in itertools.product(
        (None, "vwap_pullback", "unknown"),
        (None, "RANGE"),
        (None, "ES"),
        ((None, None), (date(2024, 3, 5), None), (None, date(2024, 3, 5)),
         (date(2024, 3, 5), date(2024, 3, 6)), (date(2025, 1, 1), None)),
    ):  # fmt: skip
        yield TradeFilter(run_id, strategy, regime, symbol, since=days[0], until=days[1])


def test_every_page_by_filter_offset_and_cursor_is_the_sql_paths(journal: Journal):
    index = TradeIndex(journal)
    cursors = [None] + [
        trade_cursor(journal, trade_id) for trade_id in (0, 13, 14, 41, 1_000_000_007)
    ]  # the journal's run numbers: "a" is 0 and "b" 1, so the last cursor is in the other run
    assert all(cursors[1:])
    for trade_id in (0, 41, 59, 60, 1_000_000_007, 2_000_000_000, -1):
        assert index.cursor(trade_id) == trade_cursor(journal, trade_id)
    checked = 0
    for f in itertools.chain(filters("a"), filters("b")):
        for cursor, limit, offset in itertools.product(cursors, (2, 100), (0, 7)):
            paged = replace(f, before=cursor)
            assert index.page(paged, limit=limit, offset=offset) == trade_page(
                journal, paged, limit=limit, offset=offset
            ), (paged, limit, offset)
            checked += 1
    assert checked == 2 * 60 * 6 * 4


def test_a_page_follows_trades_written_and_a_run_deleted(journal: Journal):
    services = Services(journal)
    before = services.trades.page(TradeFilter("b"), limit=5)
    write(journal, "b", [trade("b", 50, 500, "2024-03-08")])
    after = services.trades.page(TradeFilter("b"), limit=5)
    assert after.total == before.total + 1
    assert after.trades[0]["trade_key"] == "b-T000050" and after.trades[1:] == before.trades[:4]
    journal.delete_run("b")
    assert services.trades.page(TradeFilter("b"), limit=5).total == 0
    assert services.trades.page(TradeFilter("a"), limit=5).total == 60


def test_a_snapshot_reader_pages_a_newer_snapshot_once_it_is_published(tmp_path: Path):
    path = tmp_path / "live.duckdb"
    with Journal(path) as writer:
        writer.start_run("a", "backtest", "MNQ", "test", {})
        write(writer, "a", [trade("a", n, n, "2024-03-04") for n in range(10)])
    reader = Journal.snapshot_reader(path)
    try:
        services = Services(reader)
        assert services.trades.page(TradeFilter("a")).total == 10
        with Journal(path) as writer:
            write(writer, "a", [trade("a", 10, 10, "2024-03-04")])
        generation = reader.trades_generation("a")
        deadline = time.monotonic() + 10
        while reader.trades_generation("a") == generation:
            assert time.monotonic() < deadline, "the reader never opened the newer snapshot"
            time.sleep(0.05)
        page = services.trades.page(TradeFilter("a"), limit=1)
        assert page.total == 11 and page.trades[0]["trade_key"] == "a-T000010"
    finally:
        reader.close()


def test_the_index_keeps_the_most_recently_paged_runs_only(journal: Journal):
    index = TradeIndex(journal, max_runs=1)
    index.page(TradeFilter("a"), limit=1, offset=0)
    index.page(TradeFilter("b"), limit=1, offset=0)
    assert list(index._runs) == ["b"]


def test_a_page_is_right_when_trades_arrive_by_a_path_the_index_does_not_hear_of(
    journal: Journal,
):
    # A write outside `write_batch` leaves `trades_generation` as it was: the page's row count
    # then disagrees with the index, which is rebuilt before the page is answered.
    index = TradeIndex(journal)
    f = TradeFilter("b")
    assert index.page(f, limit=3, offset=0) == trade_page(journal, f, limit=3, offset=0)
    generation = journal.trades_generation("b")
    row = trade("b", 99, 25, "2024-03-07")  # exits with the newest trades of run "b"
    with journal.transaction() as tx:
        placeholders = ", ".join("?" * len(row))
        tx.execute(
            f"INSERT INTO trades VALUES ({placeholders})",
            [*row[:8], *(pd.Timestamp(ns, tz="UTC") for ns in row[8:10]), *row[10:]],
        )
    assert journal.trades_generation("b") == generation
    page = index.page(f, limit=3, offset=0)
    assert page == trade_page(journal, f, limit=3, offset=0)
    assert page is not None and "b-T000099" in [t["trade_key"] for t in page[0]]

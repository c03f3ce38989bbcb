"""The services facade on a real journal, without a server: trades, performance, engine state
from a run's checkpoint, and controls that need an engine."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.conftest import Backtested
from transmission.journal import Journal
from transmission.journal.queries import TradeFilter
from transmission.metrics import compute_metrics
from transmission.services import MetricsCache, NoEngine, Services


@pytest.fixture(scope="module")
def journal(backtested: Backtested) -> Iterator[Journal]:
    with Journal(backtested.path, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def services(journal: Journal) -> Services:
    return Services(journal)


def test_trade_page_is_newest_first_with_the_total_of_every_match(
    services: Services, backtested: Backtested
):
    page = services.trades.page(limit=3, offset=1)
    assert page.total == backtested.trades and len(page.trades) == min(3, page.total - 1)
    exits = [t["timestamp_exit"] for t in page.trades]
    assert exits == sorted(exits, reverse=True)
    assert all(isinstance(t["timestamp_exit"], str) for t in page.trades)  # JSON-safe


def test_one_trade_by_id_matches_its_page_row_and_an_unknown_id_is_none(services: Services):
    first = services.trades.page(limit=1).trades[0]
    assert services.trades.get(first["trade_id"]) == first
    assert services.trades.get(999_999_999_999) is None


def test_export_is_every_trade_in_exit_order(services: Services, backtested: Backtested):
    frame = services.trades.export()
    assert len(frame) == backtested.trades
    assert frame["timestamp_exit"].is_monotonic_increasing


def test_performance_is_the_metrics_of_the_journalled_results(services: Services):
    results = services.trades.export()["result_r"].to_numpy()
    expected = compute_metrics(results, window=20).to_dict()
    assert services.performance(window=20) == expected


def test_performance_grouped_by_strategy_covers_every_traded_strategy(services: Services):
    grouped = services.performance(by="strategy")
    assert set(grouped) == set(services.trades.export()["strategy_used"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"window": 0}, "window must be a positive"), ({"by": "weekday"}, "cannot group by")],
)
def test_performance_with_a_bad_argument_is_a_value_error(services: Services, kwargs, message):
    with pytest.raises(ValueError, match=message):
        services.performance(**kwargs)


def test_each_facade_has_its_own_cache_and_a_repeat_read_is_served_from_it(journal: Journal):
    cache = MetricsCache()
    one, other = Services(journal, cache=cache), Services(journal)
    first = one.performance(window=10)
    assert len(cache) == 1 and one.performance(window=10) is first
    assert len(other.performance.cache) == 0  # no module-level cache shared between facades


def test_a_new_trade_in_the_journal_misses_the_cached_figures(
    backtested: Backtested, tmp_path: Path
):
    path = Path(shutil.copy(backtested.path, tmp_path / "grow.duckdb"))
    with Journal(path) as journal:
        services = Services(journal)
        before = services.performance(window=20)
        journal.cursor().execute(
            "DELETE FROM trades WHERE trade_id = (SELECT max(trade_id) FROM trades)"
        )
        after = services.performance(window=20)
    assert after["total_trades"] == before["total_trades"] - 1


def test_status_without_an_engine_is_the_run_s_last_checkpoint(
    services: Services, backtested: Backtested
):
    status = services.state.status()
    assert status is not None and services.state.source == "journal"
    assert status.run_id == backtested.run_id and status.system_state == "completed"
    assert status.bars_processed > 0 and status.last_bar_time is not None
    assert str(status.last_bar_time.tz) == "America/New_York"


def test_risk_without_an_engine_lists_every_tripwire_of_the_run(services: Services):
    report = services.state.risk()
    assert report is not None and report.tripwires
    assert report.can_trade == (not any(t.tripped and t.strategy is None for t in report.tripwires))


def test_checkpoint_and_health_read_the_run_s_progress(services: Services, backtested: Backtested):
    checkpoint = services.state.checkpoint()
    health = services.state.health()
    assert checkpoint is not None and checkpoint.run_id == backtested.run_id
    assert checkpoint.bars_processed == services.state.status().bars_processed  # type: ignore[union-attr]
    assert health.ready and health.database and health.run_id == backtested.run_id
    assert not health.engine_running and health.engine_error is None


def test_a_journal_without_runs_has_no_status_risk_or_checkpoint(tmp_path: Path):
    with Journal(tmp_path / "empty.duckdb") as empty:
        services = Services(empty)
        assert services.state.status() is None
        assert services.state.risk() is None
        assert services.state.checkpoint() is None
        assert services.trades.page().total == 0


@pytest.mark.parametrize("control", ["halt", "resume"])
def test_a_control_without_an_engine_says_there_is_none(services: Services, control: str):
    with pytest.raises(NoEngine, match="no engine"):
        getattr(services.control, control)()


def test_trades_of_another_run_filter_to_nothing(services: Services):
    assert services.trades.page(TradeFilter(run_id="no-such-run")).total == 0

"""GET /api/metrics: the package's metrics of the matching trades, windowed and grouped."""

from __future__ import annotations

import numpy as np
import pytest

from tests.api.conftest import BacktestJournal, Server
from transmission.metrics import compute_metrics


@pytest.fixture(scope="module")
def results(server: Server, backtest_journal: BacktestJournal) -> list[dict]:
    with server.client() as http:
        page = http.get("/api/trades", params={"run_id": backtest_journal.run_id, "limit": 1000})
    return page.json()["trades"][::-1]  # oldest first, as metrics read them


@pytest.mark.parametrize("window", [1, 3, 20])
def test_metrics_equal_the_package_metrics_of_the_runs_trades(
    server: Server, backtest_journal: BacktestJournal, results: list[dict], window: int
):
    expected = compute_metrics(np.array([t["result_r"] for t in results]), window=window)
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "window": window}
        ).json()
    assert got == pytest.approx(expected.to_dict())
    assert got["window_trades"] == min(window, len(results))
    design = {
        "window_trades", "profit_factor", "expected_r", "win_rate", "win_rate_wilson_lb",
        "total_trades", "total_wins", "total_losses", "avg_win_r", "avg_loss_r",
        "profit_factor_infinite", "max_drawdown_r", "sqn",
    }  # fmt: skip
    assert design <= set(got)


def test_metrics_grouped_by_strategy_have_one_set_per_strategy(
    server: Server, backtest_journal: BacktestJournal, results: list[dict]
):
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "by": "strategy"}
        ).json()
    assert got["by"] == "strategy" and got["window"] == 20
    assert set(got["groups"]) == {t["strategy_used"] for t in results}
    for name, figures in got["groups"].items():
        mine = [t["result_r"] for t in results if t["strategy_used"] == name]
        assert figures["total_trades"] == len(mine)
        assert figures["total_r"] == pytest.approx(sum(mine))


def test_metrics_with_a_filter_cover_only_matching_trades(
    server: Server, backtest_journal: BacktestJournal, results: list[dict]
):
    regime = results[0]["regime"]
    with server.client() as http:
        got = http.get(
            "/api/metrics", params={"run_id": backtest_journal.run_id, "regime": regime}
        ).json()
    assert got["total_trades"] == sum(t["regime"] == regime for t in results)


def test_metrics_of_a_run_without_trades_are_empty_not_an_error(server: Server):
    with server.client() as http:
        got = http.get("/api/metrics", params={"run_id": "no-such-run"})
    assert got.status_code == 200
    body = got.json()
    assert body["total_trades"] == 0 and body["profit_factor"] is None


@pytest.mark.parametrize(
    "params", [{"window": 0}, {"window": "ten"}, {"by": "weekday"}, {"windw": 5}]
)
def test_metrics_with_a_bad_parameter_are_422(server: Server, params):
    with server.client() as http:
        got = http.get("/api/metrics", params=params)
    assert got.status_code == 422 and got.json()["error"] == "invalid_request"

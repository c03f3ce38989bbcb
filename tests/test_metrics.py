"""transmission.metrics against hand-computed numbers, brute force and statsmodels."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from transmission.metrics import (
    MIN_TRADES_TO_JUDGE,
    PerformanceMetrics,
    breakeven_win_rate,
    compute_metrics,
    drawdown_r,
    equity_curve_r,
    equity_over_time,
    excursions,
    exposure,
    longest_streaks,
    metrics_frame,
    rolling_metrics,
    sample_warning,
    sharpe_ratio,
    trade_stats,
    wilson_lower_bound,
)

RATIO_FIELDS = ("profit_factor", "expected_r", "win_rate", "win_rate_wilson_lb")
WINDOW_FIELDS = (*RATIO_FIELDS, "avg_win_r", "avg_loss_r")
TOTAL_FIELDS = ("total_trades", "total_wins", "total_losses", "total_r", "max_drawdown_r", "sqn")

any_r = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False, allow_infinity=False)
# R quantised to 0.01 with many exact zeros: running window sums then agree with fresh sums to
# ~1e-13, whereas arbitrary floats (1e-300 next to 50) can lose a whole term to rounding.
quantised_r = st.one_of(
    st.just(0.0), st.integers(min_value=-300, max_value=1000).map(lambda cents: cents / 100)
)
positive_r = st.floats(min_value=1e-6, max_value=50.0, allow_nan=False)
negative_r = st.floats(min_value=-50.0, max_value=-1e-6, allow_nan=False)


def brute_force_max_drawdown(results: list[float]) -> float:
    equity = peak = worst = 0.0
    for result in results:
        equity += result
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst


def frame_value(metrics: PerformanceMetrics, name: str) -> float:
    """A PerformanceMetrics ratio figure as rolling_metrics shows it (NaN for None, inf for PF)."""
    value = getattr(metrics, name)
    if name == "profit_factor" and metrics.profit_factor_infinite:
        return math.inf
    return math.nan if value is None else float(value)


def assert_json_safe(metrics: PerformanceMetrics) -> None:
    as_dict = metrics.to_dict()
    json.dumps(as_dict, allow_nan=False)
    assert set(as_dict) == {field.name for field in fields(PerformanceMetrics)}
    assert all(type(value) in (int, float, bool, type(None)) for value in as_dict.values())


# Wilson lower bound and break-even win rate


@given(
    st.integers(min_value=1, max_value=10_000).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_wilson_lower_bound_for_any_wins_and_n_matches_statsmodels(
    wins_and_n: tuple[int, int],
) -> None:
    wins, n = wins_and_n
    expected = proportion_confint(wins, n, alpha=0.05, method="wilson")[0]
    assert wilson_lower_bound(wins, n) == pytest.approx(max(0.0, expected), abs=1e-6)


def test_wilson_lower_bound_with_no_trades_is_none() -> None:
    assert wilson_lower_bound(0, 0) is None


@pytest.mark.parametrize(("wins", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_lower_bound_with_wins_outside_zero_to_n_raises(wins: int, n: int) -> None:
    with pytest.raises(ValueError, match="wins"):
        wilson_lower_bound(wins, n)


def test_breakeven_win_rate_of_two_to_one_payoff_is_one_third() -> None:
    assert breakeven_win_rate(2.0, -1.0) == pytest.approx(1 / 3)


@pytest.mark.parametrize(("avg_win_r", "avg_loss_r"), [(None, -1.0), (2.0, None), (None, None)])
def test_breakeven_win_rate_with_a_missing_average_is_none(
    avg_win_r: float | None, avg_loss_r: float | None
) -> None:
    assert breakeven_win_rate(avg_win_r, avg_loss_r) is None


# Equity curve and drawdown


def test_drawdown_r_starts_from_a_peak_of_zero() -> None:
    results = [-1.0, -1.0, 3.0, -2.0]
    np.testing.assert_array_equal(equity_curve_r(results), [-1.0, -2.0, 1.0, -1.0])
    np.testing.assert_array_equal(drawdown_r(results), [1.0, 2.0, 0.0, 2.0])


@given(st.lists(any_r, max_size=200))
def test_max_drawdown_for_any_results_is_nonnegative_and_equals_brute_force(
    results: list[float],
) -> None:
    metrics = compute_metrics(results)
    assert metrics.max_drawdown_r >= 0.0
    assert metrics.max_drawdown_r == pytest.approx(
        brute_force_max_drawdown(results), rel=1e-12, abs=1e-12
    )


# compute_metrics: hand-computed example and edge cases


def test_compute_metrics_hand_computed_example_gives_known_numbers() -> None:
    metrics = compute_metrics([2.0, -1.0, -1.0, 2.0, 0.0, -1.0])
    assert metrics.window_trades == 6
    assert metrics.total_trades == 6
    assert metrics.total_wins == 2
    assert metrics.total_losses == 3
    assert metrics.profit_factor == pytest.approx(4 / 3)
    assert metrics.profit_factor_infinite is False
    assert metrics.expected_r == pytest.approx(1 / 6)
    assert metrics.win_rate == pytest.approx(2 / 6)
    expected_lb = proportion_confint(2, 6, alpha=0.05, method="wilson")[0]
    assert metrics.win_rate_wilson_lb == pytest.approx(expected_lb, abs=1e-6)
    assert metrics.avg_win_r == pytest.approx(2.0)
    assert metrics.avg_loss_r == pytest.approx(-1.0)
    assert metrics.total_r == pytest.approx(1.0)
    # Equity 2, 1, 0, 2, 2, 1: the deepest fall is from 2 to 0.
    assert metrics.max_drawdown_r == pytest.approx(2.0)
    # Sample variance: (11 - 6 * (1/6)^2) / 5 = 65/30.
    assert metrics.sqn == pytest.approx(math.sqrt(6) * (1 / 6) / math.sqrt(65 / 30))
    assert metrics.all_profit_factor == metrics.profit_factor
    assert metrics.all_expected_r == metrics.expected_r


def test_compute_metrics_hand_computed_window_covers_only_last_trades() -> None:
    metrics = compute_metrics([2.0, -1.0, -1.0, 2.0, 0.0, -1.0], window=3)
    # Last three trades: 2, 0, -1.
    assert metrics.window_trades == 3
    assert metrics.profit_factor == pytest.approx(2.0)
    assert metrics.expected_r == pytest.approx(1 / 3)
    assert metrics.win_rate == pytest.approx(1 / 3)
    assert metrics.avg_win_r == pytest.approx(2.0)
    assert metrics.avg_loss_r == pytest.approx(-1.0)
    # Totals and all_* still cover all six trades.
    assert metrics.total_trades == 6
    assert metrics.total_r == pytest.approx(1.0)
    assert metrics.max_drawdown_r == pytest.approx(2.0)
    assert metrics.all_profit_factor == pytest.approx(4 / 3)
    assert metrics.all_win_rate == pytest.approx(2 / 6)


def test_compute_metrics_with_no_trades_gives_nulls_and_zero_totals() -> None:
    metrics = compute_metrics([])
    assert metrics.window_trades == 0
    assert metrics.total_trades == metrics.total_wins == metrics.total_losses == 0
    assert metrics.total_r == 0.0
    assert metrics.max_drawdown_r == 0.0
    assert metrics.profit_factor is None
    assert metrics.profit_factor_infinite is False
    assert metrics.all_profit_factor_infinite is False
    for name in (*WINDOW_FIELDS, "sqn", "all_expected_r", "all_win_rate_wilson_lb"):
        assert getattr(metrics, name) is None, name
    assert_json_safe(metrics)


@given(st.lists(positive_r, min_size=1, max_size=100))
def test_compute_metrics_with_only_wins_flags_infinite_profit_factor(results: list[float]) -> None:
    metrics = compute_metrics(results)
    assert metrics.profit_factor is None
    assert metrics.profit_factor_infinite is True
    assert metrics.all_profit_factor_infinite is True
    assert metrics.win_rate == 1.0
    assert metrics.avg_loss_r is None
    assert metrics.max_drawdown_r == 0.0
    assert_json_safe(metrics)
    assert metrics.to_dict()["profit_factor"] is None


@given(st.lists(negative_r, min_size=1, max_size=100))
def test_compute_metrics_with_only_losses_gives_zero_profit_factor(results: list[float]) -> None:
    metrics = compute_metrics(results)
    assert metrics.profit_factor == 0.0
    assert metrics.profit_factor_infinite is False
    assert metrics.win_rate == 0.0
    assert metrics.win_rate_wilson_lb == 0.0
    assert metrics.avg_win_r is None
    assert metrics.avg_loss_r is not None and metrics.avg_loss_r < 0
    assert_json_safe(metrics)


@given(st.integers(min_value=1, max_value=100))
def test_compute_metrics_with_only_zero_results_has_no_profit_factor(n: int) -> None:
    metrics = compute_metrics([0.0] * n)
    assert metrics.profit_factor is None
    assert metrics.profit_factor_infinite is False
    assert metrics.total_wins == metrics.total_losses == 0
    assert metrics.expected_r == 0.0
    assert metrics.win_rate == 0.0
    assert metrics.win_rate_wilson_lb == 0.0
    assert metrics.sqn is None
    assert metrics.max_drawdown_r == 0.0
    assert_json_safe(metrics)


@given(st.lists(any_r, max_size=200), st.one_of(st.none(), st.integers(1, 250)))
def test_compute_metrics_for_any_results_keeps_rates_bounded_and_json_safe(
    results: list[float], window: int | None
) -> None:
    metrics = compute_metrics(results, window)
    assert metrics.total_trades == len(results)
    assert metrics.total_wins == sum(result > 0 for result in results)
    assert metrics.total_losses == sum(result < 0 for result in results)
    for rate, bound in (
        (metrics.win_rate, metrics.win_rate_wilson_lb),
        (metrics.all_win_rate, metrics.all_win_rate_wilson_lb),
    ):
        if results:
            assert rate is not None and bound is not None
            assert 0.0 <= bound <= rate <= 1.0
        else:
            assert rate is None and bound is None
    if metrics.profit_factor is not None:
        assert metrics.profit_factor >= 0.0
        assert not metrics.profit_factor_infinite
    assert_json_safe(metrics)


def test_compute_metrics_sqn_with_fewer_than_two_or_constant_results_is_none() -> None:
    assert compute_metrics([1.5]).sqn is None
    assert compute_metrics([0.1, 0.1, 0.1]).sqn is None
    assert compute_metrics([1.0, 3.0]).sqn == pytest.approx(math.sqrt(2) * 2.0 / math.sqrt(2))


def test_compute_metrics_list_array_and_series_inputs_agree() -> None:
    results = [1.5, -1.0, 0.0, 2.25]
    expected = compute_metrics(results, window=2)
    assert compute_metrics(np.array(results), window=2) == expected
    assert compute_metrics(pd.Series(results, index=[10, 3, 7, 1]), window=2) == expected


@pytest.mark.parametrize("window", [0, -5])
def test_compute_metrics_with_nonpositive_window_raises(window: int) -> None:
    with pytest.raises(ValueError, match="window must be a positive"):
        compute_metrics([1.0], window=window)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_compute_metrics_with_nonfinite_result_raises(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        compute_metrics([1.0, bad])


@given(st.lists(any_r, max_size=120), st.integers(min_value=1, max_value=150))
def test_compute_metrics_window_ratio_figures_equal_metrics_of_last_trades(
    results: list[float], window: int
) -> None:
    windowed = compute_metrics(results, window)
    last = compute_metrics(results[-window:])
    everything = compute_metrics(results)
    assert windowed.window_trades == min(window, len(results))
    assert windowed.profit_factor_infinite == last.all_profit_factor_infinite
    for name in WINDOW_FIELDS:
        assert getattr(windowed, name) == getattr(last, f"all_{name}"), name
    for name in (*TOTAL_FIELDS, *(f"all_{name}" for name in WINDOW_FIELDS)):
        assert getattr(windowed, name) == getattr(everything, name), name
    if window >= len(results):
        assert windowed == everything


# rolling_metrics


@settings(deadline=None)
@given(st.lists(quantised_r, max_size=120), st.integers(min_value=1, max_value=30))
def test_rolling_metrics_at_every_trade_equals_compute_metrics_of_its_slice(
    results: list[float], window: int
) -> None:
    rolling = rolling_metrics(results, window)
    assert len(rolling) == len(results)
    for i in range(len(results)):
        expected = compute_metrics(results[max(0, i - window + 1) : i + 1])
        row = rolling.iloc[i]
        assert row["window_trades"] == expected.window_trades
        for name in WINDOW_FIELDS:
            np.testing.assert_allclose(
                row[name], frame_value(expected, name), rtol=1e-9, atol=1e-12, err_msg=name
            )


def test_rolling_metrics_of_series_keeps_its_index() -> None:
    results = pd.Series([1.0, -1.0, 2.0], index=pd.Index([7, 8, 9], name="trade_id"))
    rolling = rolling_metrics(results, window=2)
    assert rolling.index.equals(results.index)
    assert list(rolling["profit_factor"]) == [math.inf, 1.0, 2.0]


def test_rolling_metrics_of_no_trades_is_empty_frame() -> None:
    rolling = rolling_metrics([], window=20)
    assert rolling.empty
    assert {"window_trades", *WINDOW_FIELDS} <= set(rolling.columns)


def test_rolling_metrics_with_nonpositive_window_raises() -> None:
    with pytest.raises(ValueError, match="window must be a positive"):
        rolling_metrics([1.0], window=0)


# metrics_frame

STRATEGIES = ["trend_pullback", "vwap_reversion", "orb"]
REGIMES = ["TREND", "RANGE", "VOLATILE"]
START = pd.Timestamp("2024-03-04 09:30", tz="America/New_York")


@st.composite
def trade_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Trades in journal order (not exit order), with ties in exit time."""
    size = draw(st.integers(min_value=0, max_value=40))
    trade_ids = draw(st.permutations(list(range(size))))
    return pd.DataFrame(
        {
            "trade_id": trade_ids,
            "timestamp_exit": [
                START + pd.Timedelta(minutes=draw(st.integers(0, 10))) for _ in range(size)
            ],
            "strategy_used": [draw(st.sampled_from(STRATEGIES)) for _ in range(size)],
            "regime": [draw(st.sampled_from(REGIMES)) for _ in range(size)],
            "result_r": [draw(quantised_r) for _ in range(size)],
        }
    )


def results_in_exit_order(trades: pd.DataFrame) -> list[float]:
    rows = sorted(
        zip(trades["timestamp_exit"], trades["trade_id"], trades["result_r"], strict=True),
        key=lambda row: (row[0], row[1]),
    )
    return [result for _, _, result in rows]


def assert_row_equals(row: pd.Series, expected: PerformanceMetrics) -> None:
    for field in fields(PerformanceMetrics):
        value = getattr(expected, field.name)
        if value is None:
            assert math.isnan(row[field.name]), field.name
        else:
            assert row[field.name] == value, field.name


@settings(deadline=None, max_examples=60)
@given(
    trade_frames(),
    st.sampled_from([("strategy", "strategy_used"), ("regime", "regime")]),
    st.one_of(st.none(), st.integers(1, 10)),
)
def test_metrics_frame_by_group_equals_compute_metrics_of_each_group(
    trades: pd.DataFrame, by_and_column: tuple[str, str], window: int | None
) -> None:
    by, column = by_and_column
    frame = metrics_frame(trades, window=window, by=by)
    assert frame.index.name == column
    assert list(frame.index) == sorted(set(trades[column]))
    assert list(frame.columns) == [field.name for field in fields(PerformanceMetrics)]
    for key in frame.index:
        group = trades[trades[column] == key]
        assert_row_equals(frame.loc[key], compute_metrics(results_in_exit_order(group), window))


@settings(deadline=None, max_examples=60)
@given(trade_frames(), st.one_of(st.none(), st.integers(1, 10)))
def test_metrics_frame_without_grouping_is_one_row_over_trades_in_exit_order(
    trades: pd.DataFrame, window: int | None
) -> None:
    frame = metrics_frame(trades, window=window)
    assert list(frame.index) == ["all"]
    assert_row_equals(frame.loc["all"], compute_metrics(results_in_exit_order(trades), window))


def test_metrics_frame_orders_trades_by_exit_time_then_trade_id() -> None:
    trades = pd.DataFrame(
        {
            "trade_id": [3, 2, 1],
            "timestamp_exit": [START + pd.Timedelta(minutes=5), START, START],
            "result_r": [2.0, -1.0, -1.0],
        }
    )
    row = metrics_frame(trades, window=1).loc["all"]
    # Exit order is trade 1, 2, 3: equity -1, -2, 0; the last trade alone is a win.
    assert row["max_drawdown_r"] == 2.0
    assert row["win_rate"] == 1.0


def test_metrics_frame_with_unknown_grouping_names_allowed_values() -> None:
    trades = pd.DataFrame({"result_r": [1.0], "timestamp_exit": [START]})
    with pytest.raises(ValueError, match="'strategy', 'regime'"):
        metrics_frame(trades, by="symbol")


def test_metrics_frame_without_group_column_raises() -> None:
    trades = pd.DataFrame({"result_r": [1.0], "timestamp_exit": [START]})
    with pytest.raises(ValueError, match="strategy_used"):
        metrics_frame(trades, by="strategy")


def test_metrics_frame_of_no_trades_by_regime_is_empty() -> None:
    trades = pd.DataFrame({"result_r": [], "timestamp_exit": [], "regime": []})
    frame = metrics_frame(trades, by="regime")
    assert frame.empty
    assert frame.index.name == "regime"


# --- stats beyond R (issue 13, item 8), each against a plain computation by hand ---------------


def _stats_trades() -> pd.DataFrame:
    """Five trades over three trading days: long and short, wins, losses and a scratch."""
    rows = [
        # entry, exit, day, side, entry price, result R, pnl $
        ("2023-11-20 09:40", "2023-11-20 10:05", "2023-11-20", "Long", 100.0, 2.0, 200.0),
        ("2023-11-20 11:00", "2023-11-20 11:30", "2023-11-20", "Short", 104.0, -1.0, -100.0),
        ("2023-11-21 09:45", "2023-11-21 10:00", "2023-11-21", "Long", 101.0, -1.0, -100.0),
        ("2023-11-21 13:00", "2023-11-21 13:20", "2023-11-21", "Long", 102.0, 0.0, 0.0),
        ("2023-11-23 10:00", "2023-11-23 11:10", "2023-11-23", "Short", 103.0, 1.5, 150.0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["timestamp_entry", "timestamp_exit", "trading_day", "trade_type",
                 "entry_price", "result_r", "pnl_usd"],
    )  # fmt: skip
    for column in ("timestamp_entry", "timestamp_exit"):
        frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("America/New_York")
    frame["trading_day"] = pd.to_datetime(frame["trading_day"]).dt.date
    frame["contracts"] = 2
    frame["risk_usd"] = 100.0  # 2 contracts x $2 x 25 points: 1R is 25 points
    frame["trade_id"] = [f"T{i}" for i in range(len(frame))]
    return frame


def _stats_bars(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2023-11-20 09:30", "2023-11-23 16:00", freq="1min", tz="America/New_York")
    ts = ts[(ts.hour >= 9) & (ts.hour < 16)]
    close = 102 + np.cumsum(rng.normal(0, 0.5, len(ts)))
    spread = rng.uniform(0, 1, (2, len(ts)))
    return pd.DataFrame({"ts": ts, "high": close + spread[0], "low": close - spread[1]})


def test_trade_stats_sharpe_and_sortino_match_a_computation_by_hand() -> None:
    trades = _stats_trades()
    days = pd.to_datetime(["2023-11-20", "2023-11-21", "2023-11-22", "2023-11-23"])
    stats = trade_stats(trades, trading_days=list(days))
    daily = pd.Series([100.0, -100.0, 0.0, 150.0])  # the flat 22nd counts as 0
    assert stats.trading_days == 4
    assert stats.sharpe_daily == pytest.approx(daily.mean() / daily.std() * math.sqrt(252))
    downside = math.sqrt(sum(min(x, 0.0) ** 2 for x in daily) / len(daily))
    assert stats.sortino_daily == pytest.approx(daily.mean() / downside * math.sqrt(252))


def test_trade_stats_sharpe_agrees_with_statsmodels_descriptive_stats() -> None:
    from statsmodels.stats.descriptivestats import describe

    daily = np.random.default_rng(5).normal(20, 100, 300)
    summary = describe(daily)
    expected = float(summary.loc["mean"].iloc[0] / summary.loc["std"].iloc[0]) * math.sqrt(252)
    assert sharpe_ratio(daily) == pytest.approx(expected)


def test_trade_stats_streaks_best_worst_and_durations_match_plain_python() -> None:
    import itertools

    trades = _stats_trades()
    stats = trade_stats(trades)
    results = trades["result_r"].tolist()
    runs = [(key, len(list(group))) for key, group in itertools.groupby(results, key=np.sign)]
    assert stats.longest_win_streak == max(n for key, n in runs if key > 0) == 1
    assert stats.longest_loss_streak == max(n for key, n in runs if key < 0) == 2
    assert (stats.best_trade_r, stats.worst_trade_r) == (2.0, -1.0)
    minutes = [25, 30, 15, 20, 70]
    assert stats.avg_duration_minutes == pytest.approx(sum(minutes) / 5)
    assert stats.median_duration_minutes == 25 and stats.max_duration_minutes == 70


def test_longest_streaks_of_a_zero_r_trade_ends_both_runs() -> None:
    assert longest_streaks([1.0, 1.0, 0.0, 1.0, -1.0, -1.0, -1.0, 0.0, -1.0]) == (2, 3)
    assert longest_streaks([]) == (0, 0)


def test_excursions_match_a_bar_by_bar_scan_in_r() -> None:
    trades, bars = _stats_trades(), _stats_bars()
    found = excursions(trades, bars, point_value=2.0)
    for i, trade in trades.iterrows():
        inside = bars[
            (bars["ts"] >= trade["timestamp_entry"]) & (bars["ts"] <= trade["timestamp_exit"])
        ]
        side = 1 if trade["trade_type"] == "Long" else -1
        moves = [(p - trade["entry_price"]) * side for p in (*inside["low"], *inside["high"])]
        points_per_r = 25.0
        assert found.loc[i, "mae_r"] == pytest.approx(min(0.0, min(moves) / points_per_r))
        assert found.loc[i, "mfe_r"] == pytest.approx(max(0.0, max(moves) / points_per_r))


def test_exposure_is_the_share_of_bars_with_a_position_open() -> None:
    trades, bars = _stats_trades(), _stats_bars()
    open_at = [
        any(t["timestamp_entry"] <= ts < t["timestamp_exit"] for _, t in trades.iterrows())
        for ts in bars["ts"]
    ]
    assert exposure(trades, bars) == pytest.approx(sum(open_at) / len(bars))
    assert trade_stats(trades, bars, point_value=2.0).exposure == pytest.approx(
        sum(open_at) / len(bars)
    )


def test_equity_over_time_is_indexed_by_exit_time_in_dollars_and_r() -> None:
    curve = equity_over_time(_stats_trades().iloc[::-1])
    assert curve.index.is_monotonic_increasing
    assert curve["equity_usd"].tolist() == [200.0, 100.0, 0.0, 0.0, 150.0]
    assert curve["equity_r"].tolist() == [2.0, 1.0, 0.0, 0.0, 1.5]


def test_trade_stats_warns_below_thirty_trades_and_says_the_rule() -> None:
    stats = trade_stats(_stats_trades())
    assert stats.sample_warning is not None
    assert stats.sample_warning.startswith("only 5 trades: fewer than 30 trades")
    assert sample_warning(MIN_TRADES_TO_JUDGE) is None


def test_trade_stats_of_no_trades_is_empty_not_an_error() -> None:
    empty = _stats_trades().iloc[0:0]
    stats = trade_stats(empty, _stats_bars(), point_value=2.0)
    assert stats.trades == 0 and stats.sharpe_daily is None and stats.exposure == 0.0
    assert stats.best_trade_r is None and stats.to_dict()["sample_warning"].startswith("only 0")

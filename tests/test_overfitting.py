"""The overfitting statistics against the papers' worked numbers and independent computations."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from transmission.overfitting import (
    bootstrap_mean_ci,
    deflated_sharpe_of,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
)

DAYS_A_YEAR = 250


def test_deflated_sharpe_ratio_reproduces_the_papers_numerical_example() -> None:
    # Bailey and Lopez de Prado (2014), section 4: 100 trials whose annualised Sharpe ratios have
    # variance 1/2, the best at 2.5 annualised, over 1250 days, skewness -3, kurtosis 10: the
    # expected maximum is 0.1132 a day and the DSR 0.9004.
    sharpe = 2.5 / math.sqrt(DAYS_A_YEAR)
    result = deflated_sharpe_ratio(sharpe, 1250, -3.0, 10.0, 100, 0.5 / DAYS_A_YEAR)
    assert result.expected_max_sharpe == pytest.approx(0.1132, abs=5e-5)
    assert result.dsr == pytest.approx(0.9004, abs=5e-4)


def test_expected_max_sharpe_matches_scipys_normal_quantiles() -> None:
    gamma = np.euler_gamma
    for trials in (2, 10, 1000):
        expected = 0.3 * (
            (1 - gamma) * stats.norm.ppf(1 - 1 / trials)
            + gamma * stats.norm.ppf(1 - 1 / (trials * np.e))
        )
        assert expected_max_sharpe(trials, 0.09) == pytest.approx(expected, rel=1e-9)


def test_probabilistic_sharpe_ratio_matches_scipys_normal_cdf() -> None:
    z = (0.1 - 0.02) * math.sqrt(499) / math.sqrt(1 - (-0.5) * 0.1 + (6 - 1) / 4 * 0.01)
    assert probabilistic_sharpe_ratio(0.1, 500, -0.5, 6.0, 0.02) == pytest.approx(
        stats.norm.cdf(z), rel=1e-9
    )


def test_deflated_sharpe_of_returns_uses_their_moments_and_the_trials_spread() -> None:
    rng = np.random.default_rng(3)
    returns = rng.standard_t(5, size=400) * 0.5 + 0.1
    sharpes = rng.normal(0, 0.05, size=20)
    result = deflated_sharpe_of(returns, sharpes)
    assert result.skewness == pytest.approx(stats.skew(returns), rel=1e-9)
    assert result.kurtosis == pytest.approx(stats.kurtosis(returns, fisher=False), rel=1e-9)
    assert result.trials == 20
    assert result.trials_variance == pytest.approx(np.var(sharpes, ddof=1))
    assert 0 < result.dsr < 1


def _brute_force_pbo(matrix: np.ndarray, partitions: int) -> float:
    """CSCV written out plainly: every split, a loop over trials, scipy's ranks."""
    blocks = np.array_split(np.arange(len(matrix)), partitions)
    below = total = 0
    for chosen in combinations(range(partitions), partitions // 2):
        is_rows = np.concatenate([blocks[b] for b in chosen])
        oos_rows = np.concatenate([blocks[b] for b in range(partitions) if b not in chosen])
        is_sr = [
            matrix[is_rows, n].mean() / matrix[is_rows, n].std(ddof=1)
            for n in range(matrix.shape[1])
        ]
        oos_sr = [
            matrix[oos_rows, n].mean() / matrix[oos_rows, n].std(ddof=1)
            for n in range(matrix.shape[1])
        ]
        best = int(np.argmax(is_sr))
        w = stats.rankdata(oos_sr)[best] / (matrix.shape[1] + 1)
        below += math.log(w / (1 - w)) <= 0
        total += 1
    return below / total


def test_pbo_agrees_with_a_brute_force_loop_over_the_combinations() -> None:
    rng = np.random.default_rng(11)
    matrix = rng.normal(0, 1, size=(120, 12))
    result = probability_of_backtest_overfitting(matrix, partitions=8)
    assert result.combinations == math.comb(8, 4)
    assert result.pbo == pytest.approx(_brute_force_pbo(matrix, 8))


def test_pbo_of_pure_noise_is_near_one_half_and_of_a_real_edge_near_zero() -> None:
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 1, size=(400, 30))
    assert 0.25 < probability_of_backtest_overfitting(noise, 10).pbo < 0.75
    edge = noise.copy()
    edge[:, 7] += 0.5  # one trial truly better everywhere
    assert probability_of_backtest_overfitting(edge, 10).pbo == 0.0


def test_pbo_refuses_an_odd_partition_count_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="even"):
        probability_of_backtest_overfitting(np.zeros((20, 3)), 5)


def test_bootstrap_interval_is_seeded_and_holds_the_mean() -> None:
    rng = np.random.default_rng(2)
    r = rng.normal(0.2, 1.0, size=300)
    first = bootstrap_mean_ci(r, seed=4)
    assert first == bootstrap_mean_ci(r, seed=4)
    assert first.low < r.mean() < first.high
    # The normal approximation's interval, for a mean of 300 draws, is close to the bootstrap's.
    half = 1.959964 * r.std(ddof=1) / math.sqrt(len(r))
    assert first.high - first.low == pytest.approx(2 * half, rel=0.15)


def test_bootstrap_of_no_trades_is_undefined() -> None:
    assert math.isnan(bootstrap_mean_ci([]).mean)

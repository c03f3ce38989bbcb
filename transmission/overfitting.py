"""How likely a sweep's best result is an overfit: pure functions of returns, numpy only.

- `expected_max_sharpe`: the Sharpe ratio the best of N unskilled trials reaches by luck;
- `deflated_sharpe_ratio` (Bailey and Lopez de Prado, 2014): the probability that the chosen
  point's true Sharpe ratio exceeds that luck;
- `probability_of_backtest_overfitting` (Bailey, Borwein, Lopez de Prado and Zhu, 2015): by
  combinatorially symmetric cross-validation, how often the in-sample best ranks in the bottom
  half out of sample;
- `bootstrap_mean_ci`: a seeded percentile bootstrap of E[R].

Sharpe ratios here are per observation (not annualised): the mean over the standard deviation
(ddof=1) of the returns given (a sweep gives daily R).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = [
    "EULER_GAMMA",
    "Bootstrap",
    "DeflatedSharpe",
    "Pbo",
    "bootstrap_mean_ci",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "sharpe_ratio",
]

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()
FloatArray = npt.NDArray[np.float64]


def sharpe_ratio(returns: npt.ArrayLike) -> float:
    """Mean over standard deviation (ddof=1); nan with fewer than 2 returns or no spread."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return float("nan")
    std = float(values.std(ddof=1))
    return float(values.mean()) / std if std > 0 else float("nan")


def expected_max_sharpe(trials: int, variance: float) -> float:
    """E[max SR] of `trials` independent trials whose true Sharpe ratio is zero, given the
    variance of their estimated Sharpe ratios (the false strategy theorem's approximation)."""
    if trials < 1:
        raise ValueError(f"the number of trials must be at least 1, got {trials}")
    if not variance >= 0:
        raise ValueError(f"the variance of the trials' Sharpe ratios must be >= 0, got {variance}")
    if trials == 1:
        return 0.0
    inv = _NORMAL.inv_cdf
    spread = (1 - EULER_GAMMA) * inv(1 - 1 / trials) + EULER_GAMMA * inv(1 - 1 / (trials * math.e))
    return math.sqrt(variance) * spread


def probabilistic_sharpe_ratio(
    sharpe: float, observations: int, skewness: float, kurtosis: float, benchmark: float = 0.0
) -> float:
    """P[true SR > benchmark] for an estimate from `observations` returns of that skewness and
    (non-excess) kurtosis (Bailey and Lopez de Prado, 2012)."""
    if observations < 2:
        raise ValueError(f"a Sharpe ratio needs at least 2 observations, got {observations}")
    spread = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if not spread > 0:
        return float("nan")
    z = (sharpe - benchmark) * math.sqrt(observations - 1) / math.sqrt(spread)
    return _NORMAL.cdf(z)


@dataclass(frozen=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio and what went into it."""

    dsr: float
    sharpe: float
    expected_max_sharpe: float
    trials: int
    trials_variance: float
    observations: int
    skewness: float
    kurtosis: float


def deflated_sharpe_ratio(
    sharpe: float,
    observations: int,
    skewness: float,
    kurtosis: float,
    trials: int,
    trials_variance: float,
) -> DeflatedSharpe:
    """The probabilistic Sharpe ratio against the best Sharpe ratio N unskilled trials reach.

    `sharpe`, `skewness` and `kurtosis` (non-excess: 3 for normal returns) describe the chosen
    trial's returns; `trials_variance` is the variance of all trials' Sharpe ratios.
    """
    benchmark = expected_max_sharpe(trials, trials_variance)
    dsr = probabilistic_sharpe_ratio(sharpe, observations, skewness, kurtosis, benchmark)
    return DeflatedSharpe(
        dsr, sharpe, benchmark, trials, trials_variance, observations, skewness, kurtosis
    )


def deflated_sharpe_of(returns: npt.ArrayLike, trial_sharpes: npt.ArrayLike) -> DeflatedSharpe:
    """`deflated_sharpe_ratio` from the chosen trial's returns and every trial's Sharpe ratio."""
    values = np.asarray(returns, dtype=np.float64)
    sharpes = np.asarray(trial_sharpes, dtype=np.float64)
    sharpes = sharpes[np.isfinite(sharpes)]
    skewness, kurtosis = _moments(values)
    variance = float(sharpes.var(ddof=1)) if sharpes.size > 1 else 0.0
    return deflated_sharpe_ratio(
        sharpe_ratio(values), int(values.size), skewness, kurtosis, max(sharpes.size, 1), variance
    )


def _moments(values: FloatArray) -> tuple[float, float]:
    """Skewness and non-excess kurtosis (population moments, as in the papers)."""
    centred = values - values.mean() if values.size else values
    variance = float(np.mean(centred**2)) if values.size else 0.0
    if variance <= 0:
        return 0.0, 3.0
    return (
        float(np.mean(centred**3)) / variance**1.5,
        float(np.mean(centred**4)) / variance**2,
    )


@dataclass(frozen=True)
class Pbo:
    """The probability of backtest overfitting and the logits it counts."""

    pbo: float
    logits: FloatArray
    partitions: int
    combinations: int


def probability_of_backtest_overfitting(performance: npt.ArrayLike, partitions: int = 16) -> Pbo:
    """CSCV over a T x N matrix of returns (rows: time, columns: trials).

    The rows are cut into `partitions` (S, even) contiguous blocks; for each of the C(S, S/2)
    choices of half the blocks as in-sample, the trial with the best in-sample Sharpe ratio is
    ranked out of sample among all N; logit = ln(w / (1 - w)) with w = rank / (N + 1). PBO is the
    share of logits <= 0 (the in-sample best at or below the out-of-sample median).
    """
    matrix = np.asarray(performance, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"the performance matrix must be T x N, got shape {matrix.shape}")
    rows, trials = matrix.shape
    if partitions < 2 or partitions % 2:
        raise ValueError(f"partitions must be even and at least 2, got {partitions}")
    if rows < partitions:
        raise ValueError(f"{rows} rows cannot make {partitions} partitions")
    if trials < 2:
        raise ValueError(f"PBO compares trials: it needs at least 2, got {trials}")
    blocks = np.array_split(np.arange(rows), partitions)
    logits = []
    for chosen in combinations(range(partitions), partitions // 2):
        inside = np.zeros(rows, dtype=bool)
        for block in chosen:
            inside[blocks[block]] = True
        best = int(np.argmax(_sharpes(matrix[inside])))
        outside = _sharpes(matrix[~inside])
        # The rank among all trials (1 = worst), ties at their average rank.
        rank = float(np.sum(outside < outside[best]) + (np.sum(outside == outside[best]) + 1) / 2)
        w = rank / (trials + 1)
        logits.append(math.log(w / (1 - w)))
    values = np.asarray(logits)
    return Pbo(float(np.mean(values <= 0)), values, partitions, len(values))


def _sharpes(matrix: FloatArray) -> FloatArray:
    std = matrix.std(axis=0, ddof=1)
    mean = matrix.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpes = np.where(std > 0, mean / np.where(std > 0, std, 1.0), 0.0)
    return np.asarray(sharpes, dtype=np.float64)


@dataclass(frozen=True)
class Bootstrap:
    """A percentile bootstrap confidence interval of a mean."""

    mean: float
    low: float
    high: float
    level: float
    resamples: int


def bootstrap_mean_ci(
    values: npt.ArrayLike, *, level: float = 0.95, resamples: int = 2000, seed: int | None = 0
) -> Bootstrap:
    """The mean of `values` (a point's trade R) and its percentile bootstrap interval."""
    data = np.asarray(values, dtype=np.float64)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if data.size == 0:
        nan = float("nan")
        return Bootstrap(nan, nan, nan, level, resamples)
    rng = np.random.default_rng(seed)
    # In chunks: resamples x n indices at once would be 160 MB for 10,000 trades.
    chunk = max(1, 2_000_000 // data.size)
    means = np.concatenate(
        [
            data[rng.integers(0, data.size, size=(min(chunk, resamples - i), data.size))].mean(1)
            for i in range(0, resamples, chunk)
        ]
    )
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Bootstrap(float(data.mean()), float(low), float(high), level, resamples)

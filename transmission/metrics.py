"""Trade performance in R (DESIGN.md section 9): one implementation of every figure.

Everything here is a pure function of trade results `result_r`, ordered oldest to newest. A win
is R > 0 and a loss R < 0; R == 0 counts in n only. The ratio figures (profit factor, E[R], win
rate and its Wilson lower bound, average win and loss) come from one array formula,
`_ratio_arrays`, shared by `compute_metrics` (one window) and `rolling_metrics` (every window), so
the two cannot drift apart. `metrics_frame` calls `compute_metrics` once per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeAlias, get_type_hints

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "DEFAULT_WINDOW",
    "GROUP_COLUMNS",
    "WILSON_Z_95",
    "PerformanceMetrics",
    "breakeven_win_rate",
    "compute_metrics",
    "drawdown_r",
    "equity_curve_r",
    "metrics_frame",
    "rolling_metrics",
    "wilson_lower_bound",
]

WILSON_Z_95 = 1.959964
DEFAULT_WINDOW = 20
GROUP_COLUMNS: dict[str, str] = {"strategy": "strategy_used", "regime": "regime"}

ResultR: TypeAlias = Sequence[float] | np.ndarray | pd.Series
FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PerformanceMetrics:
    """Performance of a run of trades, in R.

    Unprefixed ratio figures cover the last `window_trades` trades; `all_*` figures and the totals
    (`total_*`, `max_drawdown_r`, `sqn`) cover every trade. None means undefined (no trades, no
    wins, ...). An infinite profit factor (wins, no losses) is None with its `*_infinite` flag
    set; so is a ratio too large for a float, which only losses of ~1e-300 R can produce.
    """

    window_trades: int
    profit_factor: float | None
    profit_factor_infinite: bool
    expected_r: float | None
    win_rate: float | None
    win_rate_wilson_lb: float | None
    total_trades: int
    total_wins: int
    total_losses: int
    avg_win_r: float | None
    avg_loss_r: float | None
    total_r: float
    max_drawdown_r: float
    sqn: float | None
    all_profit_factor: float | None
    all_profit_factor_infinite: bool
    all_expected_r: float | None
    all_win_rate: float | None
    all_win_rate_wilson_lb: float | None
    all_avg_win_r: float | None
    all_avg_loss_r: float | None

    def to_dict(self) -> dict[str, int | float | bool | None]:
        """Plain JSON-safe Python values (no numpy scalars; no inf or nan, which become None)."""
        return {field.name: _json_safe(getattr(self, field.name)) for field in fields(self)}


def wilson_lower_bound(wins: int, n: int, z: float = WILSON_Z_95) -> float | None:
    """Wilson score lower bound of the win rate `wins / n`, clamped to [0, 1]; None when n = 0."""
    if n < 0 or wins < 0 or wins > n:
        raise ValueError(f"need 0 <= wins <= n, got wins={wins}, n={n}")
    if z <= 0:
        raise ValueError(f"z must be positive, got {z}")
    if n == 0:
        return None
    bound = _wilson_lower_bound_array(np.array([wins], dtype=np.int64), np.array([n]), z)
    return float(bound[0])


def breakeven_win_rate(avg_win_r: float | None, avg_loss_r: float | None) -> float | None:
    """Win rate at which E[R] = 0: |avg loss| / (avg win + |avg loss|).

    None when either average is None or NaN, or when there is no positive average win.
    """
    if avg_win_r is None or avg_loss_r is None:
        return None
    if math.isnan(avg_win_r) or math.isnan(avg_loss_r) or avg_win_r <= 0:
        return None
    loss = abs(avg_loss_r)
    return loss / (avg_win_r + loss)


def equity_curve_r(result_r: ResultR) -> FloatArray:
    """Cumulative R after each trade."""
    return np.cumsum(_as_result_array(result_r))


def drawdown_r(result_r: ResultR) -> FloatArray:
    """Drop (>= 0) of cumulative R from its running peak after each trade; the peak starts at 0."""
    equity = equity_curve_r(result_r)
    peak = np.maximum.accumulate(np.maximum(equity, 0.0))
    return peak - equity


def compute_metrics(result_r: ResultR, window: int | None = None) -> PerformanceMetrics:
    """Every section 9 figure of `result_r` (oldest first).

    The window split: `window_trades`, `profit_factor`, `expected_r`, `win_rate`,
    `win_rate_wilson_lb`, `avg_win_r` and `avg_loss_r` cover the last `window` trades (all of them
    when `window` is None or at least n); their `all_*` twins, the totals, `max_drawdown_r` and
    `sqn` always cover every trade. `sqn` is None when n < 2 or all results are equal (std = 0).
    """
    _check_window(window)
    values = _as_result_array(result_r)
    n = values.size
    everything = _ratio_figures(values)
    recent = everything if window is None or window >= n else _ratio_figures(values[n - window :])
    sqn = None
    # Equal results have std 0 in exact arithmetic even when rounding leaves a residue.
    if n >= 2 and not np.all(values == values[0]):
        std = float(np.std(values, ddof=1))
        sqn = math.sqrt(n) * float(np.mean(values)) / std if std > 0 else None
    return PerformanceMetrics(
        window_trades=recent.n,
        profit_factor=recent.profit_factor,
        profit_factor_infinite=recent.profit_factor_infinite,
        expected_r=recent.expected_r,
        win_rate=recent.win_rate,
        win_rate_wilson_lb=recent.win_rate_wilson_lb,
        total_trades=n,
        total_wins=everything.wins,
        total_losses=everything.losses,
        avg_win_r=recent.avg_win_r,
        avg_loss_r=recent.avg_loss_r,
        total_r=everything.sum_r,
        max_drawdown_r=float(drawdown_r(values).max()) if n else 0.0,
        sqn=sqn,
        all_profit_factor=everything.profit_factor,
        all_profit_factor_infinite=everything.profit_factor_infinite,
        all_expected_r=everything.expected_r,
        all_win_rate=everything.win_rate,
        all_win_rate_wilson_lb=everything.win_rate_wilson_lb,
        all_avg_win_r=everything.avg_win_r,
        all_avg_loss_r=everything.avg_loss_r,
    )


def metrics_frame(
    trades: pd.DataFrame, window: int | None = None, by: str | None = None
) -> pd.DataFrame:
    """`compute_metrics` per group of `trades`, one row per group, a column per field.

    `trades` needs `result_r` and `timestamp_exit` (trades are ordered by it, then by `trade_id`
    when present). `by` is None (one row labelled "all"), "strategy" (groups of `strategy_used`)
    or "regime" (groups of `regime`); the index is named after the grouping column. None values
    become NaN; an infinite profit factor is NaN with its flag column True.
    """
    if by is not None and by not in GROUP_COLUMNS:
        allowed = ", ".join(repr(name) for name in GROUP_COLUMNS)
        raise ValueError(f"by must be None or one of {allowed}, got {by!r}")
    _check_window(window)
    group_column = None if by is None else GROUP_COLUMNS[by]
    required = ["result_r", "timestamp_exit", *([group_column] if group_column else [])]
    missing = [column for column in required if column not in trades.columns]
    if missing:
        raise ValueError(f"trades lacks column(s) {', '.join(missing)}")
    order = ["timestamp_exit", "trade_id"] if "trade_id" in trades.columns else ["timestamp_exit"]
    ordered = trades.sort_values(order, kind="stable")
    keys: list[Any] = []
    rows: list[PerformanceMetrics] = []
    if group_column is None:
        keys.append("all")
        rows.append(compute_metrics(ordered["result_r"], window))
    else:
        for key, results in ordered.groupby(group_column, sort=True, dropna=False)["result_r"]:
            keys.append(key)
            rows.append(compute_metrics(results, window))
    columns = {
        field.name: pd.Series(
            [getattr(row, field.name) for row in rows], dtype=_FRAME_DTYPES[field.name]
        )
        for field in fields(PerformanceMetrics)
    }
    frame = pd.DataFrame(columns)
    frame.index = pd.Index(keys, name=group_column)
    return frame


def rolling_metrics(result_r: ResultR, window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Ratio figures over the last `window` trades at every trade (trades i-window+1 .. i).

    Columns: window_trades, profit_factor, expected_r, win_rate, win_rate_wilson_lb, avg_win_r,
    avg_loss_r. Same numbers as `compute_metrics` on each slice (up to float rounding of the
    running sums), except that undefined values are NaN and an infinite profit factor is inf.
    The index is that of `result_r` when it is a Series, else a RangeIndex.
    """
    _check_window(window)
    values = _as_result_array(result_r)
    wins = values > 0
    losses = values < 0
    n = np.minimum(np.arange(1, values.size + 1, dtype=np.int64), window)
    n_wins = _rolling_count(wins, window)
    n_losses = _rolling_count(losses, window)
    # Where a window holds no win (loss), its sum is exactly 0, not the running sum's residue.
    win_sum = np.where(n_wins > 0, _rolling_sum(np.where(wins, values, 0.0), window), 0.0)
    loss_sum = np.where(n_losses > 0, _rolling_sum(np.where(losses, values, 0.0), window), 0.0)
    figures = _ratio_arrays(n, n_wins, n_losses, win_sum, loss_sum)
    index = result_r.index if isinstance(result_r, pd.Series) else pd.RangeIndex(values.size)
    return pd.DataFrame({"window_trades": n, **figures}, index=index)


@dataclass(frozen=True, slots=True)
class _RatioFigures:
    """The ratio figures of one run of trades, None where undefined."""

    n: int
    wins: int
    losses: int
    sum_r: float
    profit_factor: float | None
    profit_factor_infinite: bool
    expected_r: float | None
    win_rate: float | None
    win_rate_wilson_lb: float | None
    avg_win_r: float | None
    avg_loss_r: float | None


def _ratio_figures(values: FloatArray) -> _RatioFigures:
    wins = values > 0
    losses = values < 0
    win_sum = float(values[wins].sum())
    loss_sum = float(values[losses].sum())
    n_wins = int(wins.sum())
    n_losses = int(losses.sum())
    figures = _ratio_arrays(
        np.array([values.size]),
        np.array([n_wins]),
        np.array([n_losses]),
        np.array([win_sum]),
        np.array([loss_sum]),
    )
    first = {name: float(array[0]) for name, array in figures.items()}
    profit_factor = first["profit_factor"]
    return _RatioFigures(
        n=values.size,
        wins=n_wins,
        losses=n_losses,
        sum_r=win_sum + loss_sum,
        profit_factor=_finite_or_none(profit_factor),
        profit_factor_infinite=math.isinf(profit_factor),
        expected_r=_finite_or_none(first["expected_r"]),
        win_rate=_finite_or_none(first["win_rate"]),
        win_rate_wilson_lb=_finite_or_none(first["win_rate_wilson_lb"]),
        avg_win_r=_finite_or_none(first["avg_win_r"]),
        avg_loss_r=_finite_or_none(first["avg_loss_r"]),
    )


def _ratio_arrays(
    n: IntArray,
    n_wins: IntArray,
    n_losses: IntArray,
    win_sum: FloatArray,
    loss_sum: FloatArray,
) -> dict[str, FloatArray]:
    """The ratio formulas, elementwise over windows; NaN where undefined, inf for PF without losses.

    `win_sum` / `loss_sum` must be exactly 0 where a window has no win / loss.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        no_loss_pf = np.where(n_wins > 0, np.inf, np.nan)
        return {
            "profit_factor": np.where(n_losses > 0, win_sum / -loss_sum, no_loss_pf),
            "expected_r": np.where(n > 0, (win_sum + loss_sum) / n, np.nan),
            "win_rate": np.where(n > 0, n_wins / n, np.nan),
            "win_rate_wilson_lb": _wilson_lower_bound_array(n_wins, n, WILSON_Z_95),
            "avg_win_r": np.where(n_wins > 0, win_sum / n_wins, np.nan),
            "avg_loss_r": np.where(n_losses > 0, loss_sum / n_losses, np.nan),
        }


def _wilson_lower_bound_array(wins: IntArray, n: IntArray, z: float) -> FloatArray:
    """Wilson score lower bound, elementwise, clamped to [0, 1]; NaN where n = 0."""
    trials = n.astype(np.float64)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = wins / trials
        centre = rate + z2 / (2.0 * trials)
        margin = z * np.sqrt(rate * (1.0 - rate) / trials + z2 / (4.0 * trials * trials))
        bound = (centre - margin) / (1.0 + z2 / trials)
    # With no wins the bound is exactly 0; the formula leaves a rounding residue of ~1e-18.
    bound = np.where(wins > 0, np.clip(bound, 0.0, 1.0), 0.0)
    return np.where(n > 0, bound, np.nan)


def _rolling_count(flags: npt.NDArray[np.bool_], window: int) -> IntArray:
    counts = np.cumsum(flags, dtype=np.int64)
    counts[window:] -= counts[:-window].copy()
    return counts


def _rolling_sum(values: FloatArray, window: int) -> FloatArray:
    # pandas' rolling sum is O(n) and compensated (Kahan), so long runs do not accumulate error.
    summed = pd.Series(values).rolling(window, min_periods=1).sum()
    return summed.to_numpy(dtype=np.float64)


def _as_result_array(result_r: ResultR) -> FloatArray:
    if isinstance(result_r, pd.Series):
        values = result_r.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(result_r, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"result_r must be one-dimensional, got {values.ndim} dimensions")
    finite = np.isfinite(values)
    if not finite.all():
        position = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"result_r must be finite, got {values[position]} at position {position}")
    return values


def _check_window(window: int | None) -> None:
    if window is not None and window <= 0:
        raise ValueError(f"window must be a positive number of trades, got {window}")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_safe(value: object) -> int | float | bool | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite_or_none(float(value))
    raise TypeError(f"not a metric value: {value!r}")


def _frame_dtype(annotation: object) -> str:
    if annotation is bool:
        return "bool"
    return "int64" if annotation is int else "float64"


# metrics_frame column dtypes, from the annotations: None in a float | None field becomes NaN.
_FRAME_DTYPES: dict[str, str] = {
    name: _frame_dtype(annotation)
    for name, annotation in get_type_hints(PerformanceMetrics).items()
}

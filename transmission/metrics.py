"""Trade performance in R (DESIGN.md section 9): one implementation of every figure.

Everything here is a pure function of trade results `result_r`, ordered oldest to newest (and,
for `trade_stats`, of the trades' times and dollars and the run's bars). A win
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
    "MIN_TRADES_TO_JUDGE",
    "WILSON_Z_95",
    "PerformanceMetrics",
    "TradeStats",
    "breakeven_win_rate",
    "compute_metrics",
    "daily_pnl",
    "drawdown_r",
    "equity_curve_r",
    "equity_over_time",
    "excursions",
    "exposure",
    "longest_streaks",
    "metrics_frame",
    "rolling_metrics",
    "sample_warning",
    "sharpe_ratio",
    "sortino_ratio",
    "trade_stats",
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


# --- stats beyond R: time, dollars, excursions, streaks (DESIGN.md section 12) -----------------

TRADING_DAYS_PER_YEAR = 252
MIN_TRADES_TO_JUDGE = 30
SMALL_SAMPLE_RULE = (
    f"fewer than {MIN_TRADES_TO_JUDGE} trades: too few to judge an edge (E[R]'s standard error "
    "is std(R) / sqrt(n), as large as a typical edge at this size)"
)


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Figures of a run beyond R ratios: daily P&L, time in market, durations, excursions, streaks.

    Sharpe and Sortino are of daily P&L in $ over every trading day of the period (days without
    trades count as 0), annualised by sqrt(252); Sortino's downside deviation is the root mean
    square of the negative days over all days (target 0). Exposure is the share of the period's
    1-minute bars during which a position was open. MAE and MFE are in R: the worst and the best
    price the position saw (the lows and highs of the bars from entry to exit, the entry bar
    included), as R of the trade (<= 0 and >= 0). None where undefined (no trades, no bars,
    a zero deviation).
    """

    trades: int
    trading_days: int
    total_pnl_usd: float
    sharpe_daily: float | None
    sortino_daily: float | None
    exposure: float | None
    avg_duration_minutes: float | None
    median_duration_minutes: float | None
    max_duration_minutes: float | None
    avg_mae_r: float | None
    avg_mfe_r: float | None
    worst_mae_r: float | None
    best_mfe_r: float | None
    longest_win_streak: int
    longest_loss_streak: int
    best_trade_r: float | None
    worst_trade_r: float | None
    sample_warning: str | None

    def to_dict(self) -> dict[str, int | float | bool | str | None]:
        """Plain JSON-safe values (no numpy scalars; no inf or nan)."""
        plain: dict[str, int | float | bool | str | None] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            plain[field.name] = value if isinstance(value, str) else _json_safe(value)
        return plain


def sample_warning(n_trades: int) -> str | None:
    """The small-sample warning for `n_trades`, None from `MIN_TRADES_TO_JUDGE` trades on."""
    if n_trades >= MIN_TRADES_TO_JUDGE:
        return None
    return f"only {n_trades} trade{'s' if n_trades != 1 else ''}: {SMALL_SAMPLE_RULE}"


def equity_over_time(trades: pd.DataFrame) -> pd.DataFrame:
    """Cumulative P&L in $ and in R at each trade's exit time (index `timestamp_exit`)."""
    ordered = _in_exit_order(trades)
    return pd.DataFrame(
        {
            "equity_usd": ordered["pnl_usd"].cumsum().to_numpy(dtype=np.float64),
            "equity_r": equity_curve_r(ordered["result_r"]),
        },
        index=pd.DatetimeIndex(ordered["timestamp_exit"], name="timestamp_exit"),
    )


def daily_pnl(trades: pd.DataFrame, trading_days: Sequence[Any] | None = None) -> pd.DataFrame:
    """P&L in $ and R per trading day (by exit day), with every given day present (0 when flat)."""
    days = pd.to_datetime(trades["trading_day"]).dt.normalize()
    daily = (
        trades.assign(trading_day=days)
        .groupby("trading_day")[["pnl_usd", "result_r"]]
        .sum()
        .astype(np.float64)
    )
    if trading_days is not None:
        index = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(trading_days)))).normalize()
        daily = daily.reindex(index.union(pd.DatetimeIndex(daily.index)), fill_value=0.0)
    daily.index.name = "trading_day"
    return daily


def sharpe_ratio(
    daily: Sequence[float] | FloatArray, periods: int = TRADING_DAYS_PER_YEAR
) -> float | None:
    """Annualised Sharpe ratio (zero risk-free rate) of per-period P&L; None below 2 periods."""
    values = np.asarray(daily, dtype=np.float64)
    if values.size < 2:
        return None
    std = float(np.std(values, ddof=1))
    return _finite_or_none(float(np.mean(values)) / std * math.sqrt(periods)) if std > 0 else None


def sortino_ratio(
    daily: Sequence[float] | FloatArray, periods: int = TRADING_DAYS_PER_YEAR
) -> float | None:
    """Annualised Sortino ratio (target 0): mean over the downside deviation of all periods."""
    values = np.asarray(daily, dtype=np.float64)
    if values.size < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(values, 0.0) ** 2)))
    if downside == 0:
        return None
    return _finite_or_none(float(np.mean(values)) / downside * math.sqrt(periods))


def longest_streaks(result_r: ResultR) -> tuple[int, int]:
    """(longest run of wins, longest run of losses); a zero-R trade ends both."""
    values = _as_result_array(result_r)
    return _longest_run(values > 0), _longest_run(values < 0)


def excursions(trades: pd.DataFrame, bars: pd.DataFrame, point_value: float) -> pd.DataFrame:
    """MAE and MFE of each trade in R, from the bars it was open over (entry bar to exit bar).

    `trades` needs timestamp_entry, timestamp_exit, entry_price, trade_type, contracts and
    risk_usd; `bars` ts, high and low (1-minute bars). Index: that of `trades`.
    """
    ts = _epoch_ns(bars["ts"])
    high = bars["high"].to_numpy(dtype=np.float64)
    low = bars["low"].to_numpy(dtype=np.float64)
    first = np.searchsorted(ts, _epoch_ns(trades["timestamp_entry"]), side="left")
    last = np.searchsorted(ts, _epoch_ns(trades["timestamp_exit"]), side="right")
    entry = trades["entry_price"].to_numpy(dtype=np.float64)
    long = (trades["trade_type"] == "Long").to_numpy()
    per_point = (
        trades["contracts"].to_numpy(dtype=np.float64)
        * point_value
        / trades["risk_usd"].to_numpy(dtype=np.float64)
    )
    mae = np.full(len(trades), np.nan)
    mfe = np.full(len(trades), np.nan)
    for i, (a, b) in enumerate(zip(first, last, strict=True)):
        if b <= a:
            continue
        lowest, highest = float(low[a:b].min()), float(high[a:b].max())
        worst, best = (lowest, highest) if long[i] else (highest, lowest)
        side = 1.0 if long[i] else -1.0
        mae[i] = min(0.0, (worst - entry[i]) * side * per_point[i])
        mfe[i] = max(0.0, (best - entry[i]) * side * per_point[i])
    return pd.DataFrame({"mae_r": mae, "mfe_r": mfe}, index=trades.index)


def exposure(trades: pd.DataFrame, bars: pd.DataFrame) -> float | None:
    """Share of the bars at which a position was open (entry bar up to, not including, exit)."""
    if len(bars) == 0:
        return None
    ts = _epoch_ns(bars["ts"])
    inside = np.zeros(len(ts) + 1, dtype=np.int64)
    np.add.at(inside, np.searchsorted(ts, _epoch_ns(trades["timestamp_entry"]), "left"), 1)
    np.add.at(inside, np.searchsorted(ts, _epoch_ns(trades["timestamp_exit"]), "left"), -1)
    return float((np.cumsum(inside[:-1]) > 0).mean())


def trade_stats(
    trades: pd.DataFrame,
    bars: pd.DataFrame | None = None,
    *,
    point_value: float | None = None,
    trading_days: Sequence[Any] | None = None,
) -> TradeStats:
    """Every `TradeStats` figure of `trades` (the journal's trade fields).

    `bars` (the run's 1-minute bars) gives exposure and, with `point_value`, MAE/MFE;
    `trading_days` (every day of the period) lets flat days count in Sharpe and Sortino; without
    it only days with an exit count.
    """
    ordered = _in_exit_order(trades)
    n = len(ordered)
    results = ordered["result_r"].to_numpy(dtype=np.float64) if n else np.array([])
    daily = (
        daily_pnl(ordered, trading_days)["pnl_usd"].to_numpy()
        if n or trading_days
        else np.array([])
    )
    minutes = (
        pd.to_datetime(ordered["timestamp_exit"]) - pd.to_datetime(ordered["timestamp_entry"])
    ).dt.total_seconds().to_numpy(dtype=np.float64) / 60.0
    mae = mfe = np.array([])
    if bars is not None and point_value is not None and n:
        found = excursions(ordered, bars, point_value)
        mae, mfe = found["mae_r"].dropna().to_numpy(), found["mfe_r"].dropna().to_numpy()
    wins, losses = longest_streaks(results)
    return TradeStats(
        trades=n,
        trading_days=len(daily),
        total_pnl_usd=float(ordered["pnl_usd"].sum()) if n else 0.0,
        sharpe_daily=sharpe_ratio(daily),
        sortino_daily=sortino_ratio(daily),
        exposure=exposure(ordered, bars) if bars is not None else None,
        avg_duration_minutes=_stat(np.mean, minutes),
        median_duration_minutes=_stat(np.median, minutes),
        max_duration_minutes=_stat(np.max, minutes),
        avg_mae_r=_stat(np.mean, mae),
        avg_mfe_r=_stat(np.mean, mfe),
        worst_mae_r=_stat(np.min, mae),
        best_mfe_r=_stat(np.max, mfe),
        longest_win_streak=wins,
        longest_loss_streak=losses,
        best_trade_r=_stat(np.max, results),
        worst_trade_r=_stat(np.min, results),
        sample_warning=sample_warning(n),
    )


def _stat(func: Any, values: Any) -> float | None:
    return float(func(values)) if len(values) else None


def _longest_run(flags: npt.NDArray[np.bool_]) -> int:
    if not flags.any():
        return 0
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


def _epoch_ns(ts: pd.Series) -> IntArray:
    series = pd.to_datetime(pd.Series(ts))
    if series.dt.tz is None:
        series = series.dt.tz_localize("UTC")
    return np.asarray(series.dt.as_unit("ns").astype("int64"), dtype=np.int64)


def _in_exit_order(trades: pd.DataFrame) -> pd.DataFrame:
    order = ["timestamp_exit", "trade_id"] if "trade_id" in trades.columns else ["timestamp_exit"]
    return trades.sort_values(order, kind="stable").reset_index(drop=True)


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

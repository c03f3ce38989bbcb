"""`walk_forward`: optimise in each in-sample window, trade the choice in the next one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transmission.lab.data import as_source
from transmission.metrics import PerformanceMetrics, compute_metrics
from transmission.sweep.cluster import get_client, share
from transmission.sweep.core import Progress, run_sweep
from transmission.sweep.data import day_bounds
from transmission.sweep.grid import Constraint, expand
from transmission.sweep.result import objective_column
from transmission.sweep.spec import SweepSpec


@dataclass(frozen=True)
class WalkForwardResult:
    """Per window: the parameters chosen in sample and how they did out of sample; the
    out-of-sample trades stitched into one equity curve and one set of metrics."""

    windows: pd.DataFrame
    params: list[str]
    objective: str
    oos_trades: pd.DataFrame
    metrics: PerformanceMetrics

    @property
    def equity(self) -> pd.Series:
        """Cumulative out-of-sample R by exit time."""
        return pd.Series(
            self.oos_trades["result_r"].cumsum().to_numpy(),
            index=pd.DatetimeIndex(self.oos_trades["timestamp_exit"]),
            name="equity_r",
        )

    @property
    def stability(self) -> pd.DataFrame:
        """The parameters chosen in each window (how stable the optimum is)."""
        return self.windows[["test_start", *self.params]]

    @property
    def degradation(self) -> dict[str, float | None]:
        """In-sample vs out-of-sample objective: the means, their difference and the ratio
        (walk-forward efficiency, OOS / IS; None unless the in-sample mean is positive)."""
        is_mean = _mean(self.windows["is_objective"])
        oos_mean = _mean(self.windows["oos_objective"])
        ratio = None
        # Walk-forward efficiency means something only for a positive in-sample objective.
        if is_mean is not None and oos_mean is not None and is_mean > 0:
            ratio = oos_mean / is_mean
        difference = None if is_mean is None or oos_mean is None else oos_mean - is_mean
        return {"is_mean": is_mean, "oos_mean": oos_mean, "difference": difference,
                "efficiency": ratio}  # fmt: skip

    def plot(self) -> Any:
        """The out-of-sample equity curve in R against time (plotly)."""
        import plotly.graph_objects as go

        equity = self.equity
        figure = go.Figure(go.Scatter(x=equity.index, y=equity.to_numpy(), mode="lines"))
        for start in self.windows["test_start"]:
            figure.add_vline(x=start, line_dash="dot", line_color="grey")
        figure.update_layout(title="walk-forward: out-of-sample equity (R)", yaxis_title="R")
        return figure

    def _repr_html_(self) -> str:
        d = self.degradation
        return (
            f"<p><b>Walk-forward</b>: {len(self.windows)} windows, {self.metrics.total_trades} "
            f"out-of-sample trades, total {self.metrics.total_r:.2f} R; IS {d['is_mean']} vs "
            f"OOS {d['oos_mean']} ({self.objective})</p>" + self.windows.to_html()
        )


def walk_forward(
    data: Any,
    strategy: Any,
    grid: Mapping[str, Sequence[Any] | Any],
    *,
    train_days: int,
    test_days: int,
    anchored: bool = False,
    objective: str = "expected_r",
    constraint: Constraint | None = None,
    risk: dict[str, Any] | None = None,
    config: Any = None,
    start: Any = None,
    end: Any = None,
    client: Any = None,
    max_tries: int | float | None = None,
    seed: int | None = None,
    journal: str | Path | None = None,
    progress: Progress = True,
) -> WalkForwardResult:
    """Roll (or, `anchored`, grow) a `train_days` in-sample window over the trading days; in
    each, `sweep` the grid and run its best point on the next `test_days` days.

    Each window's runs start from a fresh engine on that window's bars (features warm up in
    the window). Every sweep is journalled, so a walk-forward resumes like a sweep. `data`,
    `strategy` and `config` take what `tm.sweep` (and `tm.backtest`) take.
    """
    if train_days < 1 or test_days < 1:
        raise ValueError(f"train_days and test_days must be >= 1, got {train_days}, {test_days}")
    spec = SweepSpec.build(config, strategy, risk=risk)
    source = as_source(data, spec.symbol, start=start, end=end)
    points = expand(grid, constraint=constraint, max_tries=max_tries, seed=seed)
    bounds = day_bounds(source)
    days = list(bounds.index)
    if len(days) < train_days + test_days:
        raise ValueError(
            f"{len(days)} trading days cannot hold a {train_days}-day training window and a "
            f"{test_days}-day test window"
        )
    column, _ = objective_column(objective)
    cluster = get_client(client)
    shared = share(cluster, source)  # the bars go to the workers once for every window
    rows, trades = [], []
    for number, test_at in enumerate(range(train_days, len(days) - test_days + 1, test_days)):
        train = days[0 if anchored else test_at - train_days : test_at]
        test = days[test_at : test_at + test_days]
        common = {"objective": objective, "client": cluster, "seed": seed, "journal": journal,
                  "shared": shared}  # fmt: skip
        insample = run_sweep(
            source, spec.with_window(_window(bounds, train)), points,
            progress=progress, kind="walk_forward_is", **common,
        )  # fmt: skip
        chosen = insample.best_params
        outsample = run_sweep(
            source, spec.with_window(_window(bounds, test)), [chosen],
            progress=False, kind="walk_forward_oos", **common,
        )  # fmt: skip
        oos = outsample.frame.iloc[0]
        series = outsample.series[0]
        trades.append(
            pd.DataFrame(
                {
                    "window": number,
                    "timestamp_exit": pd.to_datetime(series["trade_exit_ns"], unit="ns", utc=True),
                    "result_r": series["trade_r"],
                }
            )
        )
        rows.append(
            {
                "window": number,
                "train_start": train[0],
                "train_end": train[-1],
                "test_start": test[0],
                "test_end": test[-1],
                **chosen,
                "is_objective": insample.best[column],
                "oos_objective": oos[column],
                "is_trades": int(insample.best["trades"]),
                "oos_trades": int(oos["trades"]),
                "oos_total_r": float(oos["total_r"]),
            }
        )
    cluster.cancel([shared])
    oos_trades = pd.concat(trades, ignore_index=True).sort_values("timestamp_exit", kind="stable")
    oos_trades = oos_trades.reset_index(drop=True)
    metrics = compute_metrics(oos_trades["result_r"].to_numpy(np.float64))
    return WalkForwardResult(pd.DataFrame(rows), list(points[0]), objective, oos_trades, metrics)


def _window(bounds: pd.DataFrame, days: list[str]) -> tuple[int, int]:
    first: Any = bounds.loc[days[0], "min"]
    last: Any = bounds.loc[days[-1], "max"]
    return int(first), int(last) + 1


def _mean(values: pd.Series) -> float | None:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return float(numbers.mean()) if len(numbers) else None

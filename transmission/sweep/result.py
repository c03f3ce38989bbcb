"""SweepResult: a row per grid point, the best point, a heatmap and the overfitting statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from transmission.overfitting import (
    bootstrap_mean_ci,
    deflated_sharpe_of,
    probability_of_backtest_overfitting,
)

# What each row carries besides the table: read by the statistics, not shown.
SERIES_KEYS = ("daily_r", "trade_r", "trade_exit_ns")
MAX_PARTITIONS = 16


def objective_column(objective: str) -> tuple[str, bool]:
    """(column, maximise): "-max_drawdown_r" minimises."""
    return (objective[1:], False) if objective.startswith("-") else (objective, True)


@dataclass
class SweepResult:
    """A sweep's rows (DataFrame-like: indexing, `len`, and every DataFrame attribute reach
    `.frame`), the chosen point, and how likely it is an overfit."""

    frame: pd.DataFrame
    params: list[str]
    objective: str
    sweep_id: str
    days: list[str]
    series: list[dict[str, Any]] = field(repr=False)
    seed: int | None = None
    recomputed: int = 0

    # -- DataFrame-like --------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in {"frame", "series"}:
            raise AttributeError(name)
        return getattr(self.frame, name)

    def __getitem__(self, key: Any) -> Any:
        return self.frame[key]

    def __len__(self) -> int:
        return len(self.frame)

    def _repr_html_(self) -> str:
        stats = self.overfitting()
        head = (
            f"<p><b>Sweep {self.sweep_id}</b>: {len(self)} points, objective "
            f"<code>{self.objective}</code>; best {self.best_params}; deflated Sharpe "
            f"{_fmt(stats['dsr'])}, PBO {_fmt(stats['pbo'])}, E[R] {_fmt(stats['expected_r'])} "
            f"[{_fmt(stats['expected_r_low'])}, {_fmt(stats['expected_r_high'])}]</p>"
        )
        return head + self.ranked().head(10).to_html()

    # -- the chosen point ------------------------------------------------------------------------

    def ranked(self) -> pd.DataFrame:
        """The rows best first by the objective (points without a value last)."""
        column, maximise = objective_column(self.objective)
        return self.frame.sort_values(column, ascending=not maximise, na_position="last")

    @property
    def best_index(self) -> int:
        column, maximise = objective_column(self.objective)
        values = pd.to_numeric(self.frame[column], errors="coerce")
        if values.notna().sum() == 0:
            raise ValueError(f"no point has a value of {column!r}: nothing to choose")
        found: Any = values.idxmax() if maximise else values.idxmin()
        return int(found)

    @property
    def best(self) -> pd.Series:
        """The row of the best point by the objective."""
        row: pd.Series = self.frame.iloc[self.frame.index.get_loc(self.best_index)]  # type: ignore[assignment]
        return row

    @property
    def best_params(self) -> dict[str, Any]:
        row = self.best
        return {name: _plain(row[name]) for name in self.params}

    # -- overfitting -----------------------------------------------------------------------------

    def daily_r(self) -> pd.DataFrame:
        """Trading days x points: each point's R a day (0 on days without trades)."""
        matrix = np.zeros((len(self.days), len(self.series)))
        position = {day: i for i, day in enumerate(self.days)}
        for j, series in enumerate(self.series):
            for day, r in series["daily_r"].items():
                if day in position:
                    matrix[position[day], j] = r
        return pd.DataFrame(matrix, index=self.days, columns=self.frame.index)

    def overfitting(self, *, partitions: int | None = None) -> dict[str, Any]:
        """The deflated Sharpe ratio of the best point (daily R, against every point's Sharpe
        ratio), the PBO by CSCV over the daily R matrix, and a bootstrap interval of its E[R]."""
        matrix = self.daily_r().to_numpy()
        best = self.best_index if len(self) else None
        out: dict[str, Any] = {"trials": len(self), "days": len(self.days)}
        if best is None or len(self.days) < 2:
            return (
                out
                | dict.fromkeys(("dsr", "pbo", "expected_r", "expected_r_low"), None)
                | {"expected_r_high": None}
            )
        column = int(np.flatnonzero(self.frame.index == best)[0])
        sharpes = self.frame["sharpe"].to_numpy(np.float64)
        dsr = deflated_sharpe_of(matrix[:, column], sharpes)
        out |= {
            "sharpe": _none(dsr.sharpe),
            "expected_max_sharpe": _none(dsr.expected_max_sharpe),
            "dsr": _none(dsr.dsr),
        }
        # At least two days a partition: a Sharpe ratio of one day is undefined.
        half = len(self.days) // 2
        count = partitions or min(MAX_PARTITIONS, half - half % 2)
        out["pbo"] = out["pbo_partitions"] = None
        if len(self) >= 2 and count >= 2:
            out["pbo"] = probability_of_backtest_overfitting(matrix, count).pbo
            out["pbo_partitions"] = count
        ci = bootstrap_mean_ci(self.series[column]["trade_r"], seed=self.seed)
        out |= {
            "expected_r": _none(ci.mean),
            "expected_r_low": _none(ci.low),
            "expected_r_high": _none(ci.high),
        }
        return out

    # -- charts ----------------------------------------------------------------------------------

    def heatmap(self, x: str, y: str, value: str | None = None, agg: str = "max") -> Any:
        """An interactive plotly heatmap of `value` (default: the objective) over two
        parameters, the others reduced by `agg` (like backtesting.py's plot_heatmaps)."""
        import plotly.graph_objects as go

        for name in (x, y):
            if name not in self.params:
                raise ValueError(f"{name!r} is not a swept parameter: {', '.join(self.params)}")
        column = value or objective_column(self.objective)[0]
        table = self.frame.pivot_table(index=y, columns=x, values=column, aggfunc=agg)  # type: ignore[arg-type]
        figure = go.Figure(
            go.Heatmap(
                z=table.to_numpy(),
                x=[str(v) for v in table.columns],
                y=[str(v) for v in table.index],
                colorscale="RdYlGn",
                colorbar={"title": column},
                hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>{column}=%{{z:.3f}}<extra></extra>",
            )
        )
        figure.update_layout(
            title=f"{column} ({agg} over the other parameters)",
            xaxis_title=x,
            yaxis_title=y,
            xaxis_type="category",
            yaxis_type="category",
        )
        return figure


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _none(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"

"""`BacktestResult`: what one run produced, its figures (from `transmission.metrics`), its plot."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource
from transmission.metrics import compute_metrics, metrics_frame

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from transmission.lab.strategy import StrategySpec

HEADLINE = (
    ("total_trades", "trades", "{:d}"),
    ("total_r", "total R", "{:+.2f}"),
    ("all_expected_r", "E[R]", "{:+.3f}"),
    ("all_win_rate", "win rate", "{:.1%}"),
    ("all_profit_factor", "profit factor", "{:.2f}"),
    ("max_drawdown_r", "max drawdown R", "{:.2f}"),
    ("sqn", "SQN", "{:.2f}"),
)


@dataclass(repr=False, eq=False)
class BacktestResult:
    """One backtest: frames read back from its journal, and the figures of its trades.

    trades: the API's trade fields, one row per closed trade in exit order; signals: every
    signal with its decision (traded or vetoed, and why); regimes: the regime changes;
    risk_events: every tripwire trip and reset. `journal_path` is the DuckDB file holding the
    run (None for an in-memory run).
    """

    run_id: str
    source: BarSource
    config: EngineConfig
    spec: StrategySpec
    trades: pd.DataFrame
    signals: pd.DataFrame
    regimes: pd.DataFrame
    risk_events: pd.DataFrame
    journal_path: Path | None = None
    elapsed_s: float = 0.0
    _figure: Any = field(default=None, init=False)

    @property
    def bars(self) -> pd.DataFrame:
        """The 1-minute bars the run read."""
        return self.source.bars

    @cached_property
    def metrics(self) -> pd.Series:
        """Every performance figure of the run's trades (`transmission.metrics`)."""
        figures = compute_metrics(self.trades["result_r"]).to_dict()
        return pd.Series(figures, name=self.run_id, dtype=object)

    def metrics_by(self, by: str, window: int | None = None) -> pd.DataFrame:
        """The figures per "strategy" or per "regime"."""
        return metrics_frame(self.trades, window, by)

    @cached_property
    def equity(self) -> pd.DataFrame:
        """Equity after each trade, by exit time: cumulative R, its drawdown, cumulative $."""
        from transmission.charts.equity import equity_frame

        return equity_frame(self.trades)

    @cached_property
    def blocked(self) -> pd.DataFrame:
        """When trading was blocked, per tripwire: trips, total time, signals vetoed
        (`blocked_periods(result.risk_events)` has a row per trip)."""
        return blocked_summary(self.risk_events, self.signals)

    # -- display -----------------------------------------------------------------------------

    def figure(self, **options: Any) -> go.Figure:
        """The interactive figure (`transmission.charts.backtest_figure`)."""
        from transmission.charts import backtest_figure

        return backtest_figure(
            self.bars,
            self.trades,
            regimes=self.regimes,
            timeframe_minutes=self.config.timeframe_minutes,
            title=f"{self._strategies()} on {self.source.description}",
            **options,
        )

    def plot(self, **options: Any) -> None:
        """Show the interactive figure now, also when not the cell's last expression.

        Returns nothing, so that a last expression does not show it twice; `figure()` gives the
        figure itself (to save, change or show elsewhere). Options go to
        `transmission.charts.backtest_figure` (e.g. `max_candles`). Outside IPython, the figure
        opens with plotly's default renderer."""
        fig = self.figure(**options)
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
            fig.show()
            return
        if get_ipython() is None:
            fig.show()
            return
        display(fig)

    def widget(self, **options: Any) -> Any:
        """The figure as a live `go.FigureWidget` whose candles follow the zoom (a long run
        opens on long candles; zoomed into a day, it shows short ones)."""
        from transmission.charts import zooming

        return zooming(self.figure(**options), self.bars, options.get("max_candles", 2500))

    def _strategies(self) -> str:
        names = sorted({n for n in self.spec.gearbox.values() if n})
        return ", ".join(names) or "no strategy"

    def __repr__(self) -> str:
        m = self.metrics
        return (
            f"BacktestResult(run_id={self.run_id!r}, trades={m['total_trades']}, "
            f"total_r={m['total_r']:+.2f}, strategies={self._strategies()!r})"
        )

    def _repr_html_(self) -> str:
        m = self.metrics
        cells = "".join(
            f"<td style='padding:4px 12px'><div style='font-size:11px;color:#666'>{label}</div>"
            f"<div style='font-size:16px'>{_fmt(m.get(key), fmt)}</div></td>"
            for key, label, fmt in HEADLINE
        )
        blocked = self.blocked
        if blocked.empty:
            blocked_html = "<p>Trading was never blocked by a tripwire.</p>"
        else:
            blocked_html = "<p>Trading was blocked:</p>" + blocked.to_html(
                index=False, border=0, na_rep=""
            )
        where = html.escape(str(self.journal_path)) if self.journal_path else "memory"
        return (
            f"<div><b>Backtest {html.escape(self.run_id)}</b>: {html.escape(self._strategies())}"
            f" on {html.escape(self.source.description)} ({len(self.bars):,} bars, "
            f"{self.elapsed_s:.1f} s; journal {where})"
            f"<table><tr>{cells}</tr></table>{blocked_html}"
            "<p>Call <code>result.plot()</code> for the interactive chart; "
            "<code>result.trades</code>, <code>.equity</code>, <code>.metrics</code> for the "
            "numbers.</p></div>"
        )


def _fmt(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def blocked_periods(risk_events: pd.DataFrame) -> pd.DataFrame:
    """A row per tripwire trip: rule, strategy, from, to (its reset; NaT while still tripped
    at the end of the run) and reason."""
    columns = ["rule", "strategy", "from", "to", "reason"]
    if risk_events.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    events = risk_events.sort_values(["ts", "seq"], kind="stable")
    keys = events["strategy"].fillna("")
    for (rule, strategy), group in events.groupby([events["rule"], keys], sort=True):
        resets = group.loc[group["event"] != "trip", "ts"]
        for _, trip in group[group["event"] == "trip"].iterrows():
            later = resets[resets > trip["ts"]]
            end = later.iloc[0] if len(later) else pd.NaT
            rows.append([rule, strategy or None, trip["ts"], end, trip["reason"]])
    return pd.DataFrame(rows, columns=columns).sort_values("from", kind="stable")


def blocked_summary(risk_events: pd.DataFrame, signals: pd.DataFrame) -> pd.DataFrame:
    """Per tripwire: how often it tripped, for how long in all (trips still holding at the end
    count to the last signal), and how many signals it vetoed."""
    columns = ["rule", "trips", "blocked", "signals_vetoed", "reason"]
    periods = blocked_periods(risk_events)
    if periods.empty:
        return pd.DataFrame(columns=columns)
    last = signals["ts"].max() if len(signals) else periods["from"].max()
    periods["to"] = periods["to"].fillna(last)
    vetoed = signals.loc[signals["decision"] == "vetoed", "veto_reason"].astype(str)
    rows = []
    for rule, group in periods.groupby("rule", sort=True):
        reasons = set(group["reason"].astype(str))
        rows.append(
            [
                rule,
                len(group),
                (group["to"] - group["from"]).sum(),
                int(vetoed.isin(reasons).sum()),
                group["reason"].iloc[0],
            ]
        )
    return pd.DataFrame(rows, columns=columns)

"""`BacktestResult`: what one run produced, its figures (from `transmission.metrics`), its plot."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transmission.config import EngineConfig
from transmission.contracts import contract_for
from transmission.engine.feeds import BarSource
from transmission.market.calendar import trading_days_of
from transmission.metrics import compute_metrics, metrics_frame, trade_stats
from transmission.risk.summary import Block, blocks, headlines, vetoes_by_reason

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
    def trading_days(self) -> list[Any]:
        """Every trading day of the run's bars (flat days count in Sharpe and Sortino)."""
        return list(trading_days_of(self.bars["ts"]).unique())

    @cached_property
    def metrics(self) -> pd.Series:
        """Every figure of the run's trades (`transmission.metrics`): the R ratios, then Sharpe,
        Sortino, exposure, durations, MAE/MFE and streaks."""
        figures: dict[str, Any] = compute_metrics(self.trades["result_r"]).to_dict()
        point_value = contract_for(self.config.symbol).point_value
        stats = trade_stats(
            self.trades, self.bars, point_value=point_value, trading_days=self.trading_days
        )
        figures.update({k: v for k, v in stats.to_dict().items() if k not in figures})
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
        """Every time a tripwire held: rule, strategy, reason, start, end, trading days, minutes
        (`transmission.risk.summary`, as every front end shows it)."""
        found = blocks(self.risk_events, self.trading_days, self.bars["ts"].iloc[-1])
        return pd.DataFrame([asdict(b) for b in found], columns=[f.name for f in fields(Block)])

    @cached_property
    def vetoes(self) -> pd.DataFrame:
        """Vetoed signals counted by the rule (or reason) that vetoed them."""
        return vetoes_by_reason(self.signals, self.risk_events)

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
            found = blocks(self.risk_events, self.trading_days, self.bars["ts"].iloc[-1])
            lines = "".join(f"<li>{html.escape(h)}</li>" for h in headlines(found, self.vetoes))
            per_rule = blocked.groupby("rule").agg(
                times=("rule", "size"),
                minutes=("minutes", "sum"),
                trading_days=("trading_days", "sum"),
            )
            blocked_html = (
                f"<p>Trading was blocked:</p><ul>{lines}</ul>"
                + per_rule.to_html(border=0, na_rep="", float_format="{:.0f}".format)
                + "<p>Vetoed signals:</p>"
                + self.vetoes.to_html(index=False, border=0)
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

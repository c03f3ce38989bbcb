"""The dashboard's components on ipywidgets 8; each draws itself from a `MonitorState`.

`update(state)` sets only the traits whose value changed, each leaf widget inside `hold_sync`,
so one flush sends at most one message per leaf that changed. Every component is usable alone
(`RegimeBadge().update(state)`); the figures come from `transmission.metrics`.
"""

from __future__ import annotations

import copy
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from transmission.charts.style import TEMPLATE
from transmission.metrics import DEFAULT_WINDOW, compute_metrics, drawdown_r, equity_curve_r
from transmission.risk.config import RiskConfig
from transmission.widgets import render
from transmission.widgets.state import MonitorState

CARD = widgets.Layout(border="1px solid #e0e0e0", padding="8px 12px", margin="4px")


def assign(widget: widgets.Widget, **traits: Any) -> int:
    """Set the traits that differ, in one message; returns how many differed."""
    changed = {name: value for name, value in traits.items() if getattr(widget, name) != value}
    if changed:
        with widget.hold_sync():
            for name, value in changed.items():
                setattr(widget, name, value)
    return len(changed)


def _title(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div style="font-weight:700;color:#333">{text}</div>')


class RegimeBadge(widgets.HTML):
    """The regime, its direction, since when, and the strategy in gear, coloured per regime."""

    def __init__(self) -> None:
        super().__init__(value=render.regime_badge_html("NO_TRADE", None, None, None, ""))
        self.add_class("tm-regime-badge")
        self.regime: str = "NO_TRADE"
        self.direction: str | None = None
        self.since: str | None = None

    def update(self, state: MonitorState) -> int:
        self.regime, self.direction, self.since = state.regime, state.direction, state.regime_since
        html = render.regime_badge_html(
            state.regime,
            state.direction,
            state.regime_since,
            state.active_strategy,
            state.regime_reason,
        )
        return int(assign(self, value=html) > 0)

    @property
    def colour(self) -> str:
        return render.regime_colour(self.regime, self.direction)


class LossGauge(widgets.HBox):
    """P&L in R against a loss limit: how much of the limit is used."""

    def __init__(self, name: str, limit_r: float) -> None:
        self.name, self.limit_r = name, limit_r
        self.label = widgets.HTML(render.gauge_label(name, 0.0, limit_r))
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="success")
        self.label.layout.width = "260px"
        super().__init__([self.label, self.bar])
        self.add_class(f"tm-gauge-{name.lower()}")

    def update(self, pnl_r: float) -> int:
        used, style = render.loss_gauge(pnl_r, self.limit_r)
        label = render.gauge_label(self.name, pnl_r, self.limit_r)
        return int(assign(self.bar, value=used, bar_style=style) > 0) + int(
            assign(self.label, value=label) > 0
        )

    @property
    def used(self) -> float:
        return float(self.bar.value)


class RiskPanel(widgets.VBox):
    """can_trade and why, daily and weekly P&L in R against their limits, every tripwire."""

    def __init__(self, limits: RiskConfig | None = None) -> None:
        limits = limits or RiskConfig()
        self.status = widgets.HTML(render.can_trade_html(None, None, "unknown"))
        self.daily = LossGauge("Daily", limits.daily_loss_r)
        self.weekly = LossGauge("Weekly", limits.weekly_loss_r)
        self.tripwires = widgets.HTML(render.tripwires_html([]))
        super().__init__(
            [_title("Risk"), self.status, self.daily, self.weekly, self.tripwires], layout=CARD
        )
        self.add_class("tm-risk-panel")

    def update(self, state: MonitorState) -> int:
        html = render.can_trade_html(state.can_trade, state.risk_reason, state.system_state)
        sent = int(assign(self.status, value=html) > 0)
        sent += self.daily.update(state.daily_pnl_r)
        sent += self.weekly.update(state.weekly_pnl_r)
        wires = render.tripwires_html(state.tripwires.values())
        return sent + int(assign(self.tripwires, value=wires) > 0)


class EquityCurve(widgets.VBox):
    """Cumulative R over the known closed trades, with the total and the max drawdown."""

    def __init__(self) -> None:
        self.summary = widgets.HTML("no trades yet")
        self.chart = widgets.HTML(render.equity_svg([]))
        super().__init__([_title("Equity in R"), self.summary, self.chart], layout=CARD)
        self.add_class("tm-equity")
        self.total_r = 0.0
        self._drawn = -1

    def update(self, state: MonitorState) -> int:
        if state.trades_version == self._drawn:
            return 0
        self._drawn = state.trades_version
        result_r = state.result_r()
        equity = equity_curve_r(result_r)
        self.total_r = float(equity[-1]) if len(equity) else 0.0
        worst = float(drawdown_r(result_r).max()) if len(result_r) else 0.0
        text = (
            f"{render.fmt_r(self.total_r)} over {len(result_r)} trades · "
            f"max drawdown {render.fmt_r(worst, signed=False)}"
        )
        return int(assign(self.summary, value=text) > 0) + int(
            assign(self.chart, value=render.equity_svg(equity)) > 0
        )


class RollingMetricsPanel(widgets.VBox):
    """Profit factor, E[R], win rate and its Wilson lower bound over the last `window` trades."""

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1 trade, got {window}")
        self.window = window
        self.figures: dict[str, Any] = compute_metrics([], window).to_dict()
        self.table = widgets.HTML(render.metrics_html(self.figures, window))
        super().__init__([_title("Rolling metrics"), self.table], layout=CARD)
        self.add_class("tm-rolling-metrics")
        self._drawn = -1

    def update(self, state: MonitorState) -> int:
        if state.trades_version == self._drawn:
            return 0
        self._drawn = state.trades_version
        self.figures = compute_metrics(state.result_r(), self.window).to_dict()
        return int(assign(self.table, value=render.metrics_html(self.figures, self.window)) > 0)


class RecentTradesTable(widgets.VBox):
    """The newest closed trades (and the open position), newest first."""

    def __init__(self, rows: int = 10) -> None:
        if rows < 1:
            raise ValueError(f"rows must be at least 1, got {rows}")
        self.rows = rows
        self.trade_ids: list[str] = []
        self.title = _title("Recent trades")
        self.table = widgets.HTML(render.trades_html([], None))
        super().__init__([self.title, self.table], layout=CARD)
        self.add_class("tm-recent-trades")
        self._drawn: tuple[Any, ...] | None = None

    def update(self, state: MonitorState) -> int:
        key = (state.trades_version, state.trades_total, state.open_position, state.position_mark)
        if key == self._drawn:
            return 0
        self._drawn = key
        newest = state.closed_trades()[-self.rows :][::-1]
        self.trade_ids = [str(t["trade_id"]) for t in newest]
        title = f"Recent trades ({state.trades_total} in the run)"
        title = f'<div style="font-weight:700;color:#333">{title}</div>'
        html = render.trades_html(newest, state.position_view())
        return int(assign(self.title, value=title) > 0) + int(assign(self.table, value=html) > 0)


class PriceChart(widgets.VBox):
    """Live candles with VWAP bands, regime shading, entries and exits, and the working stop and
    target: one `go.FigureWidget` whose traces are updated in place (never rebuilt) as candles
    arrive; the state bounds the span (its `chart_hours`)."""

    def __init__(self, height: int = 420) -> None:
        self.figure = go.FigureWidget(
            layout={
                "template": TEMPLATE,
                "height": height,
                "xaxis": {"rangeslider": {"visible": False}},
                "hovermode": "closest",
                "uirevision": "live",  # keep the trader's zoom across updates
                "legend": {"orientation": "h", "y": -0.12},
                "margin": {"t": 10, "l": 50, "r": 10, "b": 30},
            }
        )
        self.title = _title("Price")
        self.minutes = widgets.ToggleButtons(
            options=[("1 min", 1), ("5 min", 5)], value=5, style={"button_width": "60px"}
        )
        header = widgets.HBox(
            [self.title, self.minutes],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        super().__init__([header, self.figure], layout=CARD)
        self.add_class("tm-price-chart")
        self._drawn: tuple[Any, ...] | None = None

    @property
    def trace_names(self) -> list[str]:
        """Names of the traces that hold data now."""
        return [str(t.name) for t in self.figure.data if t.x is not None and len(t.x)]

    def update(self, state: MonitorState) -> int:
        position = state.position_view()
        key = (state.candles_version, state.candle_minutes, state.trades_version, position)
        if key == self._drawn:
            return 0
        self._drawn = key
        traces, shapes = render.price_chart(
            state.candle_rows(), state.candle_minutes, state.closed_trades(), position
        )
        fresh = {_slot(t): t for t in traces}
        added = [t for name, t in fresh.items() if name not in self._names()]
        with self.figure.batch_update():
            for trace in self.figure.data:
                new = fresh.get(_slot(trace))
                if new is None:  # gone from the span (a closed position's levels): emptied
                    empty = ("y",) if trace.type == "scatter" else ("open", "high", "low", "close")
                    trace.update({"x": [], **{name: [] for name in empty}})
                else:
                    values = new.to_plotly_json()
                    values.pop("type", None)
                    trace.update(values)
            self.figure.layout.shapes = shapes
        if added:
            self.figure.add_traces(added)
        _publish_whole_figure(self.figure)
        title = f"Price ({state.candle_minutes}-minute candles, last {state.chart_hours:g} h)"
        assign(self.title, value=f'<div style="font-weight:700;color:#333">{title}</div>')
        return 1

    def _names(self) -> set[str]:
        return {_slot(t) for t in self.figure.data}


def _publish_whole_figure(figure: go.FigureWidget) -> None:
    """Make the figure as it is now the state a page that connects later starts from.

    A FigureWidget syncs its whole figure only when it is created or displayed; every later
    change goes out as an edit message (add these traces, restyle those), which a page that
    connects afterwards never receives. On the monitor page the dashboard draws before the
    browser connects (Voila sends the page once the notebook has run), so the chart stayed empty
    or drew candles into the wrong traces. This sets the synced state as plotly's own
    `_repr_mimebundle_` does; a page already showing the chart ignores that change (its view
    follows the edit messages), so the cost is one copy of the figure per redraw.
    """
    figure._widget_data = copy.deepcopy(figure._data)
    figure._widget_layout = copy.deepcopy(figure._layout_obj._props)


def _slot(trace: Any) -> str:
    """Which trace of the chart a new one updates: its name (one candle trace, any length)."""
    return "candles" if trace.type == "candlestick" else str(trace.name)


class PositionPanel(widgets.VBox):
    """The open position with its unrealized P&L in R and $."""

    def __init__(self) -> None:
        self.view = widgets.HTML(render.position_html(None))
        super().__init__([_title("Open position"), self.view], layout=CARD)
        self.add_class("tm-position-panel")

    def update(self, state: MonitorState) -> int:
        return int(assign(self.view, value=render.position_html(state.position_view())) > 0)


class SignalsTable(widgets.VBox):
    """The newest signals with the risk decision and, for a vetoed one, the reason."""

    def __init__(self) -> None:
        self.table = widgets.HTML(render.signals_html([]))
        super().__init__([_title("Signals and vetoes"), self.table], layout=CARD)
        self.add_class("tm-signals-table")

    def update(self, state: MonitorState) -> int:
        return int(assign(self.table, value=render.signals_html(state.recent_signals())) > 0)

"""The chart builders: pure functions of DataFrames returning plotly figures."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

import transmission as tm
from transmission.charts import (
    backtest_figure,
    candle_minutes,
    equity_figure,
    price_figure,
    r_histogram_figure,
    zooming,
)
from transmission.charts.style import local_time
from transmission.lab import engine_config, resolve


@pytest.fixture(scope="module")
def result() -> Any:
    bars = tm.simulate(4, 7)
    spec = resolve("ema_cross", {}, {})
    return tm.run_backtest(bars, spec, engine_config(None, spec))


def test_the_backtest_figure_has_candles_vwap_trades_equity_and_histogram(result: Any) -> None:
    fig = backtest_figure(result.bars, result.trades, regimes=result.regimes)
    assert isinstance(fig, go.Figure)
    assert [trace.type for trace in fig.data].count("candlestick") == 1
    names = {trace.name for trace in fig.data}
    assert {"VWAP", "VWAP +2σ", "exit", "stop", "target", "equity (R)", "drawdown (R)"} <= names
    assert any(trace.type == "histogram" for trace in fig.data)
    assert len(fig.layout.shapes) > 0, "regimes shaded"


def test_equity_and_drawdown_share_the_price_axis_and_the_histogram_does_not(result: Any) -> None:
    fig = backtest_figure(result.bars, result.trades)
    assert fig.layout.xaxis2.matches == "x" and fig.layout.xaxis3.matches == "x"
    assert fig.layout.xaxis4.matches is None


def test_long_runs_get_longer_candles_and_stay_under_the_limit() -> None:
    bars = tm.simulate(60, 1).bars
    minutes = candle_minutes(bars, max_candles=2500)
    assert minutes >= 15
    fig = price_figure(bars, max_candles=2500, vwap=False)
    candles = next(trace for trace in fig.data if trace.type == "candlestick")
    assert len(candles.x) <= 2500
    assert candle_minutes(bars.iloc[:300]) == 1


def test_equity_is_against_time_from_the_first_bar(result: Any) -> None:
    fig = equity_figure(result.equity, start=result.bars["ts"].iloc[0])
    curve = fig.data[0]
    assert curve.y[0] == 0.0 and len(curve.x) == len(result.trades) + 1
    assert pd.Timestamp(curve.x[1]) == result.trades["timestamp_exit"].iloc[0].tz_localize(None)


def test_empty_trades_still_draw(result: Any) -> None:
    empty = result.trades.iloc[:0]
    fig = backtest_figure(result.bars, empty)
    assert any(trace.type == "candlestick" for trace in fig.data)
    assert isinstance(r_histogram_figure(empty), go.Figure)


def test_a_figure_becomes_a_figure_widget_for_live_updates(result: Any) -> None:
    widget = go.FigureWidget(price_figure(result.bars, result.trades))
    assert len(widget.data) > 0


def test_zoomed_into_a_day_the_widget_redraws_shorter_candles() -> None:
    bars = tm.simulate(60, 1).bars
    widget = zooming(price_figure(bars, vwap=False), bars)
    opened = next(trace for trace in widget.data if trace.type == "candlestick")
    assert opened.name != "1-min candles"
    day = local_time(bars["ts"]).iloc[[3000, 3400]].tolist()
    widget.layout.xaxis.range = day  # what a zoom in the browser sets
    zoomed = next(trace for trace in widget.data if trace.type == "candlestick")
    assert zoomed.name == "1-min candles" and len(zoomed.x) == 401

"""The trader's screen: price chart, open position P&L and the signals' vetoes, from a real
journal through the services (as the local monitor reads it) and from the state directly."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from tests.widgets.events import at, entry, signal
from transmission.journal import Journal
from transmission.journal.queries import TradeFilter
from transmission.services import Services
from transmission.widgets import Dashboard, MonitorState, render
from transmission.widgets.market import ServicesMarket
from transmission.widgets.state import message


@pytest.fixture(scope="module")
def screen(nq_backtest: tuple[Path, Any]) -> Iterator[Dashboard]:
    """A dashboard over the sample's backtest journal: three days of 5-minute candles."""
    with Journal(nq_backtest[0], read_only=True) as journal:
        services = Services(journal)
        page = services.trades.page(TradeFilter(), limit=500)
        board = Dashboard(market=ServicesMarket(services, hours=72))
        board.inbox.put(message("trades", {"trades": page.trades, "total": page.total}))
        board.flush()
        yield board
        board.close()


def test_the_chart_from_a_real_journal_shows_candles_vwap_bands_entries_and_exits(
    screen: Dashboard,
) -> None:
    names = screen.chart.trace_names
    assert "5-min candles" in names and "VWAP" in names and "VWAP +2σ" in names
    assert "exit" in names and {"Long entry", "Short entry"} & set(names)
    candles = next(t for t in screen.chart.figure.data if t.type == "candlestick")
    assert 0 < len(candles.x) <= 72 * 12


def test_the_chart_is_updated_in_place_as_candles_arrive(screen: Dashboard) -> None:
    figure_traces = list(screen.chart.figure.data)
    last = dict(screen.state.candle_rows()[-1])
    last["close"] = last["close"] + 1.0
    screen.inbox.put(message("candles", {"minutes": 5, "candles": [last]}))
    screen.flush()
    assert [id(t) for t in screen.chart.figure.data] == [id(t) for t in figure_traces]
    candles = next(t for t in screen.chart.figure.data if t.type == "candlestick")
    assert candles.close[-1] == last["close"]


def test_the_signals_table_from_a_real_journal_gives_each_veto_its_reason(
    screen: Dashboard,
) -> None:
    html = screen.signals.table.value
    shown = screen.state.recent_signals()
    assert 0 < len(shown) <= screen.state.keep_signals
    for s in shown:
        if s["decision"] != "accepted":
            assert escape(str(s["veto_reason"])) in html


def test_a_vetoed_signal_event_shows_its_decision_and_reason() -> None:
    state = MonitorState()
    vetoed = signal(5).to_message(1)
    vetoed["signal"].update(decision="vetoed", veto_reason="daily loss limit reached")
    state.apply(vetoed)
    html = render.signals_html(state.recent_signals())
    assert 'data-decision="vetoed"' in html and "daily loss limit reached" in html


def test_the_open_position_shows_the_services_unrealized_pnl_in_r_and_dollars() -> None:
    board = Dashboard()
    board.inbox.put(entry(1, 5))
    trade = {"timestamp_entry": at(5).isoformat(), "entry_price": 16000.0}
    mark = {"trade": trade, "last_price": 16005.0, "unrealized_r": 0.5, "unrealized_usd": 100.0}
    board.inbox.put(message("positions", {"positions": [mark]}))
    board.flush()
    assert "+0.50R · +$100.00" in board.position.view.value
    assert "+0.50R" in board.trades.table.value  # the open row's R column
    board.close()


def test_a_closed_position_clears_its_working_stop_and_target() -> None:
    state = MonitorState()
    rows = [_candle(m) for m in range(0, 60, 5)]
    state.apply(message("candles", {"minutes": 5, "candles": rows}))
    state.apply(entry(1, 20).to_message(None))
    traces, _ = render.price_chart(state.candle_rows(), 5, [], state.position_view())
    assert {"working stop", "working target"} <= {t.name for t in traces}
    state.apply(message("positions", {"positions": []}))
    state.set(open_position=None)
    traces, _ = render.price_chart(state.candle_rows(), 5, [], state.position_view())
    assert "working stop" not in {t.name for t in traces}


def test_candles_older_than_the_chart_span_are_dropped() -> None:
    state = MonitorState(chart_hours=1.0)
    state.apply(
        message("candles", {"minutes": 5, "candles": [_candle(m) for m in range(0, 180, 5)]})
    )
    rows = state.candle_rows()
    assert rows[0]["ts"] == _candle(115)["ts"] and rows[-1]["ts"] == _candle(175)["ts"]


def test_regime_shading_follows_the_candles_regime() -> None:
    rows = [_candle(m, "TREND" if m >= 30 else "NO_TRADE") for m in range(0, 60, 5)]
    _, shapes = render.price_chart(rows, 5, [], None)
    assert len(shapes) == 1 and shapes[0]["type"] == "rect"


def _candle(minutes: int, regime: str = "RANGE") -> dict[str, Any]:
    price = 16000.0 + minutes
    return {
        "ts": at(minutes).isoformat(), "open": price, "high": price + 2, "low": price - 2,
        "close": price + 1, "volume": 10, "vwap": price, "vwap_sigma": 3.0, "regime": regime,
    }  # fmt: skip


def test_the_candle_toggle_switches_the_chart_to_one_minute_candles(
    nq_backtest: tuple[Path, Any],
) -> None:
    with Journal(nq_backtest[0], read_only=True) as journal:
        board = Dashboard(market=ServicesMarket(Services(journal), hours=2))
        board.flush()
        assert "5-min candles" in board.chart.trace_names
        board.chart.minutes.value = 1
        board.flush()
        candles = next(t for t in board.chart.figure.data if t.type == "candlestick")
        assert candles.name == "1-min candles" and 60 < len(candles.x) <= 120
        board.close()

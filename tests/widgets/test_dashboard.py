"""The Dashboard fed through its inbox (no engine): widget values after each flush."""

from __future__ import annotations

from collections import Counter
from typing import Any

import ipywidgets as widgets
import pytest

from tests.widgets.events import at, entry, exit_, regime_change, risk_update
from transmission.metrics import compute_metrics
from transmission.palette import REGIME_COLOURS
from transmission.widgets import Dashboard
from transmission.widgets.state import message


@pytest.fixture
def board() -> Dashboard:
    dashboard = Dashboard(window=5, rows=3)
    yield dashboard
    dashboard.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Update messages each widget sends to the front end, by model id."""
    counts: Counter[str] = Counter()
    original = widgets.Widget._send

    def counting(self: widgets.Widget, msg: dict[str, Any], buffers: Any = None) -> None:
        if msg.get("method") == "update":
            counts[self.model_id] += 1
        original(self, msg, buffers)

    monkeypatch.setattr(widgets.Widget, "_send", counting)
    return counts


def test_regime_change_recolours_the_badge_and_says_since_when(board: Dashboard) -> None:
    board.inbox.put(regime_change(5, "TREND", "up", "vwap_pullback"))
    assert board.flush()
    assert board.badge.regime == "TREND" and board.badge.direction == "up"
    assert board.badge.colour == REGIME_COLOURS["TREND_UP"]
    assert 'data-regime="TREND"' in board.badge.value and "10:05" in board.badge.value
    board.inbox.put(regime_change(50, "RANGE"))
    board.flush()
    assert board.badge.colour == REGIME_COLOURS["RANGE"] and "10:50" in board.badge.value


def test_risk_panel_shows_the_block_the_gauges_and_the_tripped_wire(board: Dashboard) -> None:
    board.inbox.put(risk_update(5, "losing_streak", daily=-1.5, weekly=-1.5))
    board.flush()
    assert "BLOCKED: losing_streak holds" in board.risk.status.value
    assert board.risk.daily.used == pytest.approx(0.5)
    assert board.risk.daily.bar.bar_style == "warning"
    assert board.risk.weekly.used == pytest.approx(0.25)
    assert board.risk.weekly.bar.bar_style == "success"
    assert 'data-rule="losing_streak" data-tripped="true"' in board.risk.tripwires.value
    board.inbox.put(risk_update(90, "losing_streak", "reset", daily=-1.5, weekly=-1.5))
    board.flush()
    assert "CAN TRADE" in board.risk.status.value
    assert 'data-tripped="true"' not in board.risk.tripwires.value


def test_trades_fill_the_table_newest_first_up_to_its_rows(board: Dashboard) -> None:
    results = [1.0, -1.0, 2.0, -0.5]
    for n, r in enumerate(results, start=1):
        board.inbox.put(entry(n, 20 * n - 5))
        board.inbox.put(exit_(n, 20 * n, r))
    board.inbox.put(entry(5, 200))
    board.flush()
    assert board.trades.trade_ids == ["T0004", "T0003", "T0002"]
    assert board.trades.table.value.count('class="tm-trade"') == 3
    assert "tm-open-position" in board.trades.table.value
    assert "4 in the run" in board.trades.title.value


def test_equity_and_rolling_metrics_come_from_the_metrics_module(board: Dashboard) -> None:
    results = [1.0, -1.0, 2.0, -0.5, 1.5, -1.0, 0.0]
    for n, r in enumerate(results, start=1):
        board.inbox.put(exit_(n, 10 * n, r))
    board.flush()
    assert board.metrics.figures == compute_metrics(results, 5).to_dict()
    assert board.equity.total_r == pytest.approx(sum(results))
    assert "+2.00R over 7 trades" in board.equity.summary.value
    assert "last 5 of 5-trade window" in board.metrics.table.value


def test_a_flush_with_nothing_new_redraws_nothing(board: Dashboard) -> None:
    board.inbox.put(regime_change(5, "RANGE"))
    assert board.flush()
    assert not board.flush()
    assert board.stats.redraws == 1 and board.stats.flushes == 2


def test_a_burst_of_events_is_one_redraw_with_one_message_per_changed_widget(
    board: Dashboard, sent: Counter[str]
) -> None:
    for n in range(1, 201):
        board.inbox.put(regime_change(n, "TREND" if n % 2 else "RANGE", "up" if n % 2 else None))
        board.inbox.put(risk_update(n, "cooldown", "trip" if n % 2 else "reset", daily=-0.01 * n))
        board.inbox.put(exit_(n, n, 0.5 if n % 3 else -1.0))
    board.flush()
    assert board.stats.redraws == 1 and board.stats.messages == 600
    assert sent, "the flush sent updates"
    assert max(sent.values()) == 1, "hold_sync: one message per widget per flush"
    assert board.stats.widget_updates == sum(sent.values())


def test_a_malformed_message_is_skipped_and_the_next_ones_still_apply(board: Dashboard) -> None:
    board.inbox.put({"type": "trade_execution", "trade": {"action": "exit"}})
    board.inbox.put(regime_change(5, "VOLATILE"))
    board.flush()
    assert board.badge.regime == "VOLATILE"
    assert board.state.counts["malformed"] == 1


def test_halt_without_an_engine_says_so_on_screen(board: Dashboard) -> None:
    board.halt_button.click()
    assert "no engine attached" in board.notice.value


def test_status_line_shows_the_last_bar_and_bars_processed(board: Dashboard) -> None:
    status = {"symbol": "MNQ", "bars_processed": 12345, "last_bar_time": at(7).isoformat()}
    board.inbox.put(message("status", status))
    board.flush()
    assert "12,345 bars" in board.status_line.value and "10:07" in board.status_line.value


def test_the_pump_refuses_a_non_positive_interval(board: Dashboard) -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        board.start(0)


def test_components_refuse_bad_sizes() -> None:
    with pytest.raises(ValueError, match="window must be at least 1"):
        Dashboard(window=0)
    with pytest.raises(ValueError, match="rows must be at least 1"):
        Dashboard(rows=0)

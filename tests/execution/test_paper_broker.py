"""The paper broker follows DESIGN.md section 8's fill rules exactly."""

from __future__ import annotations

import pytest

from transmission.contracts import contract_for
from transmission.execution import CostConfig, Order, PaperBroker

MNQ = contract_for("MNQ")
TICK = MNQ.tick
MIN = 60_000_000_000


def order(
    side: int = 1,
    kind: str = "stop",
    price: float = 100.0,
    stop: float = 95.0,
    target: float = 110.0,
    contracts: int = 2,
    slippage: int = 1,
) -> Order:
    return Order(
        order_id="r-S000001",
        signal_id="r-S000001",
        side=side,
        order_type=kind,
        price=price,
        stop=stop,
        target=target,
        contracts=contracts,
        risk_usd=abs(price - stop) * MNQ.point_value * contracts,
        strategy="s",
        regime="TREND",
        slippage_ticks=slippage,
        placed_ns=0,
        expires_ns=None,
    )


def broker_with(o: Order) -> PaperBroker:
    broker = PaperBroker(MNQ, CostConfig())
    broker.submit(o)
    return broker


def test_buy_stop_fills_at_stop_plus_slippage_when_bar_trades_through() -> None:
    broker = broker_with(order())
    fill, closed = broker.on_bar(MIN, 99.0, 101.0, 98.5, 100.5)
    assert fill is not None and fill.price == 100.0 + TICK
    assert closed is None and broker.position is not None


def test_buy_stop_gap_above_fills_at_the_open() -> None:
    broker = broker_with(order())
    fill, _ = broker.on_bar(MIN, 102.0, 103.0, 101.5, 102.5)
    assert fill is not None and fill.price == 102.0 + TICK


def test_buy_stop_not_reached_leaves_the_order_working() -> None:
    broker = broker_with(order())
    fill, _ = broker.on_bar(MIN, 98.0, 99.75, 97.0, 99.0)
    assert fill is None and broker.working is not None


def test_sell_stop_fills_at_min_of_open_and_stop_minus_slippage() -> None:
    broker = broker_with(order(side=-1, price=100.0, stop=105.0, target=90.0))
    fill, _ = broker.on_bar(MIN, 99.0, 99.5, 98.0, 98.5)
    assert fill is not None and fill.price == 99.0 - TICK


def test_market_entry_fills_at_the_next_bar_open() -> None:
    broker = broker_with(order(kind="market"))
    fill, _ = broker.on_bar(MIN, 101.25, 102.0, 100.5, 101.5)
    assert fill is not None and fill.price == 101.25 + TICK


def test_expired_stop_entry_is_cancelled_without_a_fill() -> None:
    o = order()
    o.expires_ns = MIN
    broker = broker_with(o)
    fill, _ = broker.on_bar(MIN, 99.0, 101.0, 98.0, 100.0)
    assert fill is None and broker.working is None and broker.position is None


def test_bar_touching_stop_and_target_fills_the_stop_first() -> None:
    broker = broker_with(order(kind="market"))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    _, closed = broker.on_bar(2 * MIN, 100.0, 111.0, 94.0, 100.0)
    assert closed is not None and closed.exit_reason == "stop"
    assert closed.exit_price == 95.0 - TICK


def test_stop_exit_gapping_through_fills_at_the_open() -> None:
    broker = broker_with(order(kind="market"))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    _, closed = broker.on_bar(2 * MIN, 93.0, 94.0, 92.0, 93.5)
    assert closed is not None and closed.exit_price == 93.0 - TICK


def test_target_fills_at_its_price_without_slippage() -> None:
    broker = broker_with(order(kind="market"))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    _, closed = broker.on_bar(2 * MIN, 108.0, 112.0, 107.0, 111.0)
    assert closed is not None and closed.exit_reason == "target" and closed.exit_price == 110.0


def test_target_on_entry_bar_does_not_fill_unless_the_bar_closes_beyond_it() -> None:
    broker = broker_with(order())
    fill, closed = broker.on_bar(MIN, 99.0, 111.0, 98.0, 109.0)
    assert fill is not None and closed is None
    broker2 = broker_with(order())
    fill, closed = broker2.on_bar(MIN, 99.0, 111.0, 98.0, 110.5)
    assert fill is not None and closed is not None and closed.exit_reason == "target"


def test_stop_on_entry_bar_fills_at_the_stop_price() -> None:
    broker = broker_with(order())
    _, closed = broker.on_bar(MIN, 99.0, 101.0, 94.0, 96.0)
    assert closed is not None and closed.exit_reason == "stop" and closed.exit_price == 95.0 - TICK


def test_closed_trade_money_includes_commission_and_result_in_r() -> None:
    broker = broker_with(order(kind="market", contracts=2))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    _, closed = broker.on_bar(2 * MIN, 108.0, 112.0, 107.0, 111.0)
    assert closed is not None
    entry = 100.0 + TICK
    gross = (110.0 - entry) * MNQ.point_value * 2
    assert closed.commission_usd == pytest.approx(2 * 0.85 * 2)
    assert closed.pnl_usd == pytest.approx(gross - 3.4)
    assert closed.result_r == pytest.approx(closed.pnl_usd / (5.0 * MNQ.point_value * 2))


def test_market_exit_applies_slippage_against_the_position() -> None:
    broker = broker_with(order(side=-1, kind="market", price=100.0, stop=105.0, target=90.0))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    closed = broker.close_position(2 * MIN, 98.0, "eod_flat")
    assert closed is not None and closed.exit_price == 98.0 + TICK


def test_broker_state_round_trips_through_a_dict() -> None:
    broker = broker_with(order(kind="market"))
    broker.on_bar(MIN, 100.0, 100.5, 99.5, 100.0)
    copy = PaperBroker(MNQ)
    copy.restore(broker.state_dict())
    assert copy.position == broker.position


def test_second_order_while_one_works_is_refused() -> None:
    broker = broker_with(order())
    with pytest.raises(RuntimeError):
        broker.submit(order())


@pytest.mark.parametrize("side", [1, -1])
def test_market_entry_on_a_bar_opening_beyond_its_stop_is_stopped_at_that_open(
    side: int,
) -> None:
    # A long with its stop at 95 filled at a 94 open (a short mirrored): the stop is already
    # through, so it fills at the open less slippage, never at 95, above every price of the bar.
    o = order(side=side, kind="market", price=100.0, stop=100.0 - 5 * side, target=100 + 10 * side)
    broker = broker_with(o)
    open_ = 100.0 - 6 * side
    high, low = (open_ + 0.5, open_ - 1.0) if side > 0 else (open_ + 1.0, open_ - 0.5)
    fill, closed = broker.on_bar(MIN, open_, high, low, open_)
    assert fill is not None and fill.price == open_ + TICK * side
    assert closed is not None and closed.exit_reason == "stop"
    assert closed.exit_price == open_ - TICK * side
    assert low <= closed.exit_price + TICK * side <= high
    assert closed.pnl_usd < 0


def test_stop_entry_bar_still_stops_at_the_stop_price_after_the_entry() -> None:
    broker = broker_with(order(price=100.0, stop=95.0))
    fill, closed = broker.on_bar(MIN, 94.0, 100.5, 94.0, 95.0)
    assert fill is not None and fill.price == 100.0 + TICK
    assert closed is not None and closed.exit_price == 95.0 - TICK

"""The API's input schemas reject what no real request or trade can be."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from transmission.api.models.trade import SignalRequest, TradeQuery, TradeResponse
from transmission.strategies.names import display_name, strategy_id


def test_trade_response_shows_the_strategy_display_name_beside_its_id():
    record = {
        "trade_id": 4, "trade_key": "r-T000004", "run_id": "r", "signal_id": "r-S000004",
        "symbol": "MNQ", "trade_type": "Long", "strategy_used": "vwap_pullback",
        "regime": "TREND", "trading_day": "2023-11-28",
        "timestamp_entry": "2023-11-28T10:41:00-05:00", "timestamp_exit": None,
        "entry_price": 16043.5, "exit_price": None, "stop_price": 16029.25,
        "target_price": 16072.0, "contracts": 7, "risk_usd": 199.5, "commission_usd": None,
        "pnl_usd": None, "result_r": None, "exit_reason": None,
    }  # fmt: skip
    trade = TradeResponse.model_validate(record)
    assert (trade.strategy_used, trade.strategy_id) == ("VWAP Pullback", "vwap_pullback")
    assert trade.timestamp_exit is None and trade.trade_id == 4


@pytest.mark.parametrize("given", ["VWAP Pullback", "vwap pullback", "vwap_pullback"])
def test_a_trade_filter_takes_a_strategy_by_display_name_or_id(given):
    assert TradeQuery(strategy=given).strategy == "vwap_pullback"


def test_display_names_capitalise_known_acronyms():
    assert display_name("opening_range_breakout") == "Opening Range Breakout"
    assert display_name("ema_cross") == "EMA Cross" and strategy_id("EMA Cross") == "ema_cross"


def test_signal_request_names_the_known_strategies_when_given_another():
    with pytest.raises(ValidationError, match=r"available are .*vwap_pullback"):
        SignalRequest(strategy="martingale")


def test_trade_query_is_hashable_and_checks_its_date_range():
    assert hash(TradeQuery(limit=5)) == hash(TradeQuery(limit=5))
    with pytest.raises(ValidationError, match="is after until"):
        TradeQuery(since="2023-12-01", until="2023-11-01")


def test_status_response_has_exactly_the_engine_status_fields_and_its_source():
    from dataclasses import fields

    from transmission.api.models.system import SystemStatusResponse
    from transmission.engine.status import EngineStatus

    engine = {f.name for f in fields(EngineStatus)}
    # `active_strategy_id`: the id beside the display name `active_strategy` shows.
    assert set(SystemStatusResponse.model_fields) == engine | {"source", "active_strategy_id"}


def test_tripwire_status_has_exactly_the_risk_manager_s_rule_status_fields():
    from dataclasses import fields

    from transmission.api.models.system import TripwireStatus
    from transmission.risk.status import RuleStatus

    assert list(TripwireStatus.model_fields) == [f.name for f in fields(RuleStatus)]

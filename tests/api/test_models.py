"""The API's input schemas reject what no real request or trade can be."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from transmission.api.models.trade import SignalRequest, TradeCreateRequest, TradeQuery

ENTRY = datetime(2023, 11, 28, 10, 41)


def trade(**changes) -> dict:
    values = {
        "symbol": "MNQ",
        "trade_type": "Long",
        "strategy_used": "vwap_pullback",
        "regime": "TREND",
        "timestamp_entry": ENTRY,
        "timestamp_exit": ENTRY + timedelta(minutes=26),
        "entry_price": 16043.5,
        "exit_price": 16071.25,
        "stop_price": 16029.25,
        "target_price": 16072.0,
        "contracts": 7,
        "exit_reason": "target",
    }
    return {**values, **changes}


def test_trade_create_request_accepts_a_consistent_closed_trade():
    assert TradeCreateRequest(**trade()).contracts == 7


@pytest.mark.parametrize(
    "changes,says",
    [
        ({"timestamp_exit": ENTRY - timedelta(minutes=1)}, "before timestamp_entry"),
        ({"stop_price": 16043.5}, "no risk"),
        ({"stop_price": 16050.0}, "stop must be on the losing side"),
        ({"trade_type": "Short"}, "stop must be on the losing side"),
        ({"contracts": 0}, "greater than or equal to 1"),
        ({"trade_type": "Buy"}, "'Long' or 'Short'"),
        ({"leverage": 10}, "Extra inputs"),
    ],
)
def test_trade_create_request_rejects_an_impossible_trade(changes, says):
    with pytest.raises(ValidationError, match=says):
        TradeCreateRequest(**trade(**changes))


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
    assert set(SystemStatusResponse.model_fields) == engine | {"source"}


def test_tripwire_status_has_exactly_the_risk_manager_s_rule_status_fields():
    from dataclasses import fields

    from transmission.api.models.system import TripwireStatus
    from transmission.risk.status import RuleStatus

    assert list(TripwireStatus.model_fields) == [f.name for f in fields(RuleStatus)]

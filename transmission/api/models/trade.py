"""Trade schemas: input (TradeCreateRequest), stored (TradeRecord), output (TradeResponse).

A trade's fields are the journal's (`transmission.journal.queries.TRADE_FIELDS`); timestamps are
ISO 8601 in exchange time (US/Eastern), prices in index points, results in R and dollars.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from transmission.journal.queries import TradeFilter
from transmission.strategies import available

TradeType = Literal["Long", "Short"]


class TradeBase(BaseModel):
    """What every trade carries (DESIGN.md section 10)."""

    symbol: str = Field(examples=["MNQ"])
    trade_type: TradeType
    strategy_used: str = Field(examples=["vwap_pullback"])
    regime: str = Field(examples=["TREND"])
    timestamp_entry: datetime
    timestamp_exit: datetime
    entry_price: float
    exit_price: float
    stop_price: float
    target_price: float
    contracts: int = Field(ge=1)
    exit_reason: str = Field(examples=["target"])


class TradeCreateRequest(TradeBase):
    """A closed trade as a client submits it (for imports of manual or external fills).

    The server computes `result_r` and `pnl_usd` from the prices and the contract; the rules
    checked here are the ones any closed trade obeys.
    """

    model_config = ConfigDict(extra="forbid")
    commission_usd: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> TradeCreateRequest:
        if self.timestamp_exit < self.timestamp_entry:
            raise ValueError("timestamp_exit is before timestamp_entry")
        if self.stop_price == self.entry_price:
            raise ValueError("stop_price equals entry_price: the trade has no risk (1R = 0)")
        below = self.stop_price < self.entry_price
        if below != (self.trade_type == "Long"):
            raise ValueError(f"a {self.trade_type} trade's stop must be on the losing side")
        return self


class TradeRecord(TradeBase):
    """A trade as the journal stores it (adds the ids, the day, the money and the result)."""

    trade_id: str
    run_id: str
    signal_id: str
    trading_day: date
    risk_usd: float
    commission_usd: float
    pnl_usd: float
    result_r: float


class TradeResponse(TradeRecord):
    """A trade as the API returns it."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "trade_id": "backtest-962f5edd76d6-T000004",
                "run_id": "backtest-962f5edd76d6",
                "signal_id": "backtest-962f5edd76d6-S000004",
                "symbol": "MNQ",
                "trade_type": "Long",
                "strategy_used": "vwap_pullback",
                "regime": "TREND",
                "trading_day": "2023-11-28",
                "timestamp_entry": "2023-11-28T10:41:00-05:00",
                "timestamp_exit": "2023-11-28T11:07:00-05:00",
                "entry_price": 16043.5,
                "exit_price": 16071.25,
                "stop_price": 16029.25,
                "target_price": 16072.0,
                "contracts": 7,
                "risk_usd": 199.5,
                "commission_usd": 11.9,
                "pnl_usd": 376.6,
                "result_r": 1.89,
                "exit_reason": "target",
            }
        }
    )


class TradeListResponse(BaseModel):
    """A page of trades, newest first, with the total that matches the filters."""

    trades: list[TradeResponse]
    total: int = Field(ge=0, description="trades matching the filters, over all pages")
    limit: int
    offset: int


class SignalRequest(BaseModel):
    """Evaluate a strategy now, without placing an order."""

    model_config = ConfigDict(extra="forbid")
    strategy: str | None = Field(
        None,
        description="strategy name (see /api); default: the one the current regime selects",
        examples=["vwap_pullback"],
    )
    run_id: str | None = Field(
        None,
        max_length=200,
        description="which run's state to use; default: the running engine, else the latest",
    )

    @field_validator("strategy")
    @classmethod
    def _known(cls, name: str | None) -> str | None:
        if name is not None and name not in available():
            raise ValueError(f"unknown strategy {name!r}: available are {', '.join(available())}")
        return name


class ProposedSignal(BaseModel):
    side: TradeType
    order_type: str = Field(examples=["stop", "market"])
    entry_price: float
    stop_price: float
    target_price: float
    reason: str


class SignalResponse(BaseModel):
    """The strategy's verdict on the last closed signal bar and the risk manager's decision.

    `decision` is what the engine would do with it: "accepted", "vetoed", "shadow" (paper-only
    while a strategy is paused on performance) or "no_signal". No order is ever placed here.
    """

    run_id: str
    source: Literal["engine", "journal"]
    strategy: str | None
    regime: str
    active_strategy: str | None
    bar_time: datetime | None = Field(description="close time of the signal bar evaluated")
    signal: ProposedSignal | None
    decision: Literal["accepted", "vetoed", "shadow", "no_signal"]
    veto_reason: str | None
    contracts: int = Field(ge=0, description="contracts the engine would trade (0 unless accepted)")
    risk_usd: float | None = Field(description="1R in dollars at that size")
    can_trade: bool
    risk_reason: str | None
    order_placed: Literal[False] = False


def _iso_date(value: object) -> object:
    # Pydantic would read "0.0" or "1700000000" as a Unix time; a trading day is YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
MAX_PAGE = 1000  # the hard maximum of `limit`: larger exports go through the CLI


class ApiQuery(BaseModel):
    """Query parameters of a read route; `token` may stand in for the bearer header."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    token: str | None = Field(
        None,
        max_length=200,
        exclude=True,
        description="the API token, for clients that cannot send 'Authorization: Bearer'",
    )


class TradeFilterQuery(ApiQuery):
    """Which trades: a run (default: the running engine's, else the latest) and filters."""

    run_id: str | None = Field(None, max_length=200)
    strategy: str | None = Field(None, max_length=100, examples=["vwap_pullback"])
    regime: str | None = Field(None, max_length=20, examples=["TREND"])
    symbol: str | None = Field(None, max_length=10, examples=["MNQ"])
    since: IsoDate | None = Field(None, description="first trading day (inclusive)")
    until: IsoDate | None = Field(None, description="last trading day (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> TradeFilterQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def to_filter(self, default_run_id: str | None) -> TradeFilter:
        return TradeFilter(
            run_id=self.run_id or default_run_id,
            strategy=self.strategy,
            regime=self.regime,
            symbol=self.symbol,
            since=self.since,
            until=self.until,
        )


class TradeQuery(TradeFilterQuery):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"page size, at most {MAX_PAGE}")
    offset: int = Field(0, ge=0, le=10_000_000)

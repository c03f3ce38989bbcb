"""Trade schemas: stored (TradeRecord), output (TradeResponse), queries; signal requests.

There is no TradeCreateRequest: trades come only from the engine's fills. A route that wrote
trades would let a client forge the record that the metrics and the risk rules read, and the
journal has one writer (the engine's process; a `--feed none` server opens it read-only).

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
from transmission.strategies.names import display_name, strategy_id

TradeType = Literal["Long", "Short"]


class TradeRecord(BaseModel):
    """A trade as the journal holds it: closed (every field set), or open (exit fields null).

    `trade_id` is the public id: an integer unique in the journal, stable across restarts, the
    same in the WebSocket's `trade_execution` from the entry on. `trade_key` is the journal's
    own key (`<run_id>-T<number>`).
    """

    trade_id: int = Field(ge=0, examples=[1])
    trade_key: str
    run_id: str
    signal_id: str
    symbol: str = Field(examples=["MNQ"])
    trade_type: TradeType
    strategy_used: str = Field(examples=["vwap_pullback"])
    regime: str = Field(examples=["TREND"])
    trading_day: date
    timestamp_entry: datetime
    timestamp_exit: datetime | None
    entry_price: float
    exit_price: float | None
    stop_price: float
    target_price: float
    contracts: int = Field(ge=1)
    risk_usd: float
    commission_usd: float | None
    pnl_usd: float | None
    result_r: float | None
    exit_reason: str | None = Field(examples=["target"])


class TradeResponse(TradeRecord):
    """A trade as the API returns it: `strategy_used` is the display name ("VWAP Pullback"),
    `strategy_id` the registry's id."""

    strategy_used: str = Field(examples=["VWAP Pullback"])
    strategy_id: str = Field(examples=["vwap_pullback"])

    @model_validator(mode="before")
    @classmethod
    def _display(cls, data: object) -> object:
        if isinstance(data, dict) and "strategy_id" not in data and "strategy_used" in data:
            data = {
                **data,
                "strategy_id": data["strategy_used"],
                "strategy_used": display_name(str(data["strategy_used"])),
            }
        return data

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "trade_id": 4,
                "trade_key": "backtest-962f5edd76d6-T000004",
                "run_id": "backtest-962f5edd76d6",
                "signal_id": "backtest-962f5edd76d6-S000004",
                "symbol": "MNQ",
                "trade_type": "Long",
                "strategy_used": "VWAP Pullback",
                "strategy_id": "vwap_pullback",
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
    next_before_id: int | None = Field(
        None, description="pass as `before_id` for the next page (null: this is the last one)"
    )


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
    run: str | None = Field(None, max_length=200, description="the run (same as run_id)")
    strategy: str | None = Field(
        None, max_length=100, description="id or display name", examples=["VWAP Pullback"]
    )
    regime: str | None = Field(None, max_length=20, examples=["TREND"])
    symbol: str | None = Field(None, max_length=10, examples=["MNQ"])
    since: IsoDate | None = Field(None, description="first trading day (inclusive)")
    until: IsoDate | None = Field(None, description="last trading day (inclusive)")

    @field_validator("strategy")
    @classmethod
    def _strategy_id(cls, name: str | None) -> str | None:
        return strategy_id(name) if name else name

    @model_validator(mode="after")
    def _ordered(self) -> TradeFilterQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        if self.run and self.run_id and self.run != self.run_id:
            raise ValueError(f"run ({self.run}) and run_id ({self.run_id}) differ: give one")
        return self

    @property
    def selected_run(self) -> str | None:
        return self.run or self.run_id

    def to_filter(self, default_run_id: str | None) -> TradeFilter:
        return TradeFilter(
            run_id=self.selected_run or default_run_id,
            strategy=self.strategy,
            regime=self.regime,
            symbol=self.symbol,
            since=self.since,
            until=self.until,
        )


class TradeQuery(TradeFilterQuery):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"page size, at most {MAX_PAGE}")
    offset: int = Field(0, ge=0, le=10_000_000)
    before_id: int | None = Field(
        None,
        ge=0,
        lt=2**53,  # the integers a JavaScript client reads exactly
        description="cursor: the trades after this one in newest-first order (the previous "
        "page's `next_before_id`); fast at any depth, unlike a large offset",
    )


MAX_SIGNALS = 1000


class SignalQuery(ApiQuery):
    run: str | None = Field(None, max_length=200, description="default: the engine's, else latest")
    limit: int = Field(50, ge=1, le=MAX_SIGNALS, description="at most this many, newest first")
    decision: Literal["accepted", "vetoed", "shadow"] | None = Field(
        None, description="only the signals the risk manager decided so"
    )


class SignalRecord(BaseModel):
    """A signal the engine journalled, with the risk manager's decision: the payload of the
    WebSocket's `signal` message, with its time."""

    signal_id: str
    run_id: str
    timestamp: datetime = Field(description="the signal bar's close (exchange time)")
    symbol: str
    strategy: str = Field(description="display name", examples=["VWAP Pullback"])
    strategy_id: str = Field(examples=["vwap_pullback"])
    regime: str
    side: str = Field(examples=["long", "short"])
    order_type: str
    entry_price: float
    stop_price: float
    target_price: float
    reason: str
    decision: Literal["accepted", "vetoed", "shadow"]
    veto_reason: str | None
    contracts: int = Field(ge=0)


class SignalListResponse(BaseModel):
    run_id: str
    signals: list[SignalRecord]

"""Schemas of runs, equity curves, candles and open positions (the chart routes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from transmission.api.models.trade import ApiQuery, TradeFilterQuery, TradeResponse
from transmission.services.history import CANDLE_MINUTES

MAX_CANDLES = 5000


class RunResponse(BaseModel):
    """One run: what it ran on, its state and its trade count."""

    run_id: str
    run_number: int | None = Field(description="the run's number in this journal")
    kind: str = Field(examples=["backtest", "live"])
    symbol: str = Field(examples=["MNQ"])
    dataset: str = Field(description="the bars it ran on (a file's identity, or the simulator)")
    description: str | None = Field(description="where its bars came from, in words")
    timeframe_minutes: int | None
    gearbox: dict[str, str | None] | None = Field(description="the strategy of each regime")
    status: str = Field(examples=["completed", "running", "stopped", "failed"])
    started_at: datetime
    finished_at: datetime | None
    bars_processed: int
    bars_quarantined: int
    trades: int = Field(ge=0)
    params: dict[str, Any] = Field(description="everything it was run with (config, source)")


class RunListResponse(BaseModel):
    runs: list[RunResponse]


class RunQuery(ApiQuery):
    run: str | None = Field(None, max_length=200, description="default: the engine's, else latest")


class EquityQuery(TradeFilterQuery):
    by: Literal["trade", "day"] = Field("trade", description="a point per trade or per day")


class EquityPoint(BaseModel):
    trade_id: int | None = Field(None, description="by trade: the trade that closed")
    timestamp_exit: datetime | None = None
    trading_day: date
    trades: int | None = Field(None, description="by day: trades closed that day")
    pnl_r: float
    pnl_usd: float
    equity_r: float = Field(description="cumulative R")
    equity_usd: float = Field(description="cumulative $ (after costs)")
    drawdown_r: float = Field(description="R below the running peak (>= 0)")


class EquityResponse(BaseModel):
    run_id: str | None
    by: Literal["trade", "day"]
    points: list[EquityPoint]


class CandleQuery(ApiQuery):
    run: str | None = Field(None, max_length=200, description="default: the engine's, else latest")
    interval: int = Field(5, description="bar length in minutes: 1 or 5", examples=[5])
    since: datetime | None = Field(None, description="first bar (ISO time; naive = exchange time)")
    until: datetime | None = Field(None, description="bars before this time")
    limit: int = Field(500, ge=1, le=MAX_CANDLES, description="at most this many (the last)")

    @field_validator("interval")
    @classmethod
    def _known_interval(cls, minutes: int) -> int:
        if minutes not in CANDLE_MINUTES:
            raise ValueError(f"candles come in 1 or 5 minutes, not {minutes}")
        return minutes

    @model_validator(mode="after")
    def _ordered(self) -> CandleQuery:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(f"since ({self.since}) is not before until ({self.until})")
        return self


class Candle(BaseModel):
    ts: datetime = Field(description="bar open time, exchange time")
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = Field(description="session VWAP at the bar's close")
    vwap_sigma: float | None
    vwap_upper_1: float | None
    vwap_lower_1: float | None
    vwap_upper_2: float | None
    vwap_lower_2: float | None
    regime: str = Field(description="the regime in force at the bar's close")


class CandleResponse(BaseModel):
    run_id: str
    symbol: str
    minutes: int
    candles: list[Candle]


class PositionResponse(BaseModel):
    """An open trade (exit fields null) marked at the last bar's close, before costs."""

    trade: TradeResponse
    last_price: float | None
    last_price_time: datetime | None
    unrealized_usd: float | None
    unrealized_r: float | None


class PositionListResponse(BaseModel):
    run_id: str | None
    positions: list[PositionResponse]

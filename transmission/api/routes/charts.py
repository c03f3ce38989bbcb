"""Chart series: the equity curve (by trade or day, R and $) and candles with indicators."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query

from transmission.api.deps import ServicesDep
from transmission.api.errors import UNKNOWN_RUN, NotFound
from transmission.api.models.history import CandleQuery, CandleResponse, EquityQuery, EquityResponse
from transmission.api.models.system import error_responses

router = APIRouter(prefix="/api", tags=["charts"], responses=error_responses(401))


@router.get("/equity", response_model=EquityResponse, responses=error_responses(422))
def equity(services: ServicesDep, query: Annotated[EquityQuery, Query()]) -> EquityResponse:
    """The run's cumulative R and $ after each closed trade (`by=trade`) or each trading day
    (`by=day`, with the day's P&L), and the drawdown in R; the trade filters apply."""
    curve = services.history.equity(query.to_filter(services.default_run_id), by=query.by)
    return EquityResponse.model_validate(curve)


@router.get("/candles", response_model=CandleResponse, responses=error_responses(404, 422))
def candles(services: ServicesDep, query: Annotated[CandleQuery, Query()]) -> CandleResponse:
    """1- or 5-minute bars of the run's data over a time range (default: its last bars), with
    the session VWAP and its 1 and 2 sigma bands, and the regime at each bar's close."""
    found = services.history.candles(
        query.run or services.default_run_id,
        minutes=query.interval,
        since=_exchange_time(query.since),
        until=_exchange_time(query.until),
        limit=query.limit,
    )
    if found is None:
        raise NotFound(UNKNOWN_RUN)
    return CandleResponse.model_validate(found)


def _exchange_time(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return ts.tz_localize("America/New_York") if ts.tzinfo is None else ts

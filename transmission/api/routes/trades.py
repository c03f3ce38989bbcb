"""Trade history: pages with filters, one trade, the most recent trades."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from transmission.api.deps import CacheDep, ServicesDep
from transmission.api.errors import NotFound
from transmission.api.models.system import error_responses
from transmission.api.models.trade import (
    MAX_PAGE,
    TradeListResponse,
    TradeQuery,
    TradeResponse,
)
from transmission.services import Services

router = APIRouter(prefix="/api/trades", tags=["trades"], responses=error_responses(401))


@router.get("", response_model=TradeListResponse, responses=error_responses(422))
async def list_trades(
    services: ServicesDep, cache: CacheDep, query: Annotated[TradeQuery, Query()]
) -> Response:
    """Trades newest first (by exit time), filtered, `limit` at a time from `offset`."""
    body = await cache.body(("trades", query), lambda: _page(services, query))
    return Response(body, media_type="application/json")


@router.get("/recent/{limit}", response_model=TradeListResponse, responses=error_responses(422))
async def recent_trades(
    services: ServicesDep, cache: CacheDep, limit: Annotated[int, Path(ge=1, le=MAX_PAGE)]
) -> Response:
    """The `limit` most recent trades of the default run."""
    return await list_trades(services, cache, TradeQuery(limit=limit))


@router.get("/{trade_id}", response_model=TradeResponse, responses=error_responses(404, 422))
def get_trade(
    services: ServicesDep, trade_id: Annotated[str, Path(max_length=200)]
) -> TradeResponse:
    """One trade by id."""
    trade = services.trades.get(trade_id)
    if trade is None:
        raise NotFound(f"no trade with id {trade_id!r}")
    return TradeResponse.model_validate(trade)


def _page(services: Services, query: TradeQuery) -> bytes:
    f = query.to_filter(services.default_run_id)
    page = services.trades.page(f, limit=query.limit, offset=query.offset)
    return TradeListResponse.model_validate(page, from_attributes=True).model_dump_json().encode()

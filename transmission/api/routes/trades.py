"""Trade history: pages with filters, one trade, the most recent trades."""

from __future__ import annotations

from dataclasses import replace
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


@router.get("", response_model=TradeListResponse, responses=error_responses(404, 422))
async def list_trades(
    services: ServicesDep, cache: CacheDep, query: Annotated[TradeQuery, Query()]
) -> Response:
    """Trades newest first (by exit time), filtered, `limit` at a time from `offset`, or after
    the trade `before_id` (a cursor: each page's `next_before_id`)."""
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
    services: ServicesDep, trade_id: Annotated[int, Path(ge=0, lt=2**53)]
) -> TradeResponse:
    """One trade by id; an open trade (entered, not closed yet) has its exit fields null."""
    trade = services.trades.get(trade_id)
    if trade is None:
        raise NotFound(f"no trade with id {trade_id}")
    return TradeResponse.model_validate(trade)


def _page(services: Services, query: TradeQuery) -> bytes:
    f = query.to_filter(services.default_run_id)
    if query.before_id is not None:
        cursor = services.trades.cursor(query.before_id)
        if cursor is None:
            raise NotFound(f"no closed trade with id {query.before_id} to page from (before_id)")
        f = replace(f, before=cursor)
    page = services.trades.page(f, limit=query.limit, offset=query.offset)
    response = TradeListResponse.model_validate(page, from_attributes=True)
    if len(response.trades) == query.limit:
        response.next_before_id = response.trades[-1].trade_id
    return response.model_dump_json().encode()

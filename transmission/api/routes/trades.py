"""Trade history: pages with filters, one trade, the most recent trades."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from transmission import services
from transmission.api.deps import StateDep
from transmission.api.errors import NotFound
from transmission.api.models.system import error_responses
from transmission.api.models.trade import (
    MAX_PAGE,
    TradeListResponse,
    TradeQuery,
    TradeResponse,
)
from transmission.api.state import AppState
from transmission.journal.queries import trade_cursor

router = APIRouter(prefix="/api/trades", tags=["trades"], responses=error_responses(401))


@router.get("", response_model=TradeListResponse, responses=error_responses(404, 422))
async def list_trades(state: StateDep, query: Annotated[TradeQuery, Query()]) -> Response:
    """Trades newest first (by exit time), filtered, `limit` at a time from `offset`, or after
    the trade `before_id` (a cursor: each page's `next_before_id`)."""
    body = await state.cache.body(("trades", query), lambda: _page(state, query))
    return Response(body, media_type="application/json")


@router.get("/recent/{limit}", response_model=TradeListResponse, responses=error_responses(422))
async def recent_trades(
    state: StateDep, limit: Annotated[int, Path(ge=1, le=MAX_PAGE)]
) -> Response:
    """The `limit` most recent trades of the default run."""
    return await list_trades(state, TradeQuery(limit=limit))


@router.get("/{trade_id}", response_model=TradeResponse, responses=error_responses(404, 422))
def get_trade(state: StateDep, trade_id: Annotated[int, Path(ge=0, lt=2**53)]) -> TradeResponse:
    """One trade by id; an open trade (entered, not closed yet) has its exit fields null."""
    trade = services.get_trade(state.journal, trade_id, state.engine)
    if trade is None:
        raise NotFound(f"no trade with id {trade_id}")
    return TradeResponse.model_validate(trade)


def _page(state: AppState, query: TradeQuery) -> bytes:
    f = query.to_filter(state.default_run_id)
    if query.before_id is not None:
        cursor = trade_cursor(state.journal, query.before_id)
        if cursor is None:
            raise NotFound(f"no closed trade with id {query.before_id} to page from (before_id)")
        f = replace(f, before=cursor)
    page = services.list_trades(state.journal, f, limit=query.limit, offset=query.offset)
    response = TradeListResponse.model_validate(page, from_attributes=True)
    if len(response.trades) == query.limit:
        response.next_before_id = response.trades[-1].trade_id
    return response.model_dump_json().encode()

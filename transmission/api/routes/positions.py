"""Open positions, marked at the last bar with their unrealized P&L."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from transmission.api.deps import ServicesDep
from transmission.api.models.history import PositionListResponse, PositionResponse, RunQuery
from transmission.api.models.system import error_responses
from transmission.api.models.trade import TradeResponse

router = APIRouter(prefix="/api/positions", tags=["positions"], responses=error_responses(401))


@router.get("", response_model=PositionListResponse, responses=error_responses(422))
def positions(services: ServicesDep, query: Annotated[RunQuery, Query()]) -> PositionListResponse:
    """The run's open position (none or one): the trade with its exit fields null, the last
    price and the unrealized P&L in $ and R (before costs)."""
    run = query.run or services.default_run_id
    found = services.history.positions(run)
    return PositionListResponse(
        run_id=found[0].trade["run_id"] if found else run,
        positions=[
            PositionResponse(
                trade=TradeResponse.model_validate(p.trade),
                last_price=p.last_price,
                last_price_time=p.last_price_time.to_pydatetime() if p.last_price_time else None,
                unrealized_usd=p.unrealized_usd,
                unrealized_r=p.unrealized_r,
            )
            for p in found
        ],
    )

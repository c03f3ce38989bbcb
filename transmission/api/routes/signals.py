"""Signals: the ones the engine journalled, with their decisions, and signal generation on
demand (what a strategy says now and what risk would decide)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from transmission.api.deps import Authorized, RateLimited, ServicesDep
from transmission.api.errors import UNKNOWN_RUN, Conflict, NotFound
from transmission.api.models.system import error_responses
from transmission.api.models.trade import (
    SignalListResponse,
    SignalQuery,
    SignalRequest,
    SignalResponse,
)

router = APIRouter(prefix="/api/signals", tags=["signals"], responses=error_responses(401))


@router.get("", response_model=SignalListResponse, responses=error_responses(404, 422))
def signals(services: ServicesDep, query: Annotated[SignalQuery, Query()]) -> SignalListResponse:
    """The run's newest signals with the risk manager's decision and, for a vetoed one, why
    (the monitor's signal table starts from here, then follows the WebSocket)."""
    found = services.history.recent_signals(
        query.run or services.default_run_id, query.limit, query.decision
    )
    if found is None:
        raise NotFound(UNKNOWN_RUN)
    return SignalListResponse.model_validate(found)


@router.post(
    "/generate",
    response_model=SignalResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def generate_signal(services: ServicesDep, request: SignalRequest | None = None) -> SignalResponse:
    """Evaluate a strategy (default: the regime's) on the last closed signal bar, and say what
    the risk manager would decide. Read-only: no order is placed, the engine is untouched."""
    request = request or SignalRequest()
    try:
        preview = services.preview.signal(request.strategy, run_id=request.run_id)
    except LookupError as exc:
        raise Conflict(str(exc)) from None
    return SignalResponse.model_validate(preview, from_attributes=True)

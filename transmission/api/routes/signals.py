"""Signal generation on demand: what a strategy says now and what risk would decide."""

from __future__ import annotations

from fastapi import APIRouter

from transmission.api.deps import Authorized, RateLimited, ServicesDep
from transmission.api.errors import Conflict
from transmission.api.models.system import error_responses
from transmission.api.models.trade import SignalRequest, SignalResponse

router = APIRouter(
    prefix="/api/signals",
    tags=["signals"],
    dependencies=[Authorized, RateLimited],
    responses=error_responses(401, 429),
)


@router.post("/generate", response_model=SignalResponse, responses=error_responses(400, 409, 422))
def generate_signal(services: ServicesDep, request: SignalRequest | None = None) -> SignalResponse:
    """Evaluate a strategy (default: the regime's) on the last closed signal bar, and say what
    the risk manager would decide. Read-only: no order is placed, the engine is untouched."""
    request = request or SignalRequest()
    try:
        preview = services.preview.signal(request.strategy, run_id=request.run_id)
    except LookupError as exc:
        raise Conflict(str(exc)) from None
    return SignalResponse.model_validate(preview, from_attributes=True)

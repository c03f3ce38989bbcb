"""Typed dependencies: the services facade, the app state and its parts, the token guard and the
POST rate limit.

Routes take `services: ServicesDep` (freqtrade's `rpc: RPC = Depends(get_rpc)`): the one facade
the lifespan built, never a module-level object.

They are coroutines although they never wait: FastAPI runs plain functions in its thread
pool, a thread hop per dependency per request, which the hot read routes cannot afford.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection, Request

from transmission.api.cache import ResponseCache
from transmission.api.errors import ApiError
from transmission.api.security import presented_token, token_matches
from transmission.api.state import AppState
from transmission.services import Services

_bearer = HTTPBearer(
    auto_error=False,
    description="The API token: TRANSMISSION_API_TOKEN, or the one printed at start.",
)


async def get_state(connection: HTTPConnection) -> AppState:
    state: AppState = connection.app.state.transmission
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_services(state: StateDep) -> Services:
    return state.services


async def get_cache(state: StateDep) -> ResponseCache:
    return state.cache


ServicesDep = Annotated[Services, Depends(get_services)]
CacheDep = Annotated[ResponseCache, Depends(get_cache)]


async def require_token(
    state: StateDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """401 unless the request carries the API token (bearer header)."""
    presented = credentials.credentials if credentials else None
    if presented is None:
        presented = presented_token(request.scope.get("headers", []), b"")
    if not token_matches(state.token, presented):
        raise ApiError(
            401,
            "missing or wrong API token: send 'Authorization: Bearer <token>' "
            "(TRANSMISSION_API_TOKEN, or the token printed when the server started)",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def rate_limit(state: StateDep, request: Request) -> None:
    """429 with Retry-After when this client exceeds the POST rate (settings)."""
    client = request.client.host if request.client else "unknown"
    wait = state.limiter.take(client, time.monotonic())
    if wait > 0:
        per_minute = state.settings.rate_limit_per_minute
        raise ApiError(
            429,
            f"too many requests: at most {per_minute} POST requests a minute; "
            f"retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


Authorized = Depends(require_token)
RateLimited = Depends(rate_limit)

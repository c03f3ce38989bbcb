"""WS /ws: engine events as they happen, served by the connection manager (`api.ws`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocket

from transmission.api.deps import get_state
from transmission.api.errors import error_body
from transmission.api.security import TOKEN_QUERY, bearer_token, token_matches
from transmission.settings import is_loopback

router = APIRouter()


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    """Engine events as they happen. Open on loopback when no token is configured (as the GET
    routes are); otherwise it needs the API token (`?token=` or a bearer header)."""
    state = await get_state(websocket)
    token = websocket.query_params.get(TOKEN_QUERY) or bearer_token(
        websocket.headers.get("authorization")
    )
    server = websocket.scope.get("server")
    open_here = (
        state.token_generated
        and state.settings.is_loopback
        and is_loopback(server[0] if server else None)
    )
    if not open_here and not token_matches(state.token, token):
        body = error_body(401, "missing or wrong API token: connect to /ws?token=<token>")
        await websocket.send_denial_response(JSONResponse(body, 401))
        return
    await websocket.accept()
    await state.manager.serve(websocket)

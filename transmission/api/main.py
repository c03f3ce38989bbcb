"""The FastAPI app: lifespan (journal, engine, WebSocket manager), CORS, security, routes.

Run it with `python run_api.py`, `transmission serve`, `uvicorn transmission.api.main:app`, or
`from transmission.api.main import run_server; run_server()`. The first two and `run_server`
serve with `UVICORN_OPTIONS`; with the uvicorn command, add
`--ws transmission.api.ws.frames:FramedWebSocketProtocol --ws-per-message-deflate false`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from transmission.api import errors
from transmission.api.cache import HotReads
from transmission.api.routes import metrics, signals, system, trades, ws
from transmission.api.security import RemoteGuard, generate_token
from transmission.api.state import AppState, check_bind, open_state, preflight
from transmission.api.ws.frames import uvicorn_ws
from transmission.settings import Settings, load_settings

# `ws`: WebSocket connections that take ready-made frames, so an event is framed once for every
# client (`api.ws.frames`; plain ASGI when uvicorn's private surface has changed). No per-message
# deflate: events are JSON of a few hundred bytes, and it compressed each one once per client
# (half the fan-out's time with 100 clients).
UVICORN_OPTIONS: dict[str, Any] = {"ws": uvicorn_ws(), "ws_per_message_deflate": False}


def create_app(
    settings: Settings | None = None, *, queue_size: int = 256, ping_interval_s: float = 20.0
) -> FastAPI:
    """The app for `settings` (default: from the environment); nothing opens until start-up."""
    settings = settings or load_settings()
    check_bind(settings)
    token = settings.api_token or generate_token()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = open_state(
            settings,
            token=token,
            token_generated=settings.api_token is None,
            queue_size=queue_size,
            ping_interval_s=ping_interval_s,
        )
        app.state.transmission = state
        # Start-up's objects (modules, app, journal, engine) live as long as the process: frozen,
        # they are left out of full collections, whose pause stops every thread (the engine, the
        # event loop): on the WebSocket benchmark's server, 147k objects -> 37k, ~90 ms -> ~20 ms.
        gc.freeze()
        state.start(asyncio.get_running_loop())
        _announce(state)
        try:
            yield
        finally:
            await state.close()

    app = FastAPI(
        title="transmission",
        summary="Regime-switching intraday futures: trades, metrics in R, status, risk, signals.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(HotReads)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(RemoteGuard, token=token, bound_to_loopback=settings.is_loopback)
    errors.install(app)
    for router in (
        system.info_router,
        trades.router,
        metrics.router,
        system.router,
        signals.router,
        ws.router,
    ):
        app.include_router(router)
    return app


def _announce(state: AppState) -> None:
    """Print where the API is and its token, as Jupyter does."""
    s = state.settings
    base = f"http://{s.host}:{s.port}"
    engine = state.engine
    feed = f"engine run {engine.run_id} ({s.feed} feed)" if engine else "journal only (no engine)"
    origin = "from TRANSMISSION_API_TOKEN"
    if state.token_generated:
        origin = "generated for this run; set TRANSMISSION_API_TOKEN to choose one"
    lines = [
        f"transmission API at {base}/docs, {feed}, journal {s.db}",
        f"    token: {state.token}  ({origin})",
        f"    e.g.   curl -X POST -H 'Authorization: Bearer {state.token}' {base}/api/system/halt",
        f"    events: ws://{s.host}:{s.port}/ws?token={state.token}",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def run_server(*, reload: bool = False, **overrides: Any) -> None:
    """Serve with uvicorn; `overrides` are settings (db, host, port, feed, data, speed, ...)."""
    settings = load_settings(**overrides)
    preflight(settings)
    if reload:
        # The reloader imports the app in a fresh process: settings travel in the environment.
        for key, value in overrides.items():
            if value is not None:
                os.environ[f"TRANSMISSION_{key.upper()}"] = str(value)
        uvicorn.run(
            "transmission.api.main:app",
            host=settings.host,
            port=settings.port,
            reload=True,
            **UVICORN_OPTIONS,
        )
        return
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **UVICORN_OPTIONS)


def __getattr__(name: str) -> FastAPI:
    # `uvicorn transmission.api.main:app`: built on first use, so importing this module reads
    # no environment and opens nothing.
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)

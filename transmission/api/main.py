"""The FastAPI app: lifespan (journal, engine, WebSocket manager), CORS, security, routes.

Run it with `python run_api.py`, `transmission serve`, `uvicorn transmission.api.main:app`, or
`from transmission.api.main import run_server; run_server()`. The first two and `run_server`
serve with `UVICORN_OPTIONS`; with the uvicorn command, add
`--ws transmission.api.ws.frames:FramedWebSocketProtocol --ws-per-message-deflate false
--ws-max-size 65536`. Every launcher exits 2 with a one-line message naming a bad setting.

/docs and /redoc are served from fastapi-offline's copies of Swagger UI and ReDoc (no CDN): it
is maintained, pins both bundles, and is a drop-in `FastAPI` constructor; swagger-ui-bundle ships
Swagger UI alone, without ReDoc.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import click
import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from transmission.api import errors
from transmission.api.cache import HotReads
from transmission.api.routes import (
    charts,
    contract,
    metrics,
    positions,
    runs,
    signals,
    system,
    trades,
    ws,
)
from transmission.api.security import RemoteGuard, generate_token, redact_tokens_in_logs
from transmission.api.state import AppState, check_bind, open_state, preflight
from transmission.api.ws.frames import uvicorn_ws
from transmission.settings import Settings, SettingsError, load_settings

# `ws`: WebSocket connections that take ready-made frames, so an event is framed once for every
# client (`api.ws.frames`; plain ASGI when uvicorn's private surface has changed). No per-message
# deflate: events are JSON of a few hundred bytes, and it compressed each one once per client
# (half the fan-out's time with 100 clients). `ws_max_size`: a client message over 64 KiB closes
# its connection with 1009 (clients send pings of a few bytes; uvicorn's default, 16 MiB, let 20
# clients take the server to ~1 GB).
UVICORN_OPTIONS: dict[str, Any] = {
    "ws": uvicorn_ws(),
    "ws_per_message_deflate": False,
    "ws_max_size": 64 * 1024,
}


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
        _announce(state, *_bound_address(settings))
        try:
            yield
        finally:
            await state.close()

    redact_tokens_in_logs()
    app = FastAPIOffline(
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
        contract.router,
        runs.router,
        trades.router,
        metrics.router,
        charts.router,
        positions.router,
        system.router,
        signals.router,
        ws.router,
    ):
        app.include_router(router)
    return app


def _bound_address(settings: Settings) -> tuple[str, int]:
    """The address uvicorn serves on: its command line's --host/--port when it was started as
    `uvicorn transmission.api.main:app ...` (the app is loaded inside that click command), else
    the settings'. The lifespan runs before uvicorn binds, so the socket cannot be asked."""
    context = click.get_current_context(silent=True)
    params = context.params if context is not None else {}
    host = params.get("host") or settings.host
    port = params.get("port") or settings.port
    return str(host), int(port)


def _announce(state: AppState, host: str, port: int) -> None:
    """Print where the API is and its token, as Jupyter does."""
    s = state.settings
    base = f"http://{host}:{port}"
    engine = state.engine
    feed = f"engine run {engine.run_id} ({s.feed} feed)" if engine else "journal only (no engine)"
    # A token the operator chose stays out of the output (it may be collected into a log); a
    # generated one is printed once, as Jupyter does, since nobody could know it otherwise.
    token, shown = state.token, "<token>"
    line = "    token: (from TRANSMISSION_API_TOKEN)"
    if state.token_generated:
        shown = token
        origin = "generated for this run; set TRANSMISSION_API_TOKEN to choose one"
        line = f"    token: {token}  ({origin})"
    lines = [
        f"transmission API at {base}/docs, {feed}, journal {s.db}",
        line,
        f"    e.g.   curl -X POST -H 'Authorization: Bearer {shown}' {base}/api/system/halt",
        f"    events: ws://{host}:{port}/ws?token={shown}",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def run_server(*, reload: bool = False, **overrides: Any) -> None:
    """Serve with uvicorn; `overrides` are settings (db, host, port, feed, data, speed, ...).

    A bad setting ends the process with exit code 2 and one line naming it.
    """
    with _bad_settings_exit():
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
    # The port is taken before the app starts: a taken one is refused before any engine runs
    # (uvicorn binds only after the lifespan, which starts the engine and opens its run).
    listening = bind(settings.host, settings.port)
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, **UVICORN_OPTIONS
    )
    server = uvicorn.Server(config)
    # Ctrl-C is how it stops: uvicorn shuts down, then raises the signal it caught again.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listening])
    if not server.started:
        raise RuntimeError("the API did not start (see the log above)")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); a taken or bad address is a ValueError saying so."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def __getattr__(name: str) -> FastAPI:
    # `uvicorn transmission.api.main:app`: built on first use, so importing this module reads
    # no environment and opens nothing.
    if name == "app":
        with _bad_settings_exit():
            app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)


@contextmanager
def _bad_settings_exit() -> Iterator[None]:
    """A bad setting (SettingsError, or a preflight ValueError) -> its message, exit code 2."""
    try:
        yield
    except (SettingsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None

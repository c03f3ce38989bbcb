"""The app's one state object: settings, journal, engine, the services facade, WebSocket manager,
caches.

Built by the lifespan at start-up and closed at shutdown; routes reach it through `deps`. Nothing
here is a module-level global, so several apps (tests, embedded servers) can live side by side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from transmission.api.cache import ResponseCache
from transmission.api.security import RateLimiter
from transmission.api.ws.manager import ConnectionManager
from transmission.config import load_config
from transmission.engine.feeds import from_file, from_simulator
from transmission.engine.live import LiveEngine
from transmission.engine.live_factory import build_live_engine
from transmission.journal import Journal
from transmission.journal.queries import run_number
from transmission.services import Services
from transmission.settings import Settings, SettingsError

log = logging.getLogger("transmission.api")


@dataclass
class AppState:
    """Everything a request may touch; one per app."""

    settings: Settings
    token: str
    token_generated: bool
    journal: Journal
    engine: LiveEngine | None
    services: Services
    manager: ConnectionManager
    limiter: RateLimiter
    cache: ResponseCache
    started_at: float = field(default_factory=time.time)
    _unsubscribe: Callable[[], None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.manager.start(loop)
        if self.engine is not None:
            journal, run_id = self.journal, self.engine.run_id
            self.manager.run_id = run_id
            self.manager.numbering = lambda: run_number(journal, run_id)
            self._unsubscribe = self.manager.attach(self.engine.bus)
            self.engine.start()

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.engine is not None:
            await asyncio.to_thread(self.engine.stop)
        await self.manager.close()
        self.journal.close()


def open_state(
    settings: Settings,
    *,
    token: str,
    token_generated: bool,
    queue_size: int = 256,
    ping_interval_s: float = 20.0,
) -> AppState:
    """Open the journal and build the engine the settings ask for (not started yet)."""
    engine: LiveEngine | None = None
    if settings.feed == "none":
        # Never the journal itself: an engine started on it later must be able to open it.
        journal = Journal.snapshot_reader(settings.db)
    else:
        journal = Journal(settings.db)
        try:
            engine = build_engine(settings, journal)
        except BaseException:
            journal.close()
            raise
    return AppState(
        settings=settings,
        token=token,
        token_generated=token_generated,
        journal=journal,
        engine=engine,
        services=Services(journal, engine),
        manager=ConnectionManager(queue_size=queue_size, ping_interval_s=ping_interval_s),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        cache=ResponseCache(journal),
    )


def check_bind(settings: Settings) -> None:
    """Refuse an address other machines can reach unless a token guards it."""
    if not settings.is_loopback and not settings.api_token:
        raise SettingsError(
            f"refusing to serve on {settings.host}, reachable from other machines, without a "
            "token: set TRANSMISSION_API_TOKEN, or bind 127.0.0.1"
        )


def preflight(settings: Settings) -> None:
    """Fail before serving, with a clear message, when the settings cannot work."""
    check_bind(settings)
    if settings.feed == "none":
        if not settings.db.is_file():
            raise ValueError(
                f"no journal at {settings.db} to serve: run `transmission backtest` first, "
                "or serve with an engine (--feed replay)"
            )
        return
    load_config(settings.config, symbol=settings.symbol)
    if settings.feed == "follow" and settings.data is None:
        raise ValueError("the follow feed needs a file to follow: set --data (TRANSMISSION_DATA)")
    if settings.feed == "replay" and settings.data is not None and not settings.data.is_file():
        raise ValueError(f"replay data file {settings.data} does not exist")


def build_engine(settings: Settings, journal: Journal) -> LiveEngine:
    """A LiveEngine on the configured feed: a paced replay of a file or the simulator, or a
    followed file. A replay that already completed in this journal is played again as a new
    run (its trades stay); an interrupted one resumes where it stopped."""
    config = load_config(settings.config, symbol=settings.symbol)
    if settings.feed == "follow":
        if settings.data is None:
            raise ValueError(
                "the follow feed needs a file to follow: set --data (TRANSMISSION_DATA)"
            )
        return build_live_engine(journal, config, follow_path=settings.data, speed=settings.speed)
    if settings.data is not None:
        if not settings.data.is_file():
            raise ValueError(f"replay data file {settings.data} does not exist")
        source = from_file(settings.data, config.symbol)
    else:
        source = from_simulator(settings.simulate_days, config.symbol, seed=settings.seed)
    return build_live_engine(
        journal, config, source=source, speed=settings.speed, skip_to_open=True
    )

"""The chart's candles, the open position's mark and the recent signals, read every second or so:
from the services facade (an engine or a journal in this kernel) or from a `transmission serve`
(GET /api/candles, /api/positions). Both give the dashboard the same messages."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import pandas as pd

from transmission.services import Services
from transmission.widgets.state import message


class Market(Protocol):
    span: _Span

    def read(self) -> list[dict[str, Any]]: ...


class _Span:
    """Which candles to ask for: the last `hours` first, then from the newest known one on
    (re-read: the last candle grows until it closes)."""

    def __init__(self, minutes: int, hours: float) -> None:
        if minutes not in (1, 5):
            raise ValueError(f"the chart draws 1- or 5-minute candles, not {minutes}")
        if hours <= 0:
            raise ValueError(f"hours must be positive, got {hours}")
        self.minutes, self.hours = minutes, hours
        self.limit = max(1, int(hours * 60 / minutes))
        self.newest: str | None = None

    def switch(self, minutes: int) -> None:
        """Draw `minutes`-minute candles from now on (read the whole span again)."""
        fresh = _Span(minutes, self.hours)
        self.minutes, self.limit, self.newest = fresh.minutes, fresh.limit, None

    def seen(self, candles: list[dict[str, Any]]) -> None:
        if candles:
            self.newest = str(candles[-1]["ts"])


class ServicesMarket:
    """Reads through `Services` (no SQL here: the history service's)."""

    def __init__(
        self, services: Services, run_id: str | None = None, *, minutes: int = 5,
        hours: float = 6.0, signals: int = 20,
    ) -> None:  # fmt: skip
        self.services, self.run_id, self.signals = services, run_id, signals
        self.span = _Span(minutes, hours)

    def read(self) -> list[dict[str, Any]]:
        history = self.services.history
        run = self.run_id or self.services.default_run_id
        since = pd.Timestamp(self.span.newest) if self.span.newest else None
        found = history.candles(
            run, minutes=self.span.minutes, since=since, until=None, limit=self.span.limit
        )
        if found is None:
            return []
        self.span.seen(found["candles"])
        positions = [
            {
                "trade": p.trade,
                "last_price": p.last_price,
                "last_price_time": p.last_price_time.isoformat() if p.last_price_time else None,
                "unrealized_usd": p.unrealized_usd,
                "unrealized_r": p.unrealized_r,
            }
            for p in history.positions(run)
        ]
        return [
            message("candles", {"minutes": self.span.minutes, "candles": found["candles"]}),
            message("positions", {"positions": positions}),
            message("signals", history.recent_signals(run, self.signals) or {"signals": []}),
        ]


class ApiMarket:
    """Reads a `transmission serve` at `url` (signals come over its WebSocket)."""

    def __init__(
        self, url: str, token: str | None = None, *, minutes: int = 5, hours: float = 6.0,
        timeout: float = 2.0,
    ) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=timeout)
        self.span = _Span(minutes, hours)

    def read(self) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"interval": self.span.minutes, "limit": self.span.limit}
        if self.span.newest:
            params["since"] = self.span.newest
        out = []
        candles = self.client.get("/api/candles", params=params)
        if candles.status_code == 200:
            body = candles.json()
            self.span.seen(body["candles"])
            out.append(
                message("candles", {"minutes": self.span.minutes, "candles": body["candles"]})
            )
        positions = self.client.get("/api/positions")
        if positions.status_code == 200:
            out.append(message("positions", {"positions": positions.json()["positions"]}))
        return out

    def close(self) -> None:
        self.client.close()

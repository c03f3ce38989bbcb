"""Feed a dashboard from an engine running in this kernel (a `LiveEngine` on its own thread).

The bus handler only enqueues the event object (the engine's thread does nothing else for the
widgets); the engine's status is read once per dashboard flush, which is how bars processed and
the open P&L stay current between events. Everything goes through the services facade it is
handed (`Services(journal, engine)`): status, tripwires and trades are read, and halt and resume
sent, the way the API does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd

from transmission.journal.queries import TradeFilter, regime_changes_frame, run_number
from transmission.services import Services, records
from transmission.strategies.names import display_name
from transmission.widgets.inbox import Inbox
from transmission.widgets.market import ServicesMarket
from transmission.widgets.state import message


def _plain(value: Any) -> Any:
    """JSON-like values: timestamps as ISO strings, containers walked."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class EngineFeed:
    """Events, status and controls of a `LiveEngine` in the same process."""

    def __init__(self, services: Services, *, history: int = 500) -> None:
        if services.engine is None:
            raise ValueError(
                "EngineFeed needs services with a running engine: Services(journal, engine)"
            )
        if history < 1:
            raise ValueError(f"history must be at least 1 trade, got {history}")
        engine = services.engine
        self.services = services
        self.engine = engine
        self.history = history
        self.description = f"in-kernel engine x{engine.speed:g}"
        self._unsubscribe: Callable[[], None] | None = None
        self.market = ServicesMarket(services, engine.run_id)  # the chart and the position's mark

    def attach(self, inbox: Inbox) -> None:
        """Subscribe first, then take the snapshot, so no event falls in between."""
        journal, run_id = self.engine.journal, self.engine.run_id
        inbox.numbering = lambda: run_number(journal, run_id)  # trades' public ids, as in REST
        self._unsubscribe = self.engine.bus.subscribe(inbox.put)
        inbox.put(message("connection", {"state": "connected"}))
        for item in self.snapshot():
            inbox.put(item)

    def snapshot(self) -> list[dict[str, Any]]:
        engine, services = self.engine, self.services
        page = services.trades.page(TradeFilter(run_id=engine.run_id), limit=self.history)
        report = services.state.risk(engine.run_id)
        tripwires = report.tripwires if report is not None else []
        risk = {"tripwires": [dataclasses.asdict(s) for s in tripwires]}
        out = [
            self.status_message(),
            message("risk", risk),
            message("trades", {"trades": [_shown(t) for t in page.trades], "total": page.total}),
        ]
        changes = regime_changes_frame(services.journal, engine.run_id)
        if len(changes):
            last = records(changes.tail(1))[0]
            data = {k: last.get(k) for k in ("previous", "regime", "direction", "reason")}
            # As the engine's RegimeChange message has it: flat beside `type` (Event.to_message).
            out.append({"type": "regime_change", "timestamp": last["ts"], **data})
        return out

    def status_message(self) -> dict[str, Any]:
        snapshot = self.services.state.status(self.engine.run_id)  # the engine's, under its lock
        assert snapshot is not None  # a running engine always has a status
        status = _plain(dataclasses.asdict(snapshot))  # EngineStatus, the one schema
        if status.get("active_strategy"):  # display names, as the events and the API show them
            status["active_strategy"] = display_name(status["active_strategy"])
        return message("status", status, status.get("last_bar_time"))

    def poll(self) -> list[dict[str, Any]]:
        """The engine's status now (cheap: a few fields under the engine's lock)."""
        return [self.status_message()]

    def halt(self, reason: str) -> None:
        self.services.control.halt(reason)

    def resume(self) -> None:
        self.services.control.resume()

    def reset(self, rule: str, reason: str) -> None:
        self.services.control.reset_rule(rule, reason)

    def flatten(self, reason: str) -> None:
        self.services.control.flatten(reason)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def _shown(trade: dict[str, Any]) -> dict[str, Any]:
    """A journal trade record as the events show it (strategy display name beside its id)."""
    strategy = str(trade["strategy_used"])
    return {**trade, "strategy_used": display_name(strategy), "strategy_id": strategy}

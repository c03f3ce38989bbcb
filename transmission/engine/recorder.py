"""The journal writer: turns engine events into journal rows and commits them in batches.

It subscribes to the bus like any other consumer, so the journal holds exactly what the WebSocket
and the widgets were told. Rows are buffered and written with the engine's checkpoint in one
transaction (DuckDB commits are slow one row at a time, fast in bulk), so a crash between two
flushes loses only work the restart will redo exactly.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from transmission.engine.events import Event, RegimeChange, RiskUpdate, SignalEvent, TradeExecution
from transmission.journal import Checkpoint, Journal, JournalBatch

log = logging.getLogger(__name__)


def _ns(ts: Any) -> int:
    return int(ts.value)


class JournalRecorder:
    """Buffers the rows of one run's events; `flush` writes them with a checkpoint."""

    def __init__(self, journal: Journal, run_id: str, snapshot_every_s: float | None = None):
        self.journal = journal
        self.run_id = run_id
        self.batch = JournalBatch()
        self.seq = {"regime": 0, "risk": 0}
        self.snapshot_every_s = snapshot_every_s
        self._last_snapshot = 0.0

    def __call__(self, event: Event) -> None:
        run = self.run_id
        if isinstance(event, TradeExecution):
            if event.action == "exit":
                self.batch.add(
                    "trades",
                    (
                        event.trade_id,
                        run,
                        event.signal_id,
                        event.symbol,
                        event.trade_type,
                        event.strategy_used,
                        event.regime,
                        event.trading_day,
                        _ns(event.timestamp_entry),
                        _ns(event.timestamp_exit),
                        event.entry_price,
                        event.exit_price,
                        event.stop_price,
                        event.target_price,
                        event.contracts,
                        event.risk_usd,
                        event.commission_usd,
                        event.pnl_usd,
                        event.result_r,
                        event.exit_reason,
                    ),
                )
        elif isinstance(event, SignalEvent):
            self.batch.add(
                "signals",
                (
                    run,
                    event.signal_id,
                    _ns(event.ts_event),
                    event.symbol,
                    event.strategy,
                    event.regime,
                    event.side,
                    event.order_type,
                    event.entry_price,
                    event.stop_price,
                    event.target_price,
                    event.reason,
                    event.decision,
                    event.veto_reason,
                    event.contracts,
                ),
            )
        elif isinstance(event, RegimeChange):
            self.seq["regime"] += 1
            self.batch.add(
                "regime_changes",
                (
                    run,
                    self.seq["regime"],
                    _ns(event.ts_event),
                    event.symbol,
                    event.previous,
                    event.regime,
                    event.direction,
                    event.reason,
                ),
            )
        elif isinstance(event, RiskUpdate):
            self.seq["risk"] += 1
            self.batch.add(
                "risk_events",
                (
                    run,
                    self.seq["risk"],
                    _ns(event.ts_event),
                    event.rule,
                    event.event,
                    event.reason,
                    event.until,
                    event.strategy,
                ),
            )

    def add_bar(self, dataset: str, symbol: str, bar: tuple[Any, ...]) -> None:
        self.batch.add("bars", (dataset, symbol, *bar))

    def flush(self, checkpoint: Checkpoint, *, snapshot: bool = False) -> None:
        """Commit the buffered rows with the checkpoint; maybe publish a reader snapshot."""
        self.journal.write_batch(self.batch, checkpoint)
        if self.snapshot_every_s is None or self.journal.path == ":memory:":
            return
        now = time.monotonic()
        if snapshot or now - self._last_snapshot >= self.snapshot_every_s:
            try:
                self.journal.publish_snapshot()
            except Exception as exc:  # a failed snapshot (a full disk) must never stop the engine
                log.warning(
                    "could not publish the journal snapshot (tried again in %.0f s): %s",
                    self.snapshot_every_s,
                    exc,
                )
            self._last_snapshot = now

    def state_dict(self) -> dict[str, int]:
        return dict(self.seq)

    def restore(self, state: dict[str, int]) -> None:
        self.seq = dict(state)

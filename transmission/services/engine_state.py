"""Engine state, status and risk: a running engine's snapshot, else a run's last checkpoint.

A running engine answers for itself, read under its lock (one consistent snapshot, never a copy
racing the engine's thread); a journal answers with its run's last checkpoint, so a served
journal (`--feed none`) shows the state its engine stopped in.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from transmission.config import EngineConfig
from transmission.engine.status import EngineStatus
from transmission.journal import Journal
from transmission.journal.queries import checkpoint_progress, last_regime, resolve_run, run_info
from transmission.risk import RiskManager, RuleStatus
from transmission.services.shaping import exchange_time

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine


@dataclass(frozen=True)
class EngineState:
    """An engine's state at its last processed bar, live or restored from a run's checkpoint."""

    run_id: str
    source: str  # "engine" or "journal"
    run_status: str
    config: EngineConfig
    dataset: str
    last_bar_ns: int | None
    bars_processed: int
    regime: str
    direction: str | None
    risk: RiskManager
    broker: dict[str, Any]
    shadow: dict[str, Any]

    @property
    def active_strategy(self) -> str | None:
        return self.config.gearbox.get(self.regime)

    @property
    def now_ns(self) -> int:
        return self.last_bar_ns or 0


@dataclass(frozen=True)
class RiskReport:
    can_trade: bool
    risk_reason: str | None
    tripwires: list[RuleStatus]


@dataclass(frozen=True)
class Checkpoint:
    """A run's liveness: its id, last bar time and bars processed."""

    run_id: str
    last_bar_time: pd.Timestamp | None
    bars_processed: int


class EngineStates:
    """What the status, risk, health and signal routes read, with or without a running engine."""

    def __init__(self, journal: Journal, engine: LiveEngine | None = None) -> None:
        self.journal = journal
        self.engine = engine

    @property
    def source(self) -> str:
        """Who answers the reads that name no run: "engine" or "journal"."""
        return "engine" if self.engine is not None else "journal"

    def _live(self, run_id: str | None) -> LiveEngine | None:
        engine = self.engine
        return engine if engine is not None and run_id in (None, engine.run_id) else None

    def state(self, run_id: str | None = None) -> EngineState | None:
        """The running engine's state, else the run's (None: the latest) checkpoint."""
        engine = self._live(run_id)
        if engine is not None:
            return _live_state(engine)
        return _journal_state(self.journal, run_id)

    def status(self, run_id: str | None = None) -> EngineStatus | None:
        """The engine's status; from the run's checkpoint when no engine runs. None: no run."""
        engine = self._live(run_id)
        if engine is not None:
            return engine.status()
        state = _journal_state(self.journal, run_id)
        if state is None:
            return None
        risk = state.risk
        decision = risk.can_trade(state.now_ns)
        return EngineStatus(
            run_id=state.run_id,
            symbol=state.config.symbol,
            system_state="halted" if risk.state.halted else state.run_status,
            current_regime=state.regime,
            regime_direction=state.direction,
            active_strategy=state.active_strategy,
            daily_pnl_r=risk.state.daily_pnl_r,
            weekly_pnl_r=risk.state.weekly_pnl_r,
            current_r=risk.state.equity_r,
            consecutive_red_days=risk.state.consecutive_red_days,
            can_trade=not decision.tripped,
            risk_reason=decision.reason or None,
            last_bar_time=exchange_time(state.last_bar_ns),
            bars_processed=state.bars_processed,
            open_position=state.broker.get("position"),
        )

    def risk(self, run_id: str | None = None) -> RiskReport | None:
        """Every tripwire's state and whether the engine may open a trade now. None: no run."""
        engine = self._live(run_id)
        if engine is not None:
            status = engine.status()
            return RiskReport(status.can_trade, status.risk_reason, engine.risk_statuses())
        state = _journal_state(self.journal, run_id)
        if state is None:
            return None
        decision = state.risk.can_trade(state.now_ns)
        return RiskReport(
            not decision.tripped, decision.reason or None, state.risk.statuses(state.now_ns)
        )

    def checkpoint(self, run_id: str | None = None) -> Checkpoint | None:
        """The running engine's progress, else the run's checkpoint: a cheap liveness read."""
        engine = self._live(run_id)
        if engine is not None:
            status = engine.status()
            return Checkpoint(status.run_id, status.last_bar_time, status.bars_processed)
        run = resolve_run(self.journal, run_id)
        if run is None:
            return None
        progress = checkpoint_progress(self.journal, run)
        if progress is None:
            return Checkpoint(run, None, 0)
        return Checkpoint(run, exchange_time(progress[0]), progress[1])

    def health(self) -> Health:
        """Readiness: the journal answers a read, and the engine has not failed."""
        try:
            checkpoint = self.checkpoint()
            database = True
        except Exception:  # any failure to read is what health reports, not raises
            checkpoint, database = None, False
        engine = self.engine
        error = engine.error if engine is not None else None
        engine_ok = engine is None or (
            error is None and (engine.running or engine.finished.is_set())
        )
        stale_since = engine.stale_since if engine is not None else None
        return Health(
            ready=database and engine_ok,
            database=database,
            run_id=checkpoint.run_id if checkpoint else None,
            last_bar_time=checkpoint.last_bar_time if checkpoint else None,
            engine_running=engine is not None and engine.running,
            engine_finished=engine is not None and engine.finished.is_set(),
            engine_error=f"{type(error).__name__}: {error}" if error is not None else None,
            stale_since=stale_since,
            feed_note=engine.feed_note if engine is not None else None,
        )


@dataclass(frozen=True)
class Health:
    """Whether the journal answers and the engine (if any) runs or finished cleanly."""

    ready: bool
    database: bool
    run_id: str | None
    last_bar_time: pd.Timestamp | None
    engine_running: bool
    engine_finished: bool
    engine_error: str | None
    stale_since: pd.Timestamp | None = None  # while `stale_feed` holds: the last bar before
    feed_note: str | None = None  # what the feed last noticed (a file rotated or truncated)

    @property
    def ok(self) -> bool:
        """Ready, and the feed is not stale."""
        return self.ready and self.stale_since is None


def _live_state(engine: LiveEngine) -> EngineState:
    orchestrator = engine.run.orchestrator
    # One snapshot under the engine's lock: the status and the state it saves agree, and the
    # engine's thread cannot change a dict while it is copied.
    with orchestrator.lock:
        status = engine.status()
        saved = copy.deepcopy(orchestrator.state_dict())
    risk = RiskManager(engine.config.risk_config(), engine.config.strategy_names())
    risk.restore(saved["risk"])
    last = status.last_bar_time
    return EngineState(
        run_id=engine.run_id,
        source="engine",
        run_status="running" if engine.running else "stopped",
        config=engine.config,
        dataset=engine.run.dataset,
        last_bar_ns=int(last.value) if last is not None else None,
        bars_processed=status.bars_processed,
        regime=status.current_regime,
        direction=status.regime_direction,
        risk=risk,
        broker=saved["broker"],
        shadow=saved["shadow"],
    )


def run_config(journal: Journal, run: str | None) -> tuple[dict[str, Any], EngineConfig] | None:
    """A run's journalled row and the engine config it ran with (None: no such run)."""
    info = run_info(journal, run) if run else None
    if info is None:
        return None
    params = info["params"]
    params = json.loads(params) if isinstance(params, str) else params
    try:
        config = EngineConfig(**params["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"run {run}: its stored engine config cannot be read: {exc}") from None
    return info, config


def _journal_state(journal: Journal, run_id: str | None) -> EngineState | None:
    run = resolve_run(journal, run_id)
    found = run_config(journal, run)
    checkpoint = journal.load_checkpoint(run) if run else None
    if run is None or found is None or checkpoint is None or "orchestrator" not in checkpoint.state:
        return None
    info, config = found
    saved = checkpoint.state["orchestrator"]
    risk = RiskManager(config.risk_config(), config.strategy_names())
    risk.restore(saved["risk"])
    regime, direction = last_regime(journal, str(run)) or ("NO_TRADE", None)
    return EngineState(
        run_id=str(run),
        source="journal",
        run_status=str(info["status"]),
        config=config,
        dataset=str(info["dataset"]),
        last_bar_ns=checkpoint.last_bar_ns,
        bars_processed=checkpoint.bars_processed,
        regime=regime,
        direction=direction,
        risk=risk,
        broker=saved["broker"],
        shadow=saved["shadow"],
    )

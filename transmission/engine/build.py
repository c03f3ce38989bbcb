"""The composition root: every engine part is built here from a config and handed in.

NautilusTrader's kernel is the model: it builds clock, bus, cache and engines and gives each its
parts; nothing downstream constructs its own. Here `build_parts` makes the sessions, the signal
pipeline (live, and the factory of the replay one), risk, the real and the shadow broker and the
session exits; `build_orchestrator` hands them, a bus and a clock to the orchestrator. A live
broker adapter plugs in through `broker=` (an `ExecutionPort`) without touching the orchestrator.

The `LiveEngine` that runs an orchestrator over a feed is made above this, in
`engine/live_factory.py` (the live engine imports the runner, which builds through here).
"""

from __future__ import annotations

from functools import partial

from transmission.config import EngineConfig
from transmission.contracts import contract_for
from transmission.engine.bus import EventBus
from transmission.engine.clock import Clock, ReplayClock
from transmission.engine.exits import SessionExits
from transmission.engine.gearbox import Gearbox
from transmission.engine.orchestrator import Orchestrator
from transmission.engine.parts import EngineParts
from transmission.engine.pipeline import LivePipeline
from transmission.engine.replay import ReplayPipeline
from transmission.execution import PaperBroker
from transmission.execution.port import ExecutionPort
from transmission.features import IncrementalFeatures
from transmission.market.calendar import MINUTE_NS, SessionTracker
from transmission.market.resample import BarAggregator
from transmission.regime import RegimeClassifier
from transmission.risk import RiskManager


def build_parts(config: EngineConfig, *, broker: ExecutionPort | None = None) -> EngineParts:
    """The parts of one engine for `config`; `broker`: the real broker (default: paper)."""
    if broker is not None and not isinstance(broker, ExecutionPort):
        raise TypeError(f"broker {broker!r} does not implement the ExecutionPort methods")
    spec = contract_for(config.symbol)
    costs = config.cost_config()
    sessions = SessionTracker()
    gearbox = Gearbox(config.gearbox, config.strategies, spec.tick)
    pipeline = LivePipeline(
        BarAggregator(config.timeframe_minutes),
        IncrementalFeatures(config.feature_config(), config.timeframe_minutes),
        RegimeClassifier(config.regime_config()),
        gearbox,
        rules=config.session.rules,
        timeframe_minutes=config.timeframe_minutes,
    )
    return EngineParts(
        spec=spec,
        costs=costs,
        sessions=sessions,
        pipeline=pipeline,
        prepare_replay=partial(
            ReplayPipeline.prepare, config=config, sessions=sessions, gearbox=gearbox
        ),
        risk=RiskManager(config.risk_config(), tuple(gearbox.strategies)),
        broker=broker if broker is not None else PaperBroker(spec, costs),
        shadow=PaperBroker(spec, costs),
        exits=SessionExits(
            config.session.rules, config.session.flatten_minutes_before_close * MINUTE_NS
        ),
    )


def build_orchestrator(
    config: EngineConfig,
    *,
    run_id: str,
    bus: EventBus | None = None,
    clock: Clock | None = None,
    broker: ExecutionPort | None = None,
) -> Orchestrator:
    """An orchestrator assembled from `build_parts` (a replay clock unless one is given)."""
    return Orchestrator(
        config,
        build_parts(config, broker=broker),
        run_id=run_id,
        bus=bus or EventBus(),
        clock=clock or ReplayClock(),
    )

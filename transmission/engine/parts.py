"""The parts an orchestrator is assembled from, built by the composition root (engine/build.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transmission.contracts import ContractSpec
from transmission.engine.exits import SessionExits
from transmission.engine.pipeline import SignalPipeline
from transmission.engine.replay import ReplayPipeline
from transmission.execution.costs import CostConfig
from transmission.execution.port import ExecutionPort
from transmission.market.calendar import SessionTracker
from transmission.risk import RiskManager


@dataclass(frozen=True)
class EngineParts:
    """Everything the orchestrator wires; none of it built by the orchestrator itself.

    `broker` trades real money (the paper broker, or a live adapter); `shadow` trades on paper
    the signals of strategies paused by their performance. `prepare_replay` makes the replay
    pipeline of a known history (same gearbox, same sessions).
    """

    spec: ContractSpec
    costs: CostConfig
    sessions: SessionTracker
    pipeline: SignalPipeline
    prepare_replay: Callable[..., ReplayPipeline]  # (bars, *, feature_cache=None)
    risk: RiskManager
    broker: ExecutionPort
    shadow: ExecutionPort
    exits: SessionExits

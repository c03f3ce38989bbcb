"""A run: an orchestrator bound to a journal, started fresh or resumed from its checkpoint.

Restart safety: the journal holds, with every batch of rows, a checkpoint of what the bars cannot
rebuild (orders, position, risk state, counters) and the time of the last bar processed. A run
that starts again on the same journal rebuilds features, regimes and strategies by replaying its
bars up to that time without trading, restores the checkpoint, and goes on from the next bar.
Rows are written with ON CONFLICT DO NOTHING on deterministic ids, so nothing is counted twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from transmission import identity
from transmission.config import EngineConfig
from transmission.engine.build import build_orchestrator
from transmission.engine.bus import EventBus
from transmission.engine.clock import Clock
from transmission.engine.feeds import BarSource, BarTuple, replay
from transmission.engine.recorder import JournalRecorder
from transmission.execution.port import ExecutionPort
from transmission.journal import Checkpoint, Journal

log = logging.getLogger(__name__)
PROGRESS_STEP = 5000  # bars between two progress reports


def run_id_for(kind: str, source_identity: str, config: EngineConfig) -> str:
    return identity.run_id(kind, source_identity, config)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    bars: int
    resumed_from: pd.Timestamp | None
    elapsed_s: float

    @property
    def bars_per_second(self) -> float:
        return self.bars / self.elapsed_s if self.elapsed_s > 0 else float("nan")


class EngineRun:
    """One run of the engine on one journal (`kind`: backtest, serve, notebook...).

    Rows are committed with a checkpoint every `journal.flush_every_bars` bars; with
    `flush_on_events` (live runs) also at once after any bar that produced an event, so every
    signal, fill, trade and risk event is durable within its bar. Bars between checkpoints are
    not at risk: a restart replays them from the source to the same result.
    """

    def __init__(
        self,
        journal: Journal,
        config: EngineConfig,
        *,
        kind: str,
        dataset: str,
        source_identity: str,
        params: dict[str, Any] | None = None,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        run_id: str | None = None,
        snapshot_every_s: float | None = None,
        flush_on_events: bool = False,
        broker: ExecutionPort | None = None,
    ) -> None:
        self.journal = journal
        self.flush_on_events = flush_on_events
        self.config = config
        self.dataset = dataset
        # The manifest once: its code digests read the source of every strategy, rule and
        # feature module, a start-up cost a short replay feels.
        manifest = identity.run_manifest(kind, source_identity, config)
        self.run_id = run_id or identity.run_id_of(manifest)
        self.bus = bus or EventBus()
        self.orchestrator = build_orchestrator(
            config, run_id=self.run_id, bus=self.bus, clock=clock, broker=broker
        )
        self.recorder = JournalRecorder(journal, self.run_id, snapshot_every_s)
        self.bus.subscribe(self.recorder)
        self.kind = kind
        self.params = {
            "kind": kind,
            "dataset": dataset,
            "source": source_identity,
            "config": config.model_dump(mode="json"),
            "identity": manifest,
            **(params or {}),
        }
        self._since_flush = 0
        self.resumed_from: int | None = None
        self.controls_seq = 0  # the last control (halt, reset...) the state has applied

    @property
    def status(self) -> str | None:
        return self.journal.run_status(self.run_id)

    def start(self, history: Iterable[BarTuple] = ()) -> int | None:
        """Open the run in the journal; resume from its checkpoint when it has one.

        `history` is the run's bars from the beginning (only those up to the checkpoint are
        read, to rebuild state). Returns the epoch-ns time of the last bar already processed.
        """
        checkpoint = self.journal.load_checkpoint(self.run_id)
        self.journal.start_run(
            self.run_id, self.kind, self.config.symbol, self.dataset, self.params
        )
        if checkpoint is None or checkpoint.last_bar_ns is None:
            return None
        orchestrator = self.orchestrator
        orchestrator.live = False
        for bar in history:
            if bar[0] > checkpoint.last_bar_ns:
                break
            orchestrator.on_bar(*bar)
        with orchestrator.lock:
            orchestrator.live = True
            orchestrator.restore(checkpoint.state["orchestrator"])
            self.recorder.restore(checkpoint.state["recorder"])
            self.controls_seq = int(checkpoint.state.get("controls_seq", 0))
            # Events made before the restore (a control sent meanwhile) belong to the state it
            # replaced: the control is applied again to the restored one.
            self.recorder.batch.clear()
        orchestrator.bars_processed = checkpoint.bars_processed
        self.resumed_from = checkpoint.last_bar_ns
        log.info("run %s resumed after %s", self.run_id, checkpoint.last_bar_ns)
        return checkpoint.last_bar_ns

    def on_bar(self, bar: BarTuple, *, store_bar: bool = False) -> None:
        # Under the orchestrator's lock as a whole: a control's flush from another thread never
        # writes (and clears) the batch between a bar and its stored row.
        with self.orchestrator.lock:
            self.orchestrator.on_bar(*bar)
            if store_bar:
                self.recorder.add_bar(self.dataset, self.config.symbol, bar)
            self._since_flush += 1
            if self._since_flush >= self.config.journal.flush_every_bars or (
                self.flush_on_events and self.recorder.batch.has_events
            ):
                self.flush()

    def replay_prepared(self, progress: Callable[[int], None] | None = None) -> int:
        """Run the rest of a prepared replay (`Orchestrator.prepare_replay`) to its end.

        Bars on which nothing can happen are stepped over (`Orchestrator.fast_forward`). Only
        the bars that go through `on_bar` count towards a checkpoint: the others make no rows
        but their regime transitions, which the next checkpoint writes (a restart steps over
        them again, to the same rows). Returns the number of bars run.
        """
        orchestrator = self.orchestrator
        replay = orchestrator.replay
        if replay is None:
            raise RuntimeError("replay_prepared needs Orchestrator.prepare_replay first")
        plan = replay.plan
        first = k = replay.cursor
        reported, n = first, len(plan)
        while k < n:
            k = orchestrator.fast_forward(n)
            if k < n:
                self.on_bar(plan.bar(k))
                k += 1
            if progress is not None and k - reported >= PROGRESS_STEP:
                progress(k - reported)
                reported = k
        if progress is not None and k > reported:
            progress(k - reported)
        return k - first

    def flush(self, *, snapshot: bool = False) -> None:
        orchestrator = self.orchestrator
        # Under the orchestrator's lock: a halt from the API thread lands wholly before or after
        # the checkpoint, its journal row and its state together.
        with orchestrator.lock:
            state: dict[str, Any] = {
                "orchestrator": orchestrator.state_dict(),
                "recorder": self.recorder.state_dict(),
            }
            if self.controls_seq:  # only runs that were controlled: replays' goldens stay
                state["controls_seq"] = self.controls_seq
            checkpoint = Checkpoint(
                self.run_id, orchestrator.last_bar_ns, orchestrator.bars_processed, state
            )
            self.recorder.flush(checkpoint, snapshot=snapshot)
        self._since_flush = 0

    def finish(self, status: str = "completed", quarantined: int = 0) -> None:
        self.flush(snapshot=True)
        self.journal.finish_run(self.run_id, status, quarantined)


def run_source(
    journal: Journal,
    source: BarSource,
    config: EngineConfig,
    *,
    kind: str = "backtest",
    rerun: bool = False,
    bus: EventBus | None = None,
    progress: Callable[[int], None] | None = None,
    store_bars: bool = True,
    snapshot_every_s: float | None = None,
    run_id: str | None = None,
    feature_cache: MutableMapping[Hashable, Any] | None = None,
) -> RunSummary:
    """Replay a whole source through the engine into the journal, resuming when interrupted.

    `run_id`: the run's id when the caller knows more of its identity than the data and the
    config (the research API adds the source of user strategies and features).
    `feature_cache`: see `Orchestrator.prepare_replay` (sweeps reuse features across points).
    """
    started = time.perf_counter()
    if store_bars:
        journal.insert_bars(source.dataset, source.symbol, source.bars)
        journal.insert_quarantine(source.dataset, source.symbol, source.quarantined)

    def make_run(run_id: str | None) -> EngineRun:
        return EngineRun(
            journal,
            config,
            kind=kind,
            dataset=source.dataset,
            source_identity=source.identity,
            params={"description": source.description},
            bus=bus,
            run_id=run_id,
            snapshot_every_s=snapshot_every_s,
        )

    run = make_run(run_id)
    if run.status == "completed":
        if not rerun:
            return RunSummary(run.run_id, "already completed", 0, None, 0.0)
        run = make_run(journal.rerun_id(run.run_id))  # the completed run stays as it was
    # The whole history is known: features, regimes and signals in batch, not bar by bar, and
    # the bars on which nothing can happen stepped over.
    run.orchestrator.prepare_replay(source.bars, feature_cache)
    after = run.start(replay(source.bars))
    processed = run.replay_prepared(progress)
    run.finish(quarantined=len(source.quarantined))
    resumed = pd.Timestamp(after, unit="ns", tz="UTC") if after is not None else None
    return RunSummary(run.run_id, "completed", processed, resumed, time.perf_counter() - started)

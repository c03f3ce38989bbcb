"""An engine running in a background thread on a live-like feed.

Used alike by `transmission serve` (the API's engine), the live-monitor notebook (an engine in
the kernel) and the tests. The feed is a replay paced as live over a bar source (a file or the
simulator), or a file another program appends to. Every bar is committed with its checkpoint
(live mode), and a read snapshot is published every few seconds for other processes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from transmission.config import EngineConfig, JournalConfig
from transmission.engine.bus import EventBus
from transmission.engine.clock import Clock, WallClock
from transmission.engine.events import RunStatus
from transmission.engine.feeds import BarSource, FeedClock, FollowedFile, follow, paced, replay
from transmission.engine.runner import EngineRun
from transmission.engine.status import EngineStatus
from transmission.journal import Journal
from transmission.journal.queries import bars_frame
from transmission.market.calendar import EXCHANGE_TZ
from transmission.risk import RuleStatus

log = logging.getLogger(__name__)


SKIP_TO = (9 * 60, 9 * 60 + 30)  # ET minutes: the half hour before the RTH open
WATCH_EVERY_S = 0.5  # how often the feed's watchdog looks for a silent feed
CONTROLS = ("halt", "resume", "reset", "flatten")


class LiveEngine:
    """Owns one EngineRun and the thread that feeds it."""

    def __init__(
        self,
        journal: Journal,
        config: EngineConfig,
        *,
        source: BarSource | None = None,
        follow_path: Path | None = None,
        speed: float = 60.0,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        kind: str = "live",
        flush_every_bars: int = 500,
        replaying: int = 1,
        follow_pace: float = 1.0,
    ) -> None:
        """`replaying`: which replay of the source this is; each is a run of its own, so a
        finished replay played again is a new run and keeps the first one's rows.
        `follow_pace`: market seconds a wall second stands for on a followed file, for the
        stale-feed watchdog (1: the file is live; a test may speed it up); a paced replay's
        clock runs at `speed`, between its bars."""
        if (source is None) == (follow_path is None):
            raise ValueError("a live engine needs exactly one of a bar source or a file to follow")
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        live_journal = JournalConfig(
            flush_every_bars=flush_every_bars,
            snapshot_every_seconds=config.journal.snapshot_every_seconds,
        )
        self.config = config.model_copy(update={"journal": live_journal})
        self.journal = journal
        self.source = source
        self.follow_path = follow_path
        self.speed = speed
        self.bus = bus or EventBus()
        if source is not None:
            dataset, identity = source.dataset, f"{source.identity}:x{speed:g}"
            if replaying > 1:
                identity += f":replay{replaying}"
            description = f"{source.description}, replayed at x{speed:g}"
        else:
            assert follow_path is not None
            dataset, identity = f"follow-{follow_path.stem}", str(follow_path.resolve())
            description = f"following {follow_path.resolve()}"
        self.run = EngineRun(
            journal,
            self.config,
            kind=kind,
            dataset=dataset,
            source_identity=identity,
            params={
                "speed": speed,
                "feed": "follow" if follow_path else "replay",
                "description": description,  # what `transmission runs` and reads name
            },
            bus=self.bus,
            clock=clock or WallClock(),
            snapshot_every_s=self.config.journal.snapshot_every_seconds,
            flush_on_events=True,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.outcome: str | None = None
        self.followed: FollowedFile | None = None
        # Controls: journalled first, then applied; those sent before the checkpoint is restored
        # are applied again to the restored state, so a restore never undoes one.
        self._control_lock = threading.Lock()
        self._ready = False
        # The feed's clock, for the watchdog (see FeedClock).
        self._clock = FeedClock(pace=follow_pace if follow_path is not None else speed)
        self._stale_since_ns: int | None = None
        self._watchdog: threading.Thread | None = None
        self._watch_stop = threading.Event()
        # Set once the run has ended and no engine thread touches the journal any more.
        self.finished = threading.Event()

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def watching(self) -> bool:
        """Whether the stale-feed watchdog runs (from `start` until the run ends)."""
        return self._watchdog is not None and self._watchdog.is_alive()

    def start(self) -> LiveEngine:
        if self.source is not None:
            self.journal.insert_bars(self.source.dataset, self.source.symbol, self.source.bars)
            self.journal.insert_quarantine(
                self.source.dataset, self.source.symbol, self.source.quarantined
            )
        # The watchdog first: the engine's thread stops it (and waits for it) before the run ends.
        self._watchdog = threading.Thread(
            target=self._watch, name="transmission-feed-watchdog", daemon=True
        )
        self._watchdog.start()
        self._thread = threading.Thread(target=self._loop, name="transmission-engine", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._watch_stop.set()
        for thread in (self._thread, self._watchdog):
            if thread is not None:
                thread.join(timeout)

    def _loop(self) -> None:
        run = self.run
        status = "stopped"
        try:
            if self.source is not None:
                after = run.start(replay(self.source.bars))
                feed = paced(
                    replay(self.source.bars, after_ns=after),
                    self.speed,
                    stop=self._stop,
                    clock=self._clock,
                )
                store = False
            else:
                assert self.follow_path is not None
                # The followed file's bars were journalled as they came: they rebuild the state.
                stored = bars_frame(self.journal, run.dataset, self.config.symbol)
                after = run.start(replay(stored))
                feed = follow(
                    self.follow_path,
                    on_quarantine=self._quarantine,
                    stop=self._stop,
                    after_ns=after,
                    on_open=self._on_followed,
                )
                store = True
            self._apply_journalled_controls()
            for bar in feed:
                if self._stop.is_set():
                    break
                run.on_bar(bar, store_bar=store)
                self._clock.arrived(bar[0])
            else:
                status = "completed" if not self._stop.is_set() else "stopped"
        except BaseException as exc:
            self.error = exc
            status = "failed"
            log.exception("engine run %s failed", run.run_id)
        finally:
            # No watchdog trip after the last bar, and none writing once `finished` says the
            # engine is done with the journal (its owner may close it then).
            self._watch_stop.set()
            if self._watchdog is not None:
                self._watchdog.join()
            try:
                run.finish(status)
            except Exception:
                log.exception("could not close run %s", run.run_id)
            self.outcome = status
            self.finished.set()
            error = f"{type(self.error).__name__}: {self.error}" if self.error else None
            now = pd.Timestamp.now(tz="UTC")
            self.bus.publish(
                RunStatus(
                    ts_event=now,
                    ts_init=now,
                    run_id=run.run_id,
                    status=status,
                    error=error,
                    bars_processed=run.orchestrator.bars_processed,
                )
            )

    def _apply_journalled_controls(self) -> None:
        """After the restore: apply the controls the checkpoint has not seen (sent while it was
        restored, or journalled before a crash), then take controls as they come."""
        run = self.run
        with self._control_lock:
            later = self.journal.controls_after(run.run_id, run.controls_seq)
            for seq, action, rule, reason in later:
                self._apply(action, rule, reason)
                run.controls_seq = seq
            if later:
                run.flush()
            self._ready = True
            if run.orchestrator.last_bar_ns is not None:
                self._clock.arrived(run.orchestrator.last_bar_ns)

    def _watch(self) -> None:
        orchestrator = self.run.orchestrator
        while not self._watch_stop.wait(WATCH_EVERY_S):
            now_ns = self._clock.now_ns()
            if not self._ready or now_ns is None or orchestrator.last_bar_ns is None:
                continue
            if not orchestrator.risk.state.stale:
                self._stale_since_ns = None
            with self._control_lock:
                if orchestrator.watch_feed(now_ns):
                    self._stale_since_ns = orchestrator.last_bar_ns
                    self.run.flush()
                    log.warning("stale feed: no bar since %s", self.stale_since)

    @property
    def stale_since(self) -> pd.Timestamp | None:
        """Market time of the last bar before the feed went silent, while `stale_feed` holds."""
        if self._stale_since_ns is None or not self.run.orchestrator.risk.state.stale:
            return None
        return pd.Timestamp(self._stale_since_ns, unit="ns", tz="UTC").tz_convert(EXCHANGE_TZ)

    def skip_to_open(self) -> int:
        """Run a fresh replay's bars unpaced up to the half hour before its first RTH open.

        A paced demo would otherwise spend its first quarter of an hour (at 60x) on the
        overnight session, where no regime is set. The bars go through this engine's run (same
        run id, journal and checkpoint), so `start` resumes from there as after a restart; their
        events are journalled but not broadcast (call this before subscribing). Returns the
        number of bars skipped; 0 for a followed file or a run already under way.
        """
        if self.source is None or self.running or self.journal.load_checkpoint(self.run_id):
            return 0
        bars = self.source.bars
        local = bars["ts"].dt.tz_convert(EXCHANGE_TZ)
        minute = (local.dt.hour * 60 + local.dt.minute).to_numpy()
        opening = (minute >= SKIP_TO[0]) & (minute < SKIP_TO[1])
        count = int(opening.argmax()) if opening.any() else 0
        if count == 0:
            return 0
        live = self.run
        run = EngineRun(
            self.journal,
            self.config,
            kind=live.kind,
            dataset=live.dataset,
            source_identity=str(live.params["source"]),
            params=live.params,
            run_id=live.run_id,
        )
        run.start()
        for bar in replay(bars.iloc[:count]):
            run.orchestrator.on_bar(*bar)
        run.flush()
        log.info("run %s skipped %d bars to %s", run.run_id, count, local.iloc[count])
        return count

    def _on_followed(self, followed: FollowedFile) -> None:
        self.followed = followed

    @property
    def feed_note(self) -> str | None:
        """The last thing the feed noticed (a followed file rotated or truncated), if any."""
        return self.followed.note if self.followed is not None else None

    def _quarantine(self, line: int, raw: str, reason: str) -> None:
        frame = pd.DataFrame(
            {
                "source": [str(self.follow_path)],
                "line": [line],
                "ts": [pd.NaT],
                "raw": [raw],
                "reason": [reason],
            }
        )
        self.journal.insert_quarantine(self.run.dataset, self.config.symbol, frame)
        log.warning("quarantined line %s of %s: %s", line, self.follow_path, reason)

    # -- what the API and the widgets call ----------------------------------------------------

    def status(self) -> EngineStatus:
        """The orchestrator's status; once the feed has ended, system_state says how."""
        status = self.run.orchestrator.status()
        if self.outcome is not None:
            return replace(status, system_state=self.outcome)
        return status

    def risk_statuses(self) -> list[RuleStatus]:
        orchestrator = self.run.orchestrator
        return orchestrator.risk.statuses(orchestrator.last_bar_ns or 0)

    def control(self, action: str, reason: str, rule: str | None = None) -> int:
        """Halt, resume, reset a manual-reset tripwire (`rule`) or flatten at market.

        Journalled in its own transaction before it returns (its sequence number), then applied
        to the engine's state and checkpointed; sent while a restart restores its checkpoint,
        it is applied to the restored state.
        """
        if action not in CONTROLS:
            raise ValueError(f"unknown control {action!r}: one of {', '.join(CONTROLS)}")
        resettable = self.run.orchestrator.risk.manual_resets
        if action == "reset" and rule not in resettable:
            raise ValueError(f"rule {rule!r} has no manual reset: one of {', '.join(resettable)}")
        with self._control_lock:
            seq = self.journal.record_control(self.run_id, action, rule, reason)
            self._apply(action, rule, reason)
            if not self._ready:
                return seq  # applied again to the restored state (`_apply_journalled_controls`)
            self.run.controls_seq = seq
            self.run.flush()
        log.info("control %s (%s) of run %s: %s", action, rule or "-", self.run_id, reason)
        return seq

    def _apply(self, action: str, rule: str | None, reason: str) -> None:
        orchestrator = self.run.orchestrator
        appliers: dict[str, Callable[[], object]] = {
            "halt": lambda: orchestrator.halt(reason),
            "resume": orchestrator.resume,
            "reset": lambda: orchestrator.reset_rule(str(rule)),
            "flatten": lambda: orchestrator.flatten(reason),
        }
        appliers[action]()

    def halt(self, reason: str) -> None:
        self.control("halt", reason)

    def resume(self, reason: str = "resumed") -> None:
        self.control("resume", reason)

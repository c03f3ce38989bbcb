"""The replay pipeline: features, regimes and signals of a whole known history, computed at once.

For backtests. `ReplayPipeline.prepare` computes every signal bar's features, market regime and
strategy signals in batch, and the `ReplayPlan` of the 1-minute bars; the orchestrator then feeds
it bar by bar through the same interface as `LivePipeline`, and `fast_forward` steps over the bars
on which nothing can happen. The numbers are the same (the batch and incremental parity tests);
the per-bar cost is not.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

import numpy as np
import pandas as pd

from transmission.config import EngineConfig
from transmission.engine.gearbox import Gearbox
from transmission.engine.pipeline import DAY_MINUTES, MINUTE_NS, Step, _Stages
from transmission.engine.plan import ReplayPlan
from transmission.features import BatchFeatures, reads_opening_ranges
from transmission.market.calendar import Session, SessionTracker, trading_days_of
from transmission.market.resample import SignalBar, handout_schedule, signal_bar_arrays
from transmission.memory import release_freed_memory
from transmission.regime.classifier import RULE_COLUMNS, TrackedRegimeClassifier, in_window

QUARTER_HOUR_NS = 15 * MINUTE_NS
SessionField = Callable[[str], np.ndarray]


class ReplayPipeline(_Stages):
    """A prepared replay: the plan of its bars, a cursor into it, and its computed stages."""

    features: BatchFeatures
    classifier: TrackedRegimeClassifier

    def __init__(
        self,
        plan: ReplayPlan,
        features: BatchFeatures,
        classifier: TrackedRegimeClassifier,
        gearbox: Gearbox,
        *,
        rules: bool,
        timeframe_minutes: int,
    ) -> None:
        self.plan = plan
        self.cursor = 0  # the index in `plan` of the next bar
        self.features = features
        self.classifier = classifier
        self.gearbox = gearbox
        self.rules = rules
        self.timeframe_minutes = timeframe_minutes

    def hand_out(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        session: Session,
    ) -> tuple[SignalBar | None, SignalBar | None]:
        plan, k = self.plan, self.cursor
        if k >= len(plan) or plan.ts.item(k) != ts_ns:
            raise ValueError(
                f"bar {ts_ns} is not bar {k} of the prepared replay: a replay must feed "
                "the bars it was prepared with, in order"
            )
        self.cursor = k + 1
        return plan.handed_out(k)

    def step(self, sb: SignalBar, session: Session, stale: bool) -> Step:
        """`_Stages.step` as a prepared replay needs it: the features are read, not computed
        (they check the bar and gate the regime), and the gearbox answers from its prepared
        signals, so the session fields and the strategies' bar view are not made."""
        f = self.features.next(sb.ts_ns, sb.close)
        in_window = not self.rules or self.classifier.in_window(
            sb.end_ns, session.rth_open_ns, session.rth_close_ns
        )
        transition = self.classifier.update(f, sb.close, in_window=in_window, stale=stale)
        return transition, self.gearbox.prepared_signals()

    def seek(self, signal_bar: int) -> None:
        """Go on from `signal_bar`: the ones before it changed nothing (see `fast_forward`)."""
        self.features.seek(signal_bar)
        self.classifier.seek(signal_bar)
        self.gearbox.seek(signal_bar)

    @classmethod
    def prepare(
        cls,
        bars: pd.DataFrame,
        config: EngineConfig,
        sessions: SessionTracker,
        gearbox: Gearbox,
        feature_cache: MutableMapping[Hashable, Any] | None = None,
    ) -> ReplayPipeline:
        """The pipeline of a replay of `bars` (feed exactly these, in order, from the first).

        `feature_cache`: for replays of these same bars under several configs (a sweep), the
        feature arrays by feature configuration, filled here on first use and read after.
        """
        rules = config.session.rules
        minutes = config.timeframe_minutes
        timeframe_ns = minutes * MINUTE_NS
        ts = bars["ts"].dt.as_unit("ns").astype("int64").to_numpy()
        if len(ts) == 0:
            return cls._empty(config, gearbox)
        if np.any(ts[1:] <= ts[:-1]):
            raise ValueError("a replay needs bars in strictly increasing time order")
        # A bar's trading day depends only on its local hour (any UTC offset is whole quarter
        # hours): one bar a quarter hour finds them all.
        quarter = ts // QUARTER_HOUR_NS
        first_of_quarter = np.flatnonzero(np.r_[True, quarter[1:] != quarter[:-1]])
        del quarter
        days = trading_days_of(bars["ts"].iloc[first_of_quarter]).unique()
        sessions.prefetch(day.date() for day in days)
        of_bar = sessions_over(sessions, ts)
        o, h, low, c, v = (
            bars[k].to_numpy(np.float64) for k in ("open", "high", "low", "close", "volume")
        )
        signal = signal_bar_arrays(ts, o, h, low, c, v, of_bar("utc_offset_ns"), minutes)
        start = signal["ts_ns"]
        of_signal = sessions_over(sessions, start)
        rth_open, rth_close = of_signal("rth_open_ns"), of_signal("rth_close_ns")
        in_rth = (rth_open <= start) & (start < rth_close)
        # As `step` computes them: the session holding the signal bar's open.
        reads = gearbox.reads()
        only = None if reads is None else reads | set(RULE_COLUMNS)
        feature_config = config.feature_config()
        signal |= {
            "session": of_signal("ordinal"),
            "in_rth": in_rth,
            "minute_of_day": ((start + of_signal("utc_offset_ns")) // MINUTE_NS) % DAY_MINUTES,
        }
        if reads_opening_ranges(feature_config, only):
            signal["rth_open_ns"] = np.where(in_rth, rth_open, 0)
        regime = config.regime_config()
        window = None
        if rules:
            window = in_window(regime, start + timeframe_ns, rth_open, rth_close)
        del rth_open, rth_close, of_signal  # a million bars: 8 MB an array, before the features
        key = (feature_config, minutes, None if only is None else frozenset(only))
        cached = None if feature_cache is None else feature_cache.get(key)
        features = BatchFeatures(signal, feature_config, minutes, only=only, values=cached)
        if feature_cache is not None and cached is None:
            feature_cache[key] = dict(features.values)
        # Each input and column goes once nothing reads it, and none is made before it is
        # needed: on a million bars, 8 MB an array, and the features are the peak.
        if gearbox.replays_bar_by_bar:
            signal["end_ns"] = start + timeframe_ns
            signal["end_minute"] = (signal["minute_of_day"] + minutes) % DAY_MINUTES
        for name in ("session", "minute_of_day", "rth_open_ns"):
            signal.pop(name, None)
        gearbox.prepare_replay(signal, features)
        signal.pop("end_minute", None)
        features.keep_only(tuple(name for name in features.columns if name in RULE_COLUMNS))
        classifier = TrackedRegimeClassifier(regime, features.values, signal["close"], window)
        # From here on the features reach only the classifier's gate (the gearbox answers from
        # its prepared signals).
        features.keep_only(("warm",))
        if "end_ns" not in signal:
            signal["end_ns"] = start + timeframe_ns
        stale_ns = int(config.session.stale_after_minutes * MINUTE_NS)
        plan = _plan(ts, o, h, low, c, v, of_bar, signal, minutes, stale_ns if rules else None)
        release_freed_memory()
        return cls(plan, features, classifier, gearbox, rules=rules, timeframe_minutes=minutes)

    @classmethod
    def _empty(cls, config: EngineConfig, gearbox: Gearbox) -> ReplayPipeline:
        plan = ReplayPlan.empty()
        none = np.empty(0, np.int64)
        columns = {"in_rth": np.empty(0, bool), "session": none, "minute_of_day": none}
        features = BatchFeatures(
            dict(plan.signal) | columns | {"rth_open_ns": none},
            config.feature_config(),
            config.timeframe_minutes,
        )
        classifier = TrackedRegimeClassifier(
            config.regime_config(), features.values, plan.signal["close"]
        )
        return cls(
            plan,
            features,
            classifier,
            gearbox,
            rules=config.session.rules,
            timeframe_minutes=config.timeframe_minutes,
        )


def _plan(
    ts: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    low: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    sessions: SessionField,
    signal: dict[str, np.ndarray],
    minutes: int,
    stale_ns: int | None,
) -> ReplayPlan:
    at, closed_by_own = handout_schedule(ts, sessions("utc_offset_ns"), minutes)
    ordinal = sessions("ordinal")
    breaks = np.ones(len(ts), dtype=bool)
    breaks[1:] = ordinal[1:] != ordinal[:-1]
    if stale_ns is not None:
        # As the orchestrator flags a stale gap: a bar inside RTH long after the one before it.
        rth = (sessions("rth_open_ns") <= ts) & (ts < sessions("rth_close_ns"))
        breaks[1:] |= (np.diff(ts) > stale_ns) & rth[1:]
    keep = ("ts_ns", "end_ns", "open", "high", "low", "close", "volume")
    return ReplayPlan(
        ts=ts,
        open=o,
        high=h,
        low=low,
        close=c,
        volume=v,
        breaks=np.flatnonzero(breaks).tolist(),
        handed=_handed_before(at, len(ts)),
        closed_by_own=closed_by_own,
        signal={key: signal[key] for key in keep},
    )


def _handed_before(at: np.ndarray, n: int) -> np.ndarray:
    """Per bar k of `n` and one past the last: how many signal bars bars before k hand out
    (`at`, sorted: the bar that hands out each, `n` for one never handed out). The same counts
    as a search of `at` for every k, from a count of each bar's hand-outs."""
    handed = np.zeros(n + 1, dtype=np.int32)
    if len(at):
        np.cumsum(np.bincount(at, minlength=n + 1)[:n], out=handed[1:])
    return handed


def sessions_over(sessions: SessionTracker, ts: np.ndarray) -> SessionField:
    """For sorted epoch-ns times: a function giving a Session field for each time."""
    found: list[Session] = []
    counts: list[int] = []
    i = 0
    while i < len(ts):
        session = sessions.session_of(int(ts[i]))
        if not session.contains(int(ts[i])):
            raise RuntimeError(f"session {session.trading_day} does not hold {int(ts[i])}")
        end = int(np.searchsorted(ts, session.end_ns, side="left"))
        found.append(session)
        counts.append(end - i)
        i = end
    index = np.repeat(np.arange(len(found), dtype=np.int32), counts)

    def field(name: str) -> np.ndarray:
        return np.array([getattr(s, name) for s in found], dtype=np.int64)[index]

    return field

"""What a replay knows of its bars before it starts, so it can skip those on which nothing happens.

A backtest knows its whole history. `Orchestrator.prepare_replay` computes the features and regimes
of every signal bar at once, every strategy's signals, and this plan: the 1-minute bars as arrays,
the signal bars, which 1-minute bar hands out each signal bar (as `BarAggregator` would), and the
bars where a session starts or a stale gap ends. `Orchestrator.fast_forward` reads it to find the
bars it can step over; the others go through `on_bar` as in a live run.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from transmission.market.resample import OHLCV, SignalBar

BarTuple = tuple[int, float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """Arrays over the 1-minute bars (`ts` ... `volume`) and the signal bars (`signal`)."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    # Sorted indices of the 1-minute bars that open a session or end a stale gap.
    breaks: list[int]
    # Per 1-minute bar k, and one past the last: how many signal bars bars before k handed out.
    handed: np.ndarray
    # Per signal bar: whether its own last minute closed it (handed out after that bar's fills).
    closed_by_own: np.ndarray
    # Signal bar arrays: ts_ns, end_ns, open, high, low, close, volume.
    signal: dict[str, np.ndarray]

    @classmethod
    def empty(cls) -> ReplayPlan:
        none, no = np.empty(0, np.int64), np.empty(0)
        signal = {"ts_ns": none, "end_ns": none} | dict.fromkeys(OHLCV, no)
        return cls(none, no, no, no, no, no, [], np.zeros(1, np.int64), no.astype(bool), signal)

    def __len__(self) -> int:
        return len(self.ts)

    def bar(self, k: int) -> BarTuple:
        return (
            self.ts.item(k),
            self.open.item(k),
            self.high.item(k),
            self.low.item(k),
            self.close.item(k),
            self.volume.item(k),
        )

    def index_of(self, ts_ns: int) -> int:
        """The index of the first bar after `ts_ns` (resuming after a checkpoint's last bar)."""
        return int(np.searchsorted(self.ts, ts_ns, side="right"))

    def next_break(self, k: int) -> int:
        """The first bar from `k` that opens a session or ends a stale gap (len: none)."""
        at = bisect_left(self.breaks, k)
        return self.breaks[at] if at < len(self.breaks) else len(self.ts)

    def handed_at(self, s: int) -> int:
        """The 1-minute bar whose arrival hands out signal bar `s`."""
        # The key in the array's own dtype: numpy would convert the whole array to the key's.
        return int(self.handed.searchsorted(self.handed.dtype.type(s), side="right")) - 1

    def handed_out(self, k: int) -> tuple[SignalBar | None, SignalBar | None]:
        """What `BarAggregator.update` returns for bar `k`: the bar closed before it, by it."""
        first, end = self.handed.item(k), self.handed.item(k + 1)
        if end == first:
            return None, None
        if end == first + 1:  # one signal bar (on 1-minute signal bars, every bar)
            bar = self.signal_bar(first)
            return (None, bar) if self.closed_by_own.item(first) else (bar, None)
        before = closed = None
        for s in range(first, end):
            if self.closed_by_own.item(s):
                closed = self.signal_bar(s)
            else:
                before = self.signal_bar(s)
        return before, closed

    def signal_bar(self, s: int) -> SignalBar:
        a = self.signal
        return SignalBar(
            a["ts_ns"].item(s),
            a["end_ns"].item(s),
            a["open"].item(s),
            a["high"].item(s),
            a["low"].item(s),
            a["close"].item(s),
            a["volume"].item(s),
        )

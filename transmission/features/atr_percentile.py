"""ATR percentile against the same time of day in earlier sessions.

For a bar at minute-of-day slot s on trading day d: past = the ATRs at slot s on the most recent
`lookback` trading days before d that have a bar with a finite ATR at s (the first such bar of a
day, should a day hold two). With at least `min_sessions` of them,
atr_pct = 100 * count(past <= ATR now) / len(past); otherwise NaN (as it is while ATR is NaN).
Comparing like with like keeps the open and the overnight lull from looking volatile or quiet
merely for their time of day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque

import numpy as np

from transmission.features._windows import NAN

_CHUNK_ROWS = 8192


def atr_percentile(
    atr: np.ndarray,
    session: np.ndarray,
    slot: np.ndarray,
    lookback: int = 20,
    min_sessions: int = 5,
) -> np.ndarray:
    """Percentile (0 to 100) of each bar's ATR among earlier sessions' ATRs at its slot."""
    n = len(atr)
    out = np.full(n, np.nan)
    finite = np.flatnonzero(np.isfinite(atr))
    if len(finite) == 0:
        return out
    session = np.asarray(session, dtype=np.int64)
    slot = np.asarray(slot, dtype=np.int64)
    first_session = int(session.min())
    span = int(session.max()) - first_session + 1
    # One sortable key per (slot, session); rows are in time order, so a stable sort keeps each
    # day's first bar first within equal keys.
    key = slot * span
    key += session
    key -= first_session
    order = finite[np.argsort(key[finite], kind="stable")]
    history_key = key[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = history_key[1:] != history_key[:-1]
    # Each finite bar's key's place among the distinct keys: where a search for it would land
    # (the past entries of its slot end there), read off the sort instead of searched.
    rank = np.empty(n, dtype=np.int32)
    rank[order] = np.cumsum(keep, dtype=np.int32) - 1
    history_key = history_key[keep]
    history = atr[order[keep]]
    del order, keep  # 8 MB a million bars each: gone before the windows are built
    # Where each slot's entries start among the distinct keys (a search a slot, not a bar).
    first_slot = int(slot[finite].min())
    slot_keys = np.arange(first_slot, int(slot[finite].max()) + 1, dtype=np.int64) * span
    slot_start = np.searchsorted(history_key, slot_keys, side="left")

    steps = np.arange(lookback)[None, :]
    # A (rows x lookback) window per query row: in chunks, so memory stays flat on long histories.
    for first in range(0, len(finite), _CHUNK_ROWS):
        query = finite[first : first + _CHUNK_ROWS]
        end = rank[query]  # past entries end before
        start = slot_start[slot[query] - first_slot]
        count = np.minimum(end - start, lookback)
        window = end[:, None] - lookback + steps
        in_window = window >= start[:, None]
        past = history[np.maximum(window, 0)]
        below = np.count_nonzero(in_window & (past <= atr[query][:, None]), axis=1)
        enough = count >= min_sessions
        out[query[enough]] = 100.0 * below[enough] / count[enough]
    return out


class _SlotHistory:
    __slots__ = ("chronological", "pending", "pending_session", "ranked")

    def __init__(self) -> None:
        self.chronological: deque[float] = deque()
        self.ranked: list[float] = []
        self.pending_session: int | None = None
        self.pending = NAN


class IncrementalAtrPercentile:
    """ATR percentile one bar at a time; same numbers as `atr_percentile`.

    A day's value joins its slot's history only when a later day reaches that slot, so the
    history always holds earlier sessions only; a sorted copy makes the rank a bisection.
    """

    __slots__ = ("_lookback", "_min_sessions", "_slots")

    def __init__(self, lookback: int = 20, min_sessions: int = 5) -> None:
        self._lookback = lookback
        self._min_sessions = min_sessions
        self._slots: dict[int, _SlotHistory] = {}

    def update(self, atr: float, session: int, slot: int) -> float:
        """Add a bar's ATR; returns its percentile (NaN with too few earlier sessions)."""
        history = self._slots.get(slot)
        if history is None:
            history = self._slots[slot] = _SlotHistory()
        pending_session = history.pending_session
        if pending_session is not None and pending_session != session:
            value = history.pending
            history.pending_session = None
            ranked = history.ranked
            chronological = history.chronological
            if len(chronological) == self._lookback:
                del ranked[bisect_left(ranked, chronological.popleft())]
            chronological.append(value)
            insort(ranked, value)
        if atr != atr:
            return NAN
        if history.pending_session is None:
            history.pending_session = session
            history.pending = atr
        count = len(history.ranked)
        if count < self._min_sessions:
            return NAN
        return 100.0 * bisect_right(history.ranked, atr) / count

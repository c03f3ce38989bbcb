"""Array helpers shared by the batch features.

Sums here add their terms in the same order as the incremental classes do (oldest first, one at a
time), so batch and incremental give the same floats, not merely close ones.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NAN = float("nan")


def trailing_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sum of each run of `window` values, aligned to its last element (NaN before)."""
    out = np.full(len(values), np.nan)
    count = len(values) - window + 1
    if count <= 0:
        return out
    total = values[:count].copy()
    for offset in range(1, window):
        total += values[offset : offset + count]
    out[window - 1 :] = total
    return out


def trailing_max(values: np.ndarray, window: int) -> np.ndarray:
    """Maximum of each run of `window` values, aligned to its last element (NaN before)."""
    out = np.full(len(values), np.nan)
    if len(values) >= window:
        out[window - 1 :] = sliding_window_view(values, window).max(axis=1)
    return out


def trailing_min(values: np.ndarray, window: int) -> np.ndarray:
    """Minimum of each run of `window` values, aligned to its last element (NaN before)."""
    out = np.full(len(values), np.nan)
    if len(values) >= window:
        out[window - 1 :] = sliding_window_view(values, window).min(axis=1)
    return out


def sequential_sum(values: np.ndarray) -> float:
    """Left-to-right sum (np.sum adds pairwise, which rounds differently from a running sum)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def forward_fill(values: np.ndarray) -> np.ndarray:
    """NaNs replaced by the last non-NaN value before them (leading NaNs stay)."""
    seen = ~np.isnan(values)
    last = np.maximum.accumulate(np.where(seen, np.arange(len(values)), -1))
    out = values[np.maximum(last, 0)]
    out[last < 0] = np.nan
    return out


class Segments:
    """The masked rows of a frame, grouped into runs of equal session id (e.g. one RTH each).

    Per-session running sums and maxima are taken along the rows of a (sessions x longest
    session) grid: one vectorised call, and each session's sum restarts from zero exactly as the
    incremental path restarts it.
    """

    __slots__ = ("n_rows", "position", "rows", "segment", "shape", "starts")

    def __init__(self, session_id: np.ndarray, mask: np.ndarray) -> None:
        self.n_rows = len(session_id)
        self.rows = np.flatnonzero(mask)
        ids = session_id[self.rows]
        is_start = np.ones(len(ids), dtype=bool)
        is_start[1:] = ids[1:] != ids[:-1]
        self.starts = np.flatnonzero(is_start)
        self.segment = np.cumsum(is_start) - 1
        self.position = np.arange(len(ids)) - self.starts[self.segment]
        width = int(self.position.max()) + 1 if len(ids) else 0
        self.shape = (len(self.starts), width)

    def first(self, values: np.ndarray) -> np.ndarray:
        """For each masked row, `values` at the first row of its session."""
        return values[self.rows][self.starts][self.segment]

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Running sum within each session, for the masked rows (values given for all rows)."""
        grid = np.zeros(self.shape)
        grid[self.segment, self.position] = values[self.rows]
        return np.cumsum(grid, axis=1)[self.segment, self.position]

    def cummax(self, values: np.ndarray) -> np.ndarray:
        """Running maximum within each session, for the masked rows; -inf entries are skipped."""
        grid = np.full(self.shape, -np.inf)
        grid[self.segment, self.position] = values[self.rows]
        return np.maximum.accumulate(grid, axis=1)[self.segment, self.position]

    def scatter(self, values: np.ndarray) -> np.ndarray:
        """Values for the masked rows placed in a full-length array, NaN elsewhere."""
        out = np.full(self.n_rows, np.nan)
        out[self.rows] = values
        return out

"""Per-bar validation rules and the quarantine table (DESIGN.md section 2).

Each rule is a small function of (open, high, low, close, volume) that is true where a bar fails;
the same functions run on numpy arrays (a whole file, a live batch) and on plain floats (one bar
from a follow-file feed). A bar gets one reason: the first rule it fails, in `BAR_RULES` order,
then the time-order rule. The reason strings are a contract: the journal and the API report them.

Time order: timestamps must be strictly increasing in arrival order. A bar whose timestamp is not
after the last accepted one is an exact duplicate of the bar already accepted at that timestamp
(skipped and counted, not quarantined), a duplicate timestamp with different prices, or out of
order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from transmission.market.calendar import to_exchange_time

MISSING_TIMESTAMP = "missing timestamp"
NON_FINITE_PRICE = "non-finite price"
HIGH_BELOW_LOW = "high < low"
LOW_ABOVE_OPEN_CLOSE = "low above open/close"
HIGH_BELOW_OPEN_CLOSE = "high below open/close"
NON_FINITE_VOLUME = "non-finite volume"
NEGATIVE_VOLUME = "negative volume"
DUPLICATE_TIMESTAMP = "duplicate timestamp with different prices"
OUT_OF_ORDER = "out of order"
MALFORMED = "malformed line"
# Not a quarantine reason: an exact copy of an accepted bar is skipped and counted.
EXACT_DUPLICATE = "exact duplicate"

PRICE_COLUMNS = ("open", "high", "low", "close")
VALUE_COLUMNS = (*PRICE_COLUMNS, "volume")
BAR_COLUMNS = ("ts", *VALUE_COLUMNS)
QUARANTINE_COLUMNS = ("source", "line", "ts", "raw", "reason")

Values = Any  # a float or a float64 array: every rule works on both
Mask = Any  # a bool or a bool array, matching the input
Rule = Callable[[Values, Values, Values, Values, Values], Mask]


class BarValues(NamedTuple):
    """One bar as plain numbers; ts_ns is the bar-open time in epoch nanoseconds."""

    ts_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float


def non_finite_price(
    open_: Values, high: Values, low: Values, close: Values, volume: Values
) -> Mask:
    """A price is NaN or infinite."""
    finite = np.isfinite(open_) & np.isfinite(high) & np.isfinite(low) & np.isfinite(close)
    return np.logical_not(finite)


def high_below_low(open_: Values, high: Values, low: Values, close: Values, volume: Values) -> Mask:
    """The high is under the low."""
    return high < low


def low_above_open_close(
    open_: Values, high: Values, low: Values, close: Values, volume: Values
) -> Mask:
    """The low is above the open or the close."""
    return low > np.minimum(open_, close)


def high_below_open_close(
    open_: Values, high: Values, low: Values, close: Values, volume: Values
) -> Mask:
    """The high is under the open or the close."""
    return high < np.maximum(open_, close)


def non_finite_volume(
    open_: Values, high: Values, low: Values, close: Values, volume: Values
) -> Mask:
    """The volume is NaN or infinite."""
    return np.logical_not(np.isfinite(volume))


def negative_volume(
    open_: Values, high: Values, low: Values, close: Values, volume: Values
) -> Mask:
    """The volume is below zero."""
    return volume < 0


BAR_RULES: tuple[tuple[str, Rule], ...] = (
    (NON_FINITE_PRICE, non_finite_price),
    (HIGH_BELOW_LOW, high_below_low),
    (LOW_ABOVE_OPEN_CLOSE, low_above_open_close),
    (HIGH_BELOW_OPEN_CLOSE, high_below_open_close),
    (NON_FINITE_VOLUME, non_finite_volume),
    (NEGATIVE_VOLUME, negative_volume),
)


def validate_bar(
    ts_ns: int | None,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    *,
    last: BarValues | None = None,
) -> str | None:
    """The reason one bar fails (None when it is good), given the last accepted bar.

    Returns `EXACT_DUPLICATE` for a repeat of `last`: the caller skips and counts it. Only the
    last accepted bar is known here, so an earlier timestamp is reported as out of order.
    """
    if ts_ns is None:
        return MISSING_TIMESTAMP
    for reason, rule in BAR_RULES:
        if rule(open_, high, low, close, volume):
            return reason
    if last is None or ts_ns > last.ts_ns:
        return None
    if ts_ns < last.ts_ns:
        return OUT_OF_ORDER
    if (open_, high, low, close, volume) == tuple(last[1:]):
        return EXACT_DUPLICATE
    return DUPLICATE_TIMESTAMP


def rule_reasons(
    open_: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    volume: npt.NDArray[np.float64],
) -> npt.NDArray[np.object_]:
    """Per bar, the first price/volume rule it fails, or None."""
    reasons = np.full(len(open_), None, dtype=object)
    undecided = np.ones(len(open_), dtype=bool)
    with np.errstate(invalid="ignore"):
        for reason, rule in BAR_RULES:
            failed = undecided & rule(open_, high, low, close, volume)
            reasons[failed] = reason
            undecided &= ~failed
    return reasons


def order_reasons(
    ts_ns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    candidate: npt.NDArray[np.bool_],
    *,
    last: BarValues | None = None,
) -> npt.NDArray[np.object_]:
    """Per bar, the time-order verdict among the `candidate` bars (the others get None).

    `values` is an (n, 5) array of open, high, low, close, volume. Returns None for an accepted
    bar, `EXACT_DUPLICATE`, `DUPLICATE_TIMESTAMP` or `OUT_OF_ORDER`.
    """
    reasons = np.full(len(ts_ns), None, dtype=object)
    rows = np.flatnonzero(candidate)
    if len(rows) == 0:
        return reasons
    ts = ts_ns[rows]
    # Accepted bars are strictly increasing, so the last accepted timestamp is the running
    # maximum over every candidate seen so far (a rejected bar never raises it).
    floor = np.iinfo(np.int64).min if last is None else last.ts_ns
    before = np.maximum.accumulate(np.concatenate(([floor], ts)))[:-1]
    accepted = ts > before
    rejected = rows[~accepted]
    if len(rejected) == 0:
        return reasons
    accepted_ts = ts[accepted]
    accepted_values = values[rows[accepted]]
    if last is not None:
        accepted_ts = np.concatenate(([last.ts_ns], accepted_ts))
        accepted_values = np.vstack((np.asarray(last[1:], dtype=np.float64), accepted_values))
    rejected_ts = ts_ns[rejected]
    at = np.minimum(np.searchsorted(accepted_ts, rejected_ts), len(accepted_ts) - 1)
    same_ts = accepted_ts[at] == rejected_ts
    same_values = (accepted_values[at] == values[rejected]).all(axis=1)
    reasons[rejected] = np.where(
        same_ts, np.where(same_values, EXACT_DUPLICATE, DUPLICATE_TIMESTAMP), OUT_OF_ORDER
    )
    return reasons


def bar_reasons(frame: pd.DataFrame, *, last: BarValues | None = None) -> npt.NDArray[np.object_]:
    """Per row of a bar frame, in row order: its quarantine reason, `EXACT_DUPLICATE` or None."""
    ts = pd.DatetimeIndex(to_exchange_time(frame["ts"]))
    ts_ns, missing_ts = ts.asi8, ts.isna()
    values = frame[list(VALUE_COLUMNS)].to_numpy(dtype=np.float64)
    reasons = rule_reasons(*values.T)
    reasons[missing_ts] = MISSING_TIMESTAMP
    candidate = pd.isna(reasons)
    verdicts = order_reasons(ts_ns, values, candidate, last=last)
    return np.where(candidate, verdicts, reasons)


def validate_bars(
    frame: pd.DataFrame, *, last: BarValues | None = None, source: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good bars, quarantined rows) of an in-memory bar frame, checked in row order.

    `last` is the last bar accepted before this batch (live feeds validate one batch at a time).
    Exact duplicates are in neither frame. The quarantine's `line` is the frame's `line` column
    when it has one, else the 1-based row position; `raw` is a repr of the row.
    """
    reasons = bar_reasons(frame, last=last)
    good = pd.isna(reasons)
    bad = np.flatnonzero(~good & (reasons != EXACT_DUPLICATE))
    good_bars = frame.loc[good].reset_index(drop=True)
    good_bars["ts"] = to_exchange_time(good_bars["ts"])
    rows = frame.iloc[bad]
    lines = rows["line"].to_numpy() if "line" in frame.columns else bad + 1
    raw = [repr(row) for row in rows.to_dict("records")]
    quarantined = quarantine_frame(source, lines, rows["ts"], raw, reasons[bad])
    return good_bars, quarantined


def quarantine_frame(
    source: str,
    line: Sequence[int] | npt.NDArray[np.int64],
    ts: pd.Series | pd.DatetimeIndex,
    raw: Sequence[str],
    reason: Sequence[str] | npt.NDArray[np.object_],
) -> pd.DataFrame:
    """A quarantine table: source, line, ts (tz-aware ET or NaT), raw text, reason."""
    ts_et = to_exchange_time(pd.to_datetime(pd.Series(ts)).reset_index(drop=True))
    return pd.DataFrame(
        {
            "source": pd.Series([source] * len(raw), dtype=str),
            "line": np.asarray(line, dtype=np.int64),
            "ts": ts_et.reset_index(drop=True),
            "raw": pd.Series(list(raw), dtype=str),
            "reason": pd.Series(list(reason), dtype=str),
        }
    )

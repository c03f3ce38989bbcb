"""Validation rules: one bar, a frame, batches, and the vectorised path against a bar-by-bar one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transmission.market.validation import (
    DUPLICATE_TIMESTAMP,
    EXACT_DUPLICATE,
    HIGH_BELOW_LOW,
    HIGH_BELOW_OPEN_CLOSE,
    LOW_ABOVE_OPEN_CLOSE,
    MISSING_TIMESTAMP,
    NEGATIVE_VOLUME,
    NON_FINITE_PRICE,
    NON_FINITE_VOLUME,
    OUT_OF_ORDER,
    BarValues,
    bar_reasons,
    validate_bar,
    validate_bars,
)

ET = "America/New_York"
MINUTE = 60_000_000_000
T0 = pd.Timestamp("2023-11-20 10:00", tz=ET).value


@pytest.mark.parametrize(
    "bar, reason",
    [
        ((10.0, 11.0, 9.0, 10.5, 5.0), None),
        ((10.0, 10.0, 10.0, 10.0, 0.0), None),
        ((math.nan, 11.0, 9.0, 10.5, 5.0), NON_FINITE_PRICE),
        ((10.0, math.inf, 9.0, 10.5, 5.0), NON_FINITE_PRICE),
        ((10.0, 8.0, 9.0, 8.5, 5.0), HIGH_BELOW_LOW),
        ((10.0, 11.0, 10.25, 10.5, 5.0), LOW_ABOVE_OPEN_CLOSE),
        ((10.0, 10.25, 9.0, 10.5, 5.0), HIGH_BELOW_OPEN_CLOSE),
        ((10.0, 11.0, 9.0, 10.5, math.nan), NON_FINITE_VOLUME),
        ((10.0, 11.0, 9.0, 10.5, -1.0), NEGATIVE_VOLUME),
        ((math.nan, 8.0, 9.0, 10.5, -1.0), NON_FINITE_PRICE),  # first failing rule wins
        ((10.0, 8.0, 9.0, 10.5, -1.0), HIGH_BELOW_LOW),
    ],
)
def test_validate_bar_reports_the_first_failing_rule(
    bar: tuple[float, ...], reason: str | None
) -> None:
    assert validate_bar(T0, *bar) == reason


def test_validate_bar_without_timestamp_is_missing_timestamp() -> None:
    assert validate_bar(None, 10.0, 11.0, 9.0, 10.0, 5.0) == MISSING_TIMESTAMP


def test_validate_bar_against_last_bar_sorts_out_repeats_and_late_bars() -> None:
    last = BarValues(T0, 10.0, 11.0, 9.0, 10.0, 5.0)

    assert validate_bar(T0 + MINUTE, 10.0, 11.0, 9.0, 10.0, 5.0, last=last) is None
    assert validate_bar(*last, last=last) == EXACT_DUPLICATE
    assert validate_bar(T0, 10.0, 11.0, 9.0, 10.25, 5.0, last=last) == DUPLICATE_TIMESTAMP
    assert validate_bar(T0 - MINUTE, 10.0, 11.0, 9.0, 10.0, 5.0, last=last) == OUT_OF_ORDER


def frame_of(rows: list[tuple[int, float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ts", "open", "high", "low", "close", "volume"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(ET)
    return frame


def test_validate_bars_splits_a_frame_into_good_and_quarantined_rows() -> None:
    frame = frame_of(
        [
            (T0, 10, 11, 9, 10, 5),
            (T0 + MINUTE, 10, 9, 11, 10, 5),
            (T0 + 2 * MINUTE, 10, 11, 9, 10, 5),
            (T0 + 2 * MINUTE, 10, 11, 9, 10, 5),
            (T0 + 2 * MINUTE, 10, 12, 9, 10, 5),
            (T0 + MINUTE, 10, 11, 9, 10, 5),
        ]
    )

    good, quarantined = validate_bars(frame, source="live")

    assert good["ts"].tolist() == frame["ts"].iloc[[0, 2]].tolist()
    assert isinstance(good.index, pd.RangeIndex)
    assert quarantined[["line", "reason"]].values.tolist() == [
        [2, HIGH_BELOW_LOW],
        [5, DUPLICATE_TIMESTAMP],
        [6, OUT_OF_ORDER],
    ]
    assert (quarantined["source"] == "live").all()
    assert str(quarantined["ts"].dtype) == f"datetime64[ns, {ET}]"
    assert "'high': 9" in quarantined["raw"].iloc[0]


def test_validate_bars_next_batch_is_checked_against_the_last_accepted_bar() -> None:
    first = frame_of([(T0, 10, 11, 9, 10, 5), (T0 + MINUTE, 10, 11, 9, 10, 6)])
    good, _ = validate_bars(first)
    last = BarValues(int(good["ts"].iloc[-1].value), *good.iloc[-1, 1:].tolist())
    second = frame_of(
        [
            (T0 + MINUTE, 10, 11, 9, 10, 6),
            (T0, 10, 11, 9, 10, 5),
            (T0 + 2 * MINUTE, 10, 11, 9, 10, 5),
        ]
    )

    good, quarantined = validate_bars(second, last=last)

    assert good["ts"].tolist() == [pd.Timestamp(T0 + 2 * MINUTE, tz=ET)]
    assert quarantined["reason"].tolist() == [OUT_OF_ORDER]


def test_validate_bars_missing_timestamp_is_quarantined() -> None:
    frame = frame_of([(T0, 10, 11, 9, 10, 5)])
    frame.loc[1] = [pd.NaT, 10.0, 11.0, 9.0, 10.0, 5.0]

    good, quarantined = validate_bars(frame)

    assert len(good) == 1
    assert quarantined["reason"].tolist() == [MISSING_TIMESTAMP]
    assert quarantined["ts"].isna().all()


def sequential_reasons(frame: pd.DataFrame) -> list[str | None]:
    """Bar by bar, with the whole accepted history, as a follow-file feed with memory would."""
    accepted: dict[int, tuple[float, ...]] = {}
    last: BarValues | None = None
    out: list[str | None] = []
    for ts, *values in frame.itertuples(index=False):
        bar = BarValues(int(ts.value), *values)
        reason = validate_bar(*bar, last=last)
        if reason == OUT_OF_ORDER and bar.ts_ns in accepted:
            same = accepted[bar.ts_ns] == tuple(values)
            reason = EXACT_DUPLICATE if same else DUPLICATE_TIMESTAMP
        if reason is None:
            accepted[bar.ts_ns] = tuple(values)
            last = bar
        out.append(reason)
    return out


price = st.sampled_from([9.0, 10.0, 11.0, math.nan, math.inf])
row = st.tuples(st.integers(0, 6), price, price, price, price, st.sampled_from([0.0, 5.0, -1.0]))


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=25))
def test_bar_reasons_vectorised_matches_bar_by_bar_validation(
    rows: list[tuple[int, float, float, float, float, float]],
) -> None:
    frame = frame_of([(T0 + minute * MINUTE, *values) for minute, *values in rows])

    vectorised = list(bar_reasons(frame))

    assert vectorised == sequential_reasons(frame)


def test_bar_reasons_on_empty_frame_is_empty() -> None:
    assert len(bar_reasons(frame_of([]))) == 0
    good, quarantined = validate_bars(frame_of([]))
    assert good.empty and quarantined.empty


def test_validate_bar_rules_accept_numpy_arrays_and_floats_alike() -> None:
    values = np.array([[10.0, 8.0, 9.0, 8.5, 5.0], [10.0, 11.0, 9.0, 10.0, 5.0]])
    frame = frame_of([(T0, *values[0]), (T0 + MINUTE, *values[1])])

    assert list(bar_reasons(frame)) == [validate_bar(T0, *values[0]), validate_bar(T0, *values[1])]

"""Event timestamps: the fast boxing of epoch ns (a private pandas constructor, behind a probe)
gives exactly the public constructor's Timestamp."""

from __future__ import annotations

import numpy as np
import pandas as pd

from transmission.engine import event_factory
from transmission.market.calendar import EXCHANGE_TZ


def test_event_timestamps_equal_the_public_constructors_across_dst_changes() -> None:
    rng = np.random.default_rng(5)
    edges = pd.to_datetime(
        ["2024-03-10 06:59", "2024-03-10 07:00", "2024-11-03 05:59", "2024-11-03 06:00"],
        utc=True,
    ).as_unit("ns")
    times = [int(t.value) + k * 60_000_000_000 for t in edges for k in range(-2, 3)]
    times += rng.integers(0, 2**62, 200).tolist()  # 1970 to 2116, to the nanosecond
    for ns in times:
        ours, public = event_factory._make_timestamp(ns), pd.Timestamp(ns, tz=EXCHANGE_TZ)
        assert ours == public
        assert (ours.value, ours.unit, str(ours.tz)) == (public.value, public.unit, EXCHANGE_TZ)
        assert ours.isoformat() == public.isoformat() and repr(ours) == repr(public)
        assert ours.utcoffset() == public.utcoffset()


def test_this_pandas_takes_the_fast_path() -> None:
    # pandas 2.0 to 3.1 have the private constructor; a later one may not (then the public
    # constructor is used, and this test says so).
    assert event_factory._make_timestamp is not event_factory._public_timestamp

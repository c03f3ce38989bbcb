"""Opening ranges: complete as of the close of the bar that ends the window, RTH only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.features.frames import annotated_bars
from transmission.features import compute_features, incremental_frame

BOTH_PATHS = pytest.mark.parametrize("compute", [compute_features, incremental_frame])


def five_minute_session() -> pd.DataFrame:
    day1 = pd.date_range("2024-03-04 09:20", "2024-03-04 10:05", freq="5min")
    day2 = pd.date_range("2024-03-05 09:30", periods=2, freq="5min")
    ts = day1.append(day2)
    #        09:20 09:25 09:30 09:35 09:40 09:45 09:50 09:55 10:00 10:05 | 09:30 09:35
    high = [500, 500, 101, 102, 103, 110, 104, 102, 200, 105, 301, 302]
    low = [1, 1, 99, 98, 97, 96, 95, 94, 50, 2, 299, 290]
    close = [50, 50, 100, 100, 100, 100, 100, 100, 100, 100, 300, 300]
    return annotated_bars(ts, high, low, close)


@BOTH_PATHS
def test_opening_range_with_five_minute_bars_completes_at_close_of_last_window_bar(compute):
    features = compute(five_minute_session(), bar_minutes=5)
    or5_high, or5_low = features["or5_high"].to_numpy(), features["or5_low"].to_numpy()
    or30_high, or30_low = features["or30_high"].to_numpy(), features["or30_low"].to_numpy()
    # Pre-RTH bars: undefined, and their extremes never enter the range.
    assert np.isnan(or5_high[:2]).all() and np.isnan(or30_high[:2]).all()
    # OR5 is the 09:30 bar, complete at its own close.
    np.testing.assert_array_equal(or5_high[2:10], 101.0)
    np.testing.assert_array_equal(or5_low[2:10], 99.0)
    # OR30 covers 09:30 to 09:55 and is complete only at the 09:55 bar's close (10:00).
    assert np.isnan(or30_high[2:7]).all() and np.isnan(or30_low[2:7]).all()
    np.testing.assert_array_equal(or30_high[7:10], 110.0)
    np.testing.assert_array_equal(or30_low[7:10], 94.0)


@BOTH_PATHS
def test_opening_range_resets_at_next_rth_open(compute):
    features = compute(five_minute_session(), bar_minutes=5)
    assert features["or5_high"].iloc[10] == 301.0
    assert features["or5_low"].iloc[10] == 299.0
    assert features["or5_low"].iloc[11] == 299.0  # 09:35 is after the 5-minute window
    assert features[["or30_high", "or30_low"]].iloc[10:].isna().all().all()


@BOTH_PATHS
def test_opening_range_with_one_minute_bars_is_nan_until_window_minute_closes(compute):
    ts = pd.date_range("2024-03-04 09:30", periods=7, freq="1min")
    high = [101, 102, 103, 104, 105, 150, 106]
    low = [99, 98, 97, 96, 95, 10, 94]
    bars = annotated_bars(ts, high, low, [100] * 7)
    features = compute(bars, bar_minutes=1)
    assert features["or5_high"].iloc[:4].isna().all()
    assert features["or5_high"].iloc[4:].eq(105.0).all()  # the 09:34 bar closes at 09:35
    assert features["or5_low"].iloc[4:].eq(95.0).all()


@BOTH_PATHS
def test_opening_range_after_rth_close_is_nan(compute):
    ts = ["2024-03-04 09:30", "2024-03-04 15:55", "2024-03-04 16:00", "2024-03-04 18:00"]
    features = compute(annotated_bars(ts, [101] * 4, [99] * 4, [100] * 4))
    assert features["or5_high"].tolist()[:2] == [101.0, 101.0]
    assert features["or5_high"].iloc[2:].isna().all()

"""Kaufman efficiency ratio and the choppiness index at their edges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.features.frames import annotated_bars, flat_bars
from transmission.features import FeatureConfig, compute_features, incremental_frame
from transmission.features.chop import IncrementalChoppiness, choppiness
from transmission.features.efficiency import IncrementalEfficiencyRatio, efficiency_ratio

BOTH_PATHS = pytest.mark.parametrize("compute", [compute_features, incremental_frame])
STAMPS = pd.date_range("2024-03-04 09:30", periods=30, freq="5min")


@BOTH_PATHS
def test_efficiency_ratio_on_flat_prices_is_zero_after_warm_up(compute):
    features = compute(flat_bars(STAMPS), FeatureConfig(er_period=10))
    assert features["er"].iloc[:10].isna().all()
    assert (features["er"].iloc[10:] == 0.0).all()


def test_efficiency_ratio_on_straight_line_is_one_and_on_zigzag_is_zero():
    line = np.arange(12.0)
    zigzag = np.array([10.0, 11.0] * 6)
    for close, expected in ((line, 1.0), (zigzag, 0.0)):
        incremental = IncrementalEfficiencyRatio(4)
        values = [incremental.update(c) for c in close.tolist()]
        np.testing.assert_array_equal(efficiency_ratio(close, 4)[4:], expected)
        np.testing.assert_array_equal(values[4:], expected)
        assert np.isnan(values[:4]).all()


def test_efficiency_ratio_known_value():
    close = np.array([10.0, 12.0, 11.0, 14.0])  # net 4, path 2 + 1 + 3
    assert efficiency_ratio(close, 3)[3] == pytest.approx(4 / 6)


@BOTH_PATHS
def test_chop_on_flat_prices_is_nan_and_never_warm(compute):
    features = compute(flat_bars(STAMPS))
    assert features["chop"].isna().all()
    assert features["atr"].iloc[14:].eq(0.0).all()
    assert not features["warm"].any()


def test_chop_known_value_from_true_range_sum_over_window_range():
    high, low, close = np.array([10.0, 12, 11]), np.array([8.0, 9, 10]), np.array([9.0, 11, 10])
    # TR = 3 and 1 on bars 1 and 2; the window's range is 12 - 9.
    expected = 100 * math.log10(4 / 3) / math.log10(2)
    batch = choppiness(high, low, close, 2)
    incremental = IncrementalChoppiness(2)
    values = [incremental.update(*bar) for bar in zip(high, low, close, strict=True)]
    assert np.isnan(batch[:2]).all() and np.isnan(values[:2]).all()
    assert batch[2] == pytest.approx(expected)
    assert values[2] == pytest.approx(expected)


@BOTH_PATHS
def test_chop_on_steady_trend_is_low_and_on_back_and_forth_is_high(compute):
    trend = np.arange(30.0)
    chop_trend = compute(annotated_bars(STAMPS, trend + 0.5, trend - 0.5, trend))["chop"]
    swing = np.array([0.0, 4.0] * 15)
    chop_swing = compute(annotated_bars(STAMPS, swing + 0.5, swing - 0.5, swing))["chop"]
    assert chop_trend.iloc[-1] < 38.2 < 61.8 < chop_swing.iloc[-1]

"""Session VWAP and sigma: RTH only, volume weighted, reset at each RTH open."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.features.frames import annotated_bars
from transmission.features import compute_features, incremental_frame

BOTH_PATHS = pytest.mark.parametrize("compute", [compute_features, incremental_frame])


def two_sessions():
    ts = [
        "2024-03-04 09:25",  # pre-RTH
        "2024-03-04 09:30",
        "2024-03-04 09:35",
        "2024-03-04 09:40",
        "2024-03-04 16:00",  # after the close
        "2024-03-05 09:25",
        "2024-03-05 09:30",
    ]
    high = [51, 103, 104, 98, 90, 51, 201]
    low = [49, 97, 102, 96, 90, 49, 199]
    close = [50, 100, 103, 97, 90, 50, 200]  # typical prices 50, 100, 103, 97, 90, 50, 200
    volume = [5, 1, 2, 1, 5, 5, 3]
    return annotated_bars(ts, high, low, close, volume)


@BOTH_PATHS
def test_vwap_outside_rth_is_nan(compute):
    features = compute(two_sessions())
    outside = [0, 4, 5]
    assert features["vwap"].iloc[outside].isna().all()
    assert features["vwap_sigma"].iloc[outside].isna().all()


@BOTH_PATHS
def test_vwap_within_session_is_volume_weighted_mean_and_population_std_of_typical_price(compute):
    features = compute(two_sessions())
    typical = np.array([100.0, 103.0, 97.0])
    weights = np.array([1.0, 2.0, 1.0])
    for k in range(3):
        mean = np.average(typical[: k + 1], weights=weights[: k + 1])
        var = np.average((typical[: k + 1] - mean) ** 2, weights=weights[: k + 1])
        assert features["vwap"].iloc[1 + k] == pytest.approx(mean, abs=1e-12)
        assert features["vwap_sigma"].iloc[1 + k] == pytest.approx(math.sqrt(var), abs=1e-12)
    assert features["vwap"].iloc[2] == pytest.approx(102.0)
    assert features["vwap_sigma"].iloc[2] == pytest.approx(math.sqrt(2.0))


@BOTH_PATHS
def test_vwap_at_next_rth_open_resets_to_that_bars_typical_price(compute):
    features = compute(two_sessions())
    assert features["vwap"].iloc[6] == 200.0
    assert features["vwap_sigma"].iloc[6] == 0.0


@BOTH_PATHS
def test_vwap_before_the_session_has_volume_is_nan(compute):
    bars = annotated_bars(
        ["2024-03-04 09:30", "2024-03-04 09:35", "2024-03-04 09:40"],
        high=[11, 21, 31],
        low=[9, 19, 29],
        close=[10, 20, 30],
        volume=[0, 0, 4],
    )
    features = compute(bars)
    assert features["vwap"].iloc[:2].isna().all()
    assert features["vwap_sigma"].iloc[:2].isna().all()
    assert features["vwap"].iloc[2] == 30.0
    assert features["vwap_sigma"].iloc[2] == 0.0


def test_vwap_sigma_at_real_price_levels_is_exactly_zero_for_a_single_bar():
    # Summing raw TP^2 near 16000 would leave ~1e-4 points of rounding noise in sigma.
    bars = annotated_bars(["2024-03-04 09:30"], [16001.75], [15998.5], [16000.25], [1234.0])
    for compute in (compute_features, incremental_frame):
        assert compute(bars)["vwap_sigma"].iloc[0] == 0.0

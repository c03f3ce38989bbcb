"""The feature composition: columns, FeatureValues, warm-up, config checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.features.frames import annotated_bars
from transmission.features import (
    FEATURE_COLUMNS,
    FeatureConfig,
    FeatureValues,
    IncrementalFeatures,
    compute_features,
    feature_columns,
    incremental_frame,
)


def test_feature_columns_default_names_and_feature_values_fields_match():
    assert FEATURE_COLUMNS == (
        "atr",
        "plus_di",
        "minus_di",
        "adx",
        "er",
        "chop",
        "ema_fast",
        "ema_slow",
        "vwap",
        "vwap_sigma",
        "atr_pct",
        "or5_high",
        "or5_low",
        "or30_high",
        "or30_low",
        "warm",
    )
    assert FeatureValues._fields == FEATURE_COLUMNS


def test_incremental_update_on_first_bar_returns_feature_values_not_warm():
    features = IncrementalFeatures()
    ts_ns = pd.Timestamp("2024-03-04 09:30", tz="America/New_York").value
    values = features.update(ts_ns, 100.0, 101.0, 99.0, 100.0, 10.0, 19786, True, 570, ts_ns)
    assert isinstance(values, FeatureValues)
    assert math.isnan(values.atr) and math.isnan(values.adx) and not values.warm
    assert values.vwap == 100.0 and values.or5_high == 101.0 and math.isnan(values.or30_high)


def test_incremental_update_with_custom_opening_ranges_names_fields_after_them():
    config = FeatureConfig(opening_range_minutes=(15,))
    features = IncrementalFeatures(config)
    ts_ns = pd.Timestamp("2024-03-04 09:30", tz="America/New_York").value
    values = features.update(ts_ns, 100.0, 101.0, 99.0, 100.0, 10.0, 19786, True, 570, ts_ns)
    assert values._fields == feature_columns(config)
    assert "or15_high" in values._fields and "or5_high" not in values._fields
    assert math.isnan(values.or15_high)


def test_warm_on_real_sample_starts_when_slowest_feature_is_defined(nq_five_minute):
    features = compute_features(nq_five_minute)
    first_warm = int(np.flatnonzero(features["warm"].to_numpy())[0])
    assert first_warm == 49  # EMA(50) is the last to warm up
    assert features["warm"].iloc[first_warm:].all()


@pytest.mark.parametrize("compute", [compute_features, incremental_frame])
def test_features_keep_the_input_index(compute):
    ts = pd.date_range("2024-03-04 09:30", periods=5, freq="5min")
    bars = annotated_bars(ts, [101] * 5, [99] * 5, [100] * 5).set_axis(range(10, 15))
    features = compute(bars)
    assert list(features.index) == list(range(10, 15))
    assert tuple(features.columns) == FEATURE_COLUMNS
    assert features["warm"].dtype == bool


def test_compute_features_on_unannotated_bars_raises():
    ts = pd.date_range("2024-03-04 09:30", periods=3, freq="5min", tz="America/New_York")
    bars = pd.DataFrame({"ts": ts, "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0})
    with pytest.raises(ValueError, match="annotated"):
        compute_features(bars)


@pytest.mark.parametrize(
    "change",
    [
        {"adx_period": 1},
        {"chop_period": 1},
        {"atr_period": 0},
        {"atr_pct_min_sessions": 21},
        {"opening_range_minutes": (5, 5)},
        {"opening_range_minutes": (0,)},
    ],
)
def test_feature_config_with_invalid_setting_raises(change):
    with pytest.raises(ValueError):
        FeatureConfig(**change)


@pytest.mark.parametrize("compute", [compute_features, incremental_frame])
def test_features_on_empty_frame_are_an_empty_frame_with_all_columns(compute):
    bars = annotated_bars(pd.DatetimeIndex([]), [], [], [])
    features = compute(bars)
    assert features.empty and tuple(features.columns) == FEATURE_COLUMNS


def test_batch_features_of_some_columns_equal_those_of_all(nq_five_minute: pd.DataFrame) -> None:
    from transmission.features import BatchFeatures
    from transmission.features.compose import _session_arrays

    arrays = _session_arrays(nq_five_minute)
    everything = BatchFeatures(arrays, bar_minutes=5)
    some = BatchFeatures(arrays, bar_minutes=5, only={"or30_high", "adx"})
    assert "or30_high" in some.columns and "or5_high" not in some.columns
    assert "vwap_sigma" not in some.columns and some.columns[-1] == "warm"
    for name in some.columns:
        np.testing.assert_array_equal(some.values[name], everything.values[name])
    # After keep_only, rows hold just the kept columns, with the same values.
    some.keep_only(("adx", "warm"))
    row = some.update(
        int(arrays["ts_ns"][0]), 0, 0, 0, float(arrays["close"][0]), 0, 0, False, 0, 0
    )
    assert row._fields == ("adx", "warm") and row.warm == bool(everything.values["warm"][0])
    with pytest.raises(KeyError, match="no feature columns"):
        some.keep_only(("atr",))

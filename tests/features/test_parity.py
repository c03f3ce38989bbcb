"""Batch and incremental features agree on every bar of the real NQ sample and on random walks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.features.frames import annotated_bars
from transmission.features import (
    FEATURE_COLUMNS,
    FeatureConfig,
    compute_features,
    feature_columns,
    incremental_frame,
)


def assert_same_features(batch: pd.DataFrame, incremental: pd.DataFrame, columns) -> None:
    assert list(batch.columns) == list(columns) == list(incremental.columns)
    assert batch.index.equals(incremental.index)
    for column in columns:
        if column == "warm":
            assert batch[column].dtype == bool and incremental[column].dtype == bool
            np.testing.assert_array_equal(batch[column], incremental[column])
        else:
            np.testing.assert_allclose(
                incremental[column].to_numpy(float),
                batch[column].to_numpy(float),
                rtol=1e-9,
                atol=1e-9,
                equal_nan=True,
                err_msg=column,
            )


@pytest.mark.parametrize("bar_minutes", [5, 1])
def test_features_on_real_sample_batch_equals_incremental_on_every_bar(
    bar_minutes, nq_one_minute, nq_five_minute
):
    bars = nq_five_minute if bar_minutes == 5 else nq_one_minute
    batch = compute_features(bars, bar_minutes=bar_minutes)
    incremental = incremental_frame(bars, bar_minutes=bar_minutes)
    assert_same_features(batch, incremental, FEATURE_COLUMNS)
    # The comparison is not vacuous: every column is defined somewhere on the sample.
    assert batch.drop(columns="warm").notna().any().all()
    assert batch["warm"].any()


def test_features_with_custom_config_on_real_sample_batch_equals_incremental(nq_five_minute):
    config = FeatureConfig(
        atr_period=7,
        adx_period=9,
        er_period=5,
        chop_period=20,
        ema_fast=9,
        ema_slow=21,
        atr_pct_lookback=3,
        atr_pct_min_sessions=2,
        opening_range_minutes=(15, 60),
    )
    batch = compute_features(nq_five_minute, config)
    incremental = incremental_frame(nq_five_minute, config)
    assert_same_features(batch, incremental, feature_columns(config))
    assert batch["or60_high"].notna().any()


_CONFIGS = st.builds(
    FeatureConfig,
    atr_period=st.integers(1, 5),
    adx_period=st.integers(2, 5),
    er_period=st.integers(1, 5),
    chop_period=st.integers(2, 5),
    ema_fast=st.integers(1, 4),
    ema_slow=st.integers(1, 8),
    atr_pct_lookback=st.integers(2, 4),
    atr_pct_min_sessions=st.integers(1, 2),
    opening_range_minutes=st.sampled_from([(5, 30), (10,), (5, 15, 60)]),
)
# 5-minute slots from 09:00 to 10:25 ET: a pre-RTH stretch, the open and the first hour.
_SLOTS = pd.timedelta_range("09:00:00", periods=18, freq="5min")


@st.composite
def random_walk_bars(draw) -> pd.DataFrame:
    """A few weekdays of 5-minute tick-size random walk bars, with dropped bars, flat stretches
    and zero-volume bars."""
    days = draw(st.integers(1, 6))
    present = draw(st.lists(st.booleans(), min_size=days * 18, max_size=days * 18))
    stamps = [day + slot for day in pd.bdate_range("2024-03-04", periods=days) for slot in _SLOTS]
    ts = pd.DatetimeIndex([t for t, keep in zip(stamps, present, strict=True) if keep])
    n = len(ts)
    ticks = st.lists(st.integers(0, 3), min_size=n, max_size=n)
    moves = draw(st.lists(st.integers(-6, 6), min_size=n, max_size=n))
    up, down = draw(ticks), draw(ticks)
    close = 15000.0 + 0.25 * np.cumsum(moves)
    previous = np.r_[close[:1], close[:-1]]
    high = np.maximum(close, previous) + 0.25 * np.asarray(up, dtype=float)
    low = np.minimum(close, previous) - 0.25 * np.asarray(down, dtype=float)
    volume = draw(ticks)
    return annotated_bars(ts, high, low, close, volume)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bars=random_walk_bars(), config=_CONFIGS)
def test_features_on_random_walks_batch_equals_incremental(bars, config):
    batch = compute_features(bars, config)
    incremental = incremental_frame(bars, config)
    assert_same_features(batch, incremental, feature_columns(config))

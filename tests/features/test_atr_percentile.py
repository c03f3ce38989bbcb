"""ATR percentile against the same time of day over earlier sessions."""

from __future__ import annotations

import numpy as np
import pytest

from transmission.features import compute_features
from transmission.features.atr_percentile import IncrementalAtrPercentile, atr_percentile

SLOT = 600  # 10:00 ET


def both_paths(atr, session, slot, lookback=20, min_sessions=5):
    """(batch, incremental) percentiles for the same bars."""
    incremental = IncrementalAtrPercentile(lookback, min_sessions)
    values = [
        incremental.update(a, d, s)
        for a, d, s in zip(atr.tolist(), session.tolist(), slot.tolist(), strict=True)
    ]
    batch = atr_percentile(atr, session, slot, lookback, min_sessions)
    np.testing.assert_array_equal(batch, values)
    return batch


def test_atr_percentile_with_fewer_than_five_earlier_sessions_is_nan():
    atr = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    pct = both_paths(atr, np.arange(5), np.full(5, SLOT))
    assert np.isnan(pct).all()


def test_atr_percentile_with_five_earlier_sessions_is_share_at_or_below():
    atr = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 3.0])
    pct = both_paths(atr, np.arange(6), np.full(6, SLOT))
    assert pct[5] == 60.0  # 1, 2 and 3 of the five are <= 3


def test_atr_percentile_uses_only_the_most_recent_lookback_sessions():
    atr = np.r_[np.arange(25.0), 10.5]  # day k had ATR k; today 10.5
    pct = both_paths(atr, np.arange(26), np.full(26, SLOT), lookback=20)
    assert pct[25] == 100.0 * 6 / 20  # days 5..24: only 5..10 are <= 10.5


def test_atr_percentile_ignores_other_slots_and_nan_sessions():
    # Day 2 has no finite ATR at the slot, so today (day 6) has five earlier sessions, not six.
    atr = np.array([1.0, 99.0, 2.0, 99.0, np.nan, 3.0, 4.0, 99.0, 5.0, 2.5])
    session = np.array([0, 0, 1, 1, 2, 3, 4, 4, 5, 6])
    slot = np.array([SLOT, 900, SLOT, 900, SLOT, SLOT, SLOT, 900, SLOT, SLOT])
    pct = both_paths(atr, session, slot)
    assert pct[9] == 40.0  # 1 and 2 of 1, 2, 3, 4, 5
    assert np.isnan(pct[4])  # NaN ATR has no percentile


def test_atr_percentile_with_two_bars_at_one_slot_counts_the_days_first_bar_once():
    atr = np.array([1.0, 2.0, 50.0, 3.0, 4.0, 5.0, 3.0])
    session = np.array([0, 1, 1, 2, 3, 4, 5])
    pct = both_paths(atr, session, np.full(7, SLOT))
    assert pct[6] == 60.0
    assert np.isnan(pct[2])  # day 1's second bar sees only day 0


def test_atr_percentile_on_real_sample_is_nan_for_first_five_sessions_then_in_range(
    nq_five_minute,
):
    features = compute_features(nq_five_minute)
    day = nq_five_minute["trading_day"]
    first_five = day.isin(sorted(day.unique())[:5])
    assert features["atr_pct"][first_five].isna().all()
    later = features["atr_pct"][~first_five]
    assert later.notna().mean() > 0.5
    assert later.dropna().between(0.0, 100.0).all()


@pytest.mark.parametrize("lookback, min_sessions", [(1, 1), (3, 2)])
def test_atr_percentile_on_random_sessions_batch_equals_incremental(lookback, min_sessions):
    rng = np.random.default_rng(7)
    n = 2_000
    session = np.sort(rng.integers(0, 60, n))
    slot = rng.integers(0, 12, n) * 5
    atr = rng.integers(0, 8, n).astype(float)  # many ties
    atr[rng.random(n) < 0.1] = np.nan
    both_paths(atr, session, slot, lookback, min_sessions)

"""The vectorised regimes (`classify_frame`, `TrackedRegimeClassifier`) equal the live classifier's.

The reference is the bar-by-bar `RegimeClassifier` fed one bar at a time, as the live engine
feeds it; the vectorised dwell rule must reproduce it on the real sample and on random feature
histories built to sit on the rule thresholds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.features.frames import annotated_bars
from transmission.features import compute_features
from transmission.market.calendar import annotate
from transmission.market.loader import load_bars
from transmission.market.resample import resample
from transmission.regime import RegimeClassifier, RegimeConfig, classify_frame
from transmission.regime.classifier import TrackedRegimeClassifier, market_track

RULE_COLUMNS = ("atr_pct", "adx", "er", "chop", "plus_di", "minus_di", "vwap", "warm")
MINUTE = 60_000_000_000


class _Bar:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def live_regimes(
    bars: pd.DataFrame, features: pd.DataFrame, cfg: RegimeConfig, bar_minutes: int
) -> pd.DataFrame:
    """The reference: RegimeClassifier fed bar by bar, with the trading-window gate."""
    classifier = RegimeClassifier(cfg)
    end_ns = bars["ts"].dt.as_unit("ns").astype("int64").to_numpy() + bar_minutes * MINUTE
    opens, closes = bars["rth_open"].tolist(), bars["rth_close"].tolist()
    prices = bars["close"].tolist()
    regimes, directions = [], []
    for i, row in enumerate(features.to_dict(orient="records")):
        window = not pd.isna(opens[i]) and classifier.in_window(
            int(end_ns[i]), opens[i].value, closes[i].value
        )
        classifier.update(_Bar(row), prices[i], in_window=window, stale=False)
        regimes.append(classifier.regime)
        directions.append(classifier.direction)
    return pd.DataFrame({"regime": regimes, "direction": directions}, index=bars.index)


@pytest.fixture(scope="module")
def nq_one_minute(sample_path: Path) -> pd.DataFrame:
    return annotate(load_bars(sample_path).bars.drop(columns="line"))


@pytest.fixture(scope="module")
def nq_five_minute(nq_one_minute: pd.DataFrame) -> pd.DataFrame:
    return annotate(resample(nq_one_minute, 5))


@pytest.mark.parametrize("bar_minutes", [5, 1])
def test_classify_frame_on_real_sample_equals_live_classifier_on_every_bar(
    bar_minutes: int, nq_one_minute: pd.DataFrame, nq_five_minute: pd.DataFrame
) -> None:
    bars = nq_five_minute if bar_minutes == 5 else nq_one_minute
    features = compute_features(bars, bar_minutes=bar_minutes)
    cfg = RegimeConfig()
    vectorised = classify_frame(bars, features, cfg, bar_minutes)
    reference = live_regimes(bars, features, cfg, bar_minutes)
    pd.testing.assert_frame_equal(vectorised, reference)
    # Not vacuous: the sample holds every market regime and both trend directions.
    assert set(vectorised["regime"]) == {"TREND", "RANGE", "VOLATILE", "NO_TRADE"}
    assert set(vectorised["direction"].dropna()) == {"up", "down"}


# Values on and around each threshold of the default rules, and NaN.
_ON_EDGES = {
    "atr_pct": [np.nan, 50.0, 89.9, 90.0, 95.0],
    "adx": [15.0, 20.0, 22.0, 25.0, 30.0],
    "er": [0.1, 0.2, 0.25, 0.3, 0.4],
    "chop": [50.0, 61.8, 65.0],
    "plus_di": [10.0, 20.0, 30.0],
    "minus_di": [10.0, 20.0, 30.0],
    "vwap": [np.nan, 99.0, 100.0, 101.0],
}


@st.composite
def feature_histories(draw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random 5-minute bars with features drawn on the rule thresholds (seeded numpy draws keep
    hypothesis fast; it still shrinks the length and the seed)."""
    n = draw(st.integers(1, 150))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Runs of repeated feature rows make the dwell matter; cold bars interrupt them.
    repeats = rng.integers(1, 5, n)
    picks = {name: rng.integers(0, len(values), n) for name, values in _ON_EDGES.items()}
    columns = {
        name: np.repeat(np.asarray(values)[picks[name]], repeats)[:n]
        for name, values in _ON_EDGES.items()
    }
    columns["warm"] = np.repeat(rng.random(n) > 0.1, repeats)[:n]
    ts = pd.date_range("2024-03-04 09:00", periods=n, freq="5min")
    close = np.array([99.0, 100.0, 101.0])[rng.integers(0, 3, n)]
    bars = annotated_bars(ts, close, close, close)
    return bars, pd.DataFrame(columns, index=bars.index)


_CONFIGS = st.builds(RegimeConfig, dwell_bars=st.integers(0, 4))


@settings(max_examples=200, deadline=None)
@given(history=feature_histories(), cfg=_CONFIGS)
def test_classify_frame_on_threshold_histories_equals_live_classifier(
    history: tuple[pd.DataFrame, pd.DataFrame], cfg: RegimeConfig
) -> None:
    bars, features = history
    pd.testing.assert_frame_equal(
        classify_frame(bars, features, cfg), live_regimes(bars, features, cfg, 5)
    )


@settings(max_examples=200, deadline=None)
@given(
    history=feature_histories(),
    cfg=_CONFIGS,
    gates=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=150, max_size=150),
)
def test_tracked_classifier_returns_the_live_classifiers_transitions_and_reasons(
    history: tuple[pd.DataFrame, pd.DataFrame],
    cfg: RegimeConfig,
    gates: list[tuple[bool, bool]],
) -> None:
    bars, features = history
    close = bars["close"].to_numpy()
    columns = {name: features[name].to_numpy() for name in RULE_COLUMNS}
    live, tracked = RegimeClassifier(cfg), TrackedRegimeClassifier(cfg, columns, close)
    for i, row in enumerate(features.to_dict(orient="records")):
        in_window, stale = gates[i]
        bar = _Bar(row)
        expected = live.update(bar, float(close[i]), in_window=in_window, stale=stale)
        actual = tracked.update(bar, float(close[i]), in_window=in_window, stale=stale)
        assert actual == expected, f"bar {i}"
        assert (tracked.regime, tracked.direction) == (live.regime, live.direction)


def test_market_track_holds_a_regime_from_the_bar_completing_its_dwell_across_cold_bars() -> None:
    # Rule outcomes: RANGE, RANGE, (not warm), RANGE -> RANGE holds from bar 3, since bar 3.
    # Then TREND up twice and a bar matching no rule: the run breaks, RANGE stays.
    rng = {"atr_pct": 50.0, "adx": 15.0, "er": 0.1, "chop": 65.0, "plus_di": 20.0}
    up = {"atr_pct": 50.0, "adx": 30.0, "er": 0.4, "chop": 50.0, "plus_di": 30.0}
    none = {"atr_pct": 50.0, "adx": 22.0, "er": 0.25, "chop": 50.0, "plus_di": 20.0}
    rows = [rng, rng, rng, rng, up, up, none, up]
    frame = pd.DataFrame(rows).assign(minus_di=10.0, vwap=100.0)
    frame["warm"] = [True, True, False, True, True, True, True, True]
    track = market_track({c: frame[c].to_numpy() for c in RULE_COLUMNS}, np.full(8, 101.0))
    assert track.code.tolist() == [0, 0, 0, 3, 3, 3, 3, 3]
    assert track.since.tolist() == [-1, -1, -1, 3, 3, 3, 3, 3]


def test_tracked_classifier_asked_past_its_track_says_how_long_the_track_is() -> None:
    columns = {name: np.array([1.0]) for name in RULE_COLUMNS}
    tracked = TrackedRegimeClassifier(None, columns, np.array([1.0]))
    bar = _Bar({"warm": True})
    tracked.update(bar, 1.0, in_window=True, stale=False)
    with pytest.raises(IndexError, match="holds 1 bars; bar 1 was asked"):
        tracked.update(bar, 1.0, in_window=True, stale=False)

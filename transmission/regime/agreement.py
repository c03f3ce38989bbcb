"""How well the classifier finds known regimes (the simulator's ground truth).

The classifier reacts to a change only after its indicators turn (ADX(14) on 5-minute bars lags
by an hour or more) and the dwell holds, so agreement is reported by the age of the segment a
bar falls in: `min_age_minutes=60` compares only bars at least an hour into their segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transmission.features import FeatureConfig, compute_features
from transmission.market.calendar import annotate
from transmission.market.resample import resample
from transmission.regime.classifier import RegimeConfig, classify_frame


@dataclass(frozen=True)
class RegimeAgreement:
    """Share of classified (not NO_TRADE) signal bars whose label matches the ground truth."""

    agreement: float
    bars: int
    by_age: pd.Series
    confusion: pd.DataFrame
    labels: pd.DataFrame


def regime_labels(frame: pd.DataFrame) -> np.ndarray:
    """TREND_UP / TREND_DOWN / RANGE / VOLATILE / NO_TRADE from classify_frame's columns."""
    direction = frame["direction"].fillna("").astype(str).str.upper()
    return np.where(frame["regime"] == "TREND", "TREND_" + direction, frame["regime"]).astype(str)


def regime_agreement(
    bars: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    min_age_minutes: float = 60.0,
    bar_minutes: int = 5,
    features: FeatureConfig | None = None,
    regime: RegimeConfig | None = None,
) -> RegimeAgreement:
    """Agreement of the classifier on 1-minute `bars` with `truth` (start, end, regime)."""
    signal = annotate(resample(bars, bar_minutes))
    classified = classify_frame(
        signal,
        compute_features(signal, features or FeatureConfig(), bar_minutes),
        regime,
        bar_minutes,
    )
    last_minute = (signal["ts"] + pd.Timedelta(minutes=bar_minutes - 1)).to_numpy()
    starts = truth["start"].to_numpy()
    index = np.searchsorted(starts, last_minute, side="right") - 1
    inside = (index >= 0) & (last_minute < truth["end"].to_numpy()[np.clip(index, 0, None)])
    expected = np.where(inside, truth["regime"].to_numpy()[np.clip(index, 0, None)], "")
    age = (last_minute - starts[np.clip(index, 0, None)]) / np.timedelta64(1, "m") + 1
    predicted = regime_labels(classified)
    classified_bars = (predicted != "NO_TRADE") & inside
    labels = pd.DataFrame(
        {"ts": signal["ts"], "expected": expected, "predicted": predicted, "segment_age": age}
    )
    hits = predicted == expected
    chosen = classified_bars & (age >= min_age_minutes)
    by_age = pd.Series(
        {
            lag: float(hits[classified_bars & (age >= lag)].mean())
            for lag in (0, 30, 60, 90)
            if (classified_bars & (age >= lag)).any()
        },
        name="agreement",
    )
    by_age.index.name = "min_segment_age_minutes"
    confusion = pd.crosstab(
        pd.Series(expected[chosen], name="truth"), pd.Series(predicted[chosen], name="classified")
    )
    agreement = float(hits[chosen].mean()) if chosen.any() else float("nan")
    return RegimeAgreement(agreement, int(chosen.sum()), by_age, confusion, labels)

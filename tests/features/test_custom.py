"""User features: both forms run over the same bars; a disagreement names its first bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import transmission as tm
from tests.lab import user_code
from tests.samples import require_sample


def test_a_feature_whose_forms_agree_passes_on_the_nq_sample() -> None:
    checked = tm.check_feature(user_code.donchian, require_sample())
    assert {"dc_high", "dc_low"} <= set(checked.columns)
    assert checked["dc_high"].notna().sum() > 1000


def test_a_feature_whose_incremental_form_drifts_is_refused_at_the_first_bar_it_differs() -> None:
    with pytest.raises(tm.FeatureParityError) as caught:
        tm.check_feature(user_code.drifting, tm.simulate(2, 5))
    message = str(caught.value)
    assert "feature 'donchian' is refused" in message
    assert "first at signal bar 29" in message and "column 'dc_high'" in message


def test_a_series_feature_takes_the_features_name() -> None:
    class LastClose:
        def update(self, bar: object) -> float:
            return float(bar.close)  # type: ignore[attr-defined]

    close = tm.feature(
        "last_close", batch=lambda bars: bars["close"].rename(None), incremental=LastClose
    )
    checked = tm.check_feature(close, tm.simulate(1, 2))
    assert np.allclose(checked["last_close"], checked["close"])


def test_a_batch_of_the_wrong_length_is_named() -> None:
    short = tm.feature(
        "short",
        batch=lambda bars, n: pd.Series(np.zeros(3)),
        incremental=user_code.DonchianLive,
        n=2,
    )
    with pytest.raises(ValueError, match="batch column 'short' has 3 values for"):
        tm.check_feature(short, tm.simulate(1, 2))

"""Shared fixtures: the real NQ sample as annotated 1-minute and 5-minute signal bars."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.samples import require_sample
from transmission.market.calendar import annotate
from transmission.market.resample import resample


@pytest.fixture(scope="session")
def nq_one_minute() -> pd.DataFrame:
    """The real NQ sample, annotated 1-minute bars."""
    raw = pd.read_csv(require_sample(), parse_dates=["timestamp"]).rename(
        columns={"timestamp": "ts"}
    )
    raw = raw.astype({c: "float64" for c in ("open", "high", "low", "close", "volume")})
    return annotate(raw)


@pytest.fixture(scope="session")
def nq_five_minute(nq_one_minute: pd.DataFrame) -> pd.DataFrame:
    """The real NQ sample, annotated 5-minute signal bars."""
    return annotate(resample(nq_one_minute, 5))

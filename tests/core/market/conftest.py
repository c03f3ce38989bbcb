"""The real NQ sample, read where it lives (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLE_CSV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "NQ_1min_sample.csv"
SAMPLE_BARS = 14_714


@pytest.fixture(scope="session")
def nq_sample() -> Path:
    """Path of the shared NQ sample; skips locally (fails under CI) when it is missing."""
    if SAMPLE_CSV.exists():
        return SAMPLE_CSV
    if os.environ.get("CI") == "true":
        pytest.fail(f"the shared NQ sample is missing at {SAMPLE_CSV}")
    pytest.skip(f"the shared NQ sample is not at {SAMPLE_CSV}")

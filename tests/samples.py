"""Where the suite finds the real NQ sample: `../shared` beside the checkout, never a copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "NQ_1min_sample.csv"
SAMPLE_BARS = 14_714


def require_sample() -> Path:
    """The shared NQ sample; under CI its absence fails, locally it skips."""
    if SAMPLE.exists():
        return SAMPLE
    if os.environ.get("CI") == "true":
        pytest.fail(f"the shared NQ sample is missing at {SAMPLE}")
    pytest.skip(f"the shared NQ sample is not at {SAMPLE}")

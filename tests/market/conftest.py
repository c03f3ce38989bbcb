"""The real NQ sample, read where it lives (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.samples import SAMPLE as SAMPLE_CSV
from tests.samples import SAMPLE_BARS, require_sample

__all__ = ["SAMPLE_BARS", "SAMPLE_CSV"]


@pytest.fixture(scope="session")
def nq_sample() -> Path:
    """Path of the shared NQ sample; skips locally (fails under CI) when it is missing."""
    return require_sample()

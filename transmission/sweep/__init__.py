"""Parameter sweeps and walk-forward optimisation on Dask, with overfitting statistics."""

from transmission.sweep.core import sweep
from transmission.sweep.result import SweepResult
from transmission.sweep.walkforward import WalkForwardResult, walk_forward

__all__ = ["SweepResult", "WalkForwardResult", "sweep", "walk_forward"]

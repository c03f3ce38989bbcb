"""Parameter sweeps and walk-forward optimisation on Dask, with overfitting statistics."""

from transmission.sweep.cluster import get_client
from transmission.sweep.core import sweep
from transmission.sweep.result import SweepResult
from transmission.sweep.walkforward import WalkForwardResult, walk_forward

__all__ = ["SweepResult", "WalkForwardResult", "get_client", "sweep", "walk_forward"]

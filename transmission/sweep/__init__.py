"""Parameter sweeps and walk-forward optimisation on Dask, with overfitting statistics."""

import sys
import types
from typing import Any

from transmission.sweep.cluster import get_client
from transmission.sweep.core import sweep
from transmission.sweep.result import SweepResult
from transmission.sweep.walkforward import WalkForwardResult, walk_forward

__all__ = ["SweepResult", "WalkForwardResult", "get_client", "sweep", "walk_forward"]


class _Package(types.ModuleType):
    """This package, callable as `sweep`.

    Importing `transmission.sweep` (or any module in it) before the first `tm.sweep` sets the
    attribute `transmission.sweep` to this package, over the function that `tm.sweep` names:
    the import system does so after the package has run. Callable, the package still is
    `tm.sweep`."""

    def __call__(self, *args: Any, **kwargs: Any) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _Package

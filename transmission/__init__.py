"""transmission: `import transmission as tm`, then `tm.backtest(data, strategy)`.

The public names load on first use (module `__getattr__`), so `import transmission` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Public name -> the module that defines it.
_LAZY = {
    "backtest": "transmission.lab.run",
    "run_backtest": "transmission.lab.run",
    "BacktestResult": "transmission.lab.result",
    "Strategy": "transmission.lab.strategy",
    "simulate": "transmission.lab.data",
    "feature": "transmission.features.custom",
    "Feature": "transmission.features.custom",
    "FeatureParityError": "transmission.features.custom",
    "check_feature": "transmission.lab.features",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'transmission' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

"""transmission: an intraday futures engine that changes gear with the market regime.

`import transmission as tm`, then `tm.backtest(data, strategy)` (docs/strategies.md). The
public names are imported on first use (module `__getattr__`), so `import transmission` stays
fast. `tm.Strategy` is the base class to subclass in a notebook; the protocol it follows (what
the engine needs of any strategy) is `transmission.strategies.Strategy`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transmission.features.custom import Feature, FeatureParityError, feature
    from transmission.lab.data import simulate
    from transmission.lab.features import check_feature
    from transmission.lab.result import BacktestResult
    from transmission.lab.run import backtest, run_backtest
    from transmission.lab.strategy import Strategy
    from transmission.risk.rules import Decision, Rule, register_rule
    from transmission.strategies import BarView, Signal, register_strategy
    from transmission.sweep import sweep, walk_forward

# Public name -> the module that defines it.
_PUBLIC = {
    # the research API
    "backtest": "transmission.lab.run",
    "run_backtest": "transmission.lab.run",
    "BacktestResult": "transmission.lab.result",
    "Strategy": "transmission.lab.strategy",
    "simulate": "transmission.lab.data",
    "feature": "transmission.features.custom",
    "Feature": "transmission.features.custom",
    "FeatureParityError": "transmission.features.custom",
    "check_feature": "transmission.lab.features",
    # the plug-in contracts
    "Signal": "transmission.strategies",
    "BarView": "transmission.strategies",
    "register_strategy": "transmission.strategies",
    "Rule": "transmission.risk.rules",
    "Decision": "transmission.risk.rules",
    "register_rule": "transmission.risk.rules",
    "sweep": "transmission.sweep",
    "walk_forward": "transmission.sweep",
}

__all__ = [
    "BacktestResult",
    "BarView",
    "Decision",
    "Feature",
    "FeatureParityError",
    "Rule",
    "Signal",
    "Strategy",
    "backtest",
    "check_feature",
    "feature",
    "register_rule",
    "register_strategy",
    "run_backtest",
    "simulate",
    "sweep",
    "walk_forward",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'transmission' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})

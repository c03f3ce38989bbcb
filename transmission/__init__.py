"""transmission: an intraday futures engine that changes gear with the market regime.

The public contracts are imported on first use, so `import transmission` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transmission.risk.rules import Decision, Rule, register_rule
    from transmission.strategies import BarView, Signal, Strategy, register_strategy

_PUBLIC = {
    "Strategy": "transmission.strategies",
    "Signal": "transmission.strategies",
    "BarView": "transmission.strategies",
    "register_strategy": "transmission.strategies",
    "Rule": "transmission.risk.rules",
    "Decision": "transmission.risk.rules",
    "register_rule": "transmission.risk.rules",
}

__all__ = [
    "BarView",
    "Decision",
    "Rule",
    "Signal",
    "Strategy",
    "register_rule",
    "register_strategy",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'transmission' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))

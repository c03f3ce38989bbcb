"""Strategies behind one small contract, found by name in a registry."""

from transmission.strategies import (  # noqa: F401  (each module registers itself)
    ema_cross,
    opening_range_breakout,
    vwap_band_reversion,
    vwap_pullback,
)
from transmission.strategies.base import (
    LONG,
    SHORT,
    BarView,
    ReadsColumns,
    Signal,
    SignalsOver,
    Strategy,
)
from transmission.strategies.registry import (
    available,
    create,
    register_strategy,
    unregister_strategy,
)

__all__ = [
    "LONG",
    "SHORT",
    "BarView",
    "ReadsColumns",
    "Signal",
    "SignalsOver",
    "Strategy",
    "available",
    "create",
    "register_strategy",
    "unregister_strategy",
]

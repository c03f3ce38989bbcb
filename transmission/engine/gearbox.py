"""The transmission proper: which strategy drives in which regime (configuration, not code)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transmission.strategies import BarView, Signal, Strategy, create


class Gearbox:
    """Holds the configured strategies, feeds them every bar, names the one for a regime."""

    def __init__(
        self,
        mapping: Mapping[str, str | None],
        params: Mapping[str, Mapping[str, Any]],
        tick: float,
    ) -> None:
        self.mapping = dict(mapping)
        names = sorted({name for name in self.mapping.values() if name})
        self.strategies: dict[str, Strategy] = {
            name: create(name, tick=tick, **params.get(name, {})) for name in names
        }

    def strategy_for(self, regime: str) -> str | None:
        return self.mapping.get(regime)

    def update(self, bar: BarView, features: Any) -> dict[str, Signal]:
        """Every strategy sees every bar (their state stays current); returns their signals."""
        signals = {}
        for name, strategy in self.strategies.items():
            signal = strategy.on_bar(bar, features)
            if signal is not None:
                signals[name] = signal
        return signals

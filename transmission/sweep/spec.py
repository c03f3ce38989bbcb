"""What a sweep runs: the data's window, the base config, the strategy, and how a grid point's
parameters land in the engine config."""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, fields
from typing import Any

from transmission.config import EngineConfig, load_config
from transmission.features import FeatureConfig
from transmission.regime import REGIMES

# Where a bare parameter name goes: a feature period, else the strategy's own parameter. A
# dotted name says its section ("risk.max_trades_per_day", "regime.trend_adx") or its strategy
# ("vwap_pullback.target_r").
CONFIG_SECTIONS = ("features", "regime", "risk", "costs")
FEATURE_PARAMS = frozenset(f.name for f in fields(FeatureConfig))


@dataclass(frozen=True)
class SweepSpec:
    """The fixed part of every point of a sweep (picklable: it travels to the workers).

    `config` is the base engine config as JSON; `strategy` a registered strategy that every
    regime drives (None: the config's gearbox); `window` the [start, end) epoch-ns range of
    the bars a point runs on (None: all of them).
    """

    config: dict[str, Any]
    strategy: str | None = None
    window: tuple[int, int] | None = None

    @classmethod
    def build(
        cls,
        config: EngineConfig | None,
        strategy: str | None,
        *,
        symbol: str,
        risk: dict[str, Any] | None = None,
    ) -> SweepSpec:
        base = config or load_config(symbol=symbol)
        data = base.model_dump(mode="json")
        if strategy is not None:
            data["gearbox"] = {regime: strategy for regime in REGIMES}
        if risk:
            data["risk"] = {**data["risk"], **risk}
        return cls(_validated(data).model_dump(mode="json"), strategy)

    def with_window(self, window: tuple[int, int] | None) -> SweepSpec:
        return SweepSpec(self.config, self.strategy, window)

    def config_for(self, params: dict[str, Any]) -> EngineConfig:
        """The engine config of one grid point: the base with `params` set."""
        data = json.loads(json.dumps(self.config))
        for key, value in params.items():
            section, name = self.route(key)
            if section in CONFIG_SECTIONS:
                data[section] = {**data.get(section, {}), name: value}
            else:
                strategies = data.setdefault("strategies", {})
                strategies[section] = {**strategies.get(section, {}), name: value}
        return _validated(data)

    def route(self, key: str) -> tuple[str, str]:
        """(section or strategy name, parameter name) of a grid key; a clear error if unknown."""
        section, _, name = key.rpartition(".")
        if not section:
            if name in FEATURE_PARAMS:
                return "features", name
            if self.strategy is None:
                raise ValueError(
                    f"grid parameter {key!r} is not a feature period; with no single strategy, "
                    "name its strategy or section, e.g. 'vwap_pullback.target_r' or 'risk.x'"
                )
            section = self.strategy
        if section not in CONFIG_SECTIONS:
            _check_strategy_parameter(section, name, key)
        return section, name

    def feature_key(self, params: dict[str, Any]) -> str:
        """Points with equal keys share their features (computed once, not once a point)."""
        config = self.config_for(params)
        text = json.dumps(
            [config.features, config.timeframe_minutes, self.window], sort_keys=True, default=str
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def identity(self) -> str:
        text = json.dumps([self.config, self.strategy, self.window], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _validated(data: dict[str, Any]) -> EngineConfig:
    return load_config(**data)


def _check_strategy_parameter(strategy: str, name: str, key: str) -> None:
    from transmission.strategies import available, create

    if strategy not in available():
        raise ValueError(
            f"grid parameter {key!r}: {strategy!r} is neither a config section "
            f"({', '.join(CONFIG_SECTIONS)}) nor a strategy ({', '.join(available())})"
        )
    # The registry makes instances; their class's signature lists the parameters.
    allowed = [p for p in inspect.signature(type(create(strategy, tick=1.0))).parameters]
    allowed = [p for p in allowed if p != "tick"]
    if name not in allowed:
        raise ValueError(
            f"grid parameter {key!r}: strategy {strategy!r} has no parameter {name!r}; "
            f"allowed: {', '.join(allowed + sorted(FEATURE_PARAMS))}"
        )

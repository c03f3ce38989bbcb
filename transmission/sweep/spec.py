"""What a sweep runs: the data's window, the base config, the strategy (resolved by the notebook
API's one resolver), and how a grid point's parameters land in the engine config."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from transmission.config import EngineConfig, load_config
from transmission.features import FeatureConfig
from transmission.lab.run import engine_config
from transmission.lab.strategy import StrategySpec, resolve

# Where a bare parameter name goes: a feature period, else the strategy's own parameter. A
# dotted name says its section ("risk.max_trades_per_day", "regime.trend_adx") or its strategy
# ("vwap_pullback.target_r").
CONFIG_SECTIONS = ("features", "regime", "risk", "costs")
FEATURE_PARAMS = frozenset(f.name for f in fields(FeatureConfig))


@dataclass(frozen=True)
class SweepSpec:
    """The fixed part of every point of a sweep (picklable with cloudpickle: it travels to the
    workers, user strategies defined in a notebook cell by value).

    `config` is the base engine config as JSON (the gearbox and strategy parameters of
    `strategy` already in it); `strategy` the resolved `strategy=` of `tm.backtest`; `single`
    the strategy that bare grid names belong to (None with a gearbox); `window` the [start, end)
    epoch-ns range of the bars a point runs on (None: all of them).
    """

    config: dict[str, Any]
    strategy: StrategySpec
    single: str | None = None
    window: tuple[int, int] | None = None

    @classmethod
    def build(cls, config: Any, strategy: Any, *, risk: dict[str, Any] | None = None) -> SweepSpec:
        """`config` and `strategy` as `tm.backtest` takes them (a path, an EngineConfig or a
        dict; a class, an instance, a registered name, a regime mapping or None)."""
        base = engine_config(config)
        spec = resolve(strategy, {}, base.gearbox)
        spec.install(base.timeframe_minutes)
        data = engine_config(base, spec).model_dump(mode="json")
        if risk:
            data["risk"] = {**data["risk"], **risk}
        names = {n for n in spec.gearbox.values() if n}
        single = None
        if strategy is not None and not isinstance(strategy, Mapping) and len(names) == 1:
            single = names.pop()
        return cls(_validated(data).model_dump(mode="json"), spec, single)

    @property
    def label(self) -> str:
        """The strategies swept, by name."""
        return ", ".join(sorted({n for n in self.strategy.gearbox.values() if n}))

    @property
    def symbol(self) -> str:
        return str(self.config["symbol"])

    def with_window(self, window: tuple[int, int] | None) -> SweepSpec:
        return SweepSpec(self.config, self.strategy, self.single, window)

    def install(self) -> None:
        """Register the user strategies in this process (a worker's, before a run)."""
        self.strategy.install(int(self.config["timeframe_minutes"]))

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
            if self.single is None:
                raise ValueError(
                    f"grid parameter {key!r} is not a feature period; with a gearbox, name its "
                    "strategy or section, e.g. 'vwap_pullback.target_r' or 'risk.x'"
                )
            section = self.single
        if section not in CONFIG_SECTIONS:
            self._check_strategy_parameter(section, name, key)
        return section, name

    def feature_key(self, params: dict[str, Any]) -> str:
        """Points with equal keys share their features (computed once, not once a point)."""
        config = self.config_for(params)
        text = json.dumps(
            [config.features, config.timeframe_minutes, self.window], sort_keys=True, default=str
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def identity(self) -> str:
        """The config, the strategies and the source of every user strategy and feature (a
        changed class is a new sweep, not one read back as finished), and the window."""
        text = json.dumps(
            [self.config, self.strategy.gearbox, self.strategy.params, self.window,
             self.strategy.code_identity()],
            sort_keys=True, default=str,
        )  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _check_strategy_parameter(self, strategy: str, name: str, key: str) -> None:
        names = sorted({n for n in self.strategy.gearbox.values() if n})
        if strategy not in names:
            raise ValueError(
                f"grid parameter {key!r}: {strategy!r} is neither a config section "
                f"({', '.join(CONFIG_SECTIONS)}) nor a strategy of this sweep ({', '.join(names)})"
            )
        allowed = self.strategy.parameters_of(strategy)
        if allowed is None:
            raise ValueError(
                f"grid parameter {key!r}: {strategy} was given as an instance; pass its class "
                "to sweep its parameters"
            )
        if name not in allowed:
            close = difflib.get_close_matches(name, [*allowed, *FEATURE_PARAMS], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"grid parameter {key!r}: strategy {strategy!r} has no parameter {name!r}{hint}; "
                f"allowed: {', '.join([*allowed, *sorted(FEATURE_PARAMS)])}"
            )


def _validated(data: dict[str, Any]) -> EngineConfig:
    return load_config(**data)

"""The engine's configuration: one validated object, read from a TOML file or built in code.

Each component keeps its own frozen config next to it (FeatureConfig, RegimeConfig, RiskConfig,
CostConfig); this module only assembles them, validates a config file with clear errors, and
gives every run a stable fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from transmission.contracts import CONTRACTS
from transmission.execution.costs import CostConfig
from transmission.features import FeatureConfig
from transmission.regime import REGIMES, RegimeConfig
from transmission.risk.config import RiskConfig
from transmission.strategies import available as available_strategies

DEFAULT_GEARBOX: dict[str, str | None] = {
    "TREND": "vwap_pullback",
    "RANGE": "vwap_band_reversion",
    "VOLATILE": None,
}


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message says what and where."""


class SessionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: bool = Field(True, description="trading window, flat by the close, stale-feed checks")
    flatten_minutes_before_close: int = Field(5, ge=0, le=120)
    stale_after_minutes: float = Field(5.0, gt=0)


class JournalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    flush_every_bars: int = Field(5000, ge=1, description="bars a write batch may hold")
    snapshot_every_seconds: float = Field(10.0, gt=0)


class EngineConfig(BaseModel):
    """Everything a run needs besides its data; frozen and part of the run's identity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str = "MNQ"
    timeframe_minutes: int = Field(5, ge=1, le=60)
    gearbox: dict[str, str | None] = Field(default_factory=lambda: dict(DEFAULT_GEARBOX))
    strategies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    shadow_trades: bool = True
    features: dict[str, Any] = Field(default_factory=dict)
    regime: dict[str, Any] = Field(default_factory=dict)
    risk: dict[str, Any] = Field(default_factory=dict)
    costs: dict[str, Any] = Field(default_factory=dict)
    session: SessionConfig = Field(default_factory=lambda: SessionConfig())
    journal: JournalConfig = Field(default_factory=lambda: JournalConfig())

    @field_validator("symbol")
    @classmethod
    def _known_symbol(cls, value: str) -> str:
        value = value.upper()
        if value not in CONTRACTS:
            raise ValueError(f"unknown symbol {value!r}; known: {', '.join(sorted(CONTRACTS))}")
        return value

    @field_validator("gearbox")
    @classmethod
    def _valid_gearbox(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        known = set(available_strategies())
        for regime, strategy in value.items():
            if regime not in REGIMES:
                raise ValueError(f"gearbox regime {regime!r} is not one of {', '.join(REGIMES)}")
            if strategy is not None and strategy not in known:
                raise ValueError(
                    f"gearbox maps {regime} to unknown strategy {strategy!r}; "
                    f"available: {', '.join(sorted(known))}"
                )
        return value

    # -- component configs ---------------------------------------------------------------------

    def feature_config(self) -> FeatureConfig:
        return _dataclass(FeatureConfig, self.features, "features")

    def regime_config(self) -> RegimeConfig:
        return _dataclass(RegimeConfig, self.regime, "regime")

    def risk_config(self) -> RiskConfig:
        """`[risk]`, with per-rule `[risk.rules.<name>]` tables (see `risk/config.py`)."""
        values = dict(self.risk)
        allowed = {f.name for f in fields(RiskConfig)} - {"rule_params"}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ConfigError(
                f"[risk] has unknown keys {unknown}; allowed: {', '.join(sorted(allowed))}"
            )
        try:
            config = RiskConfig.from_values(values)
            from transmission.risk.rules import build

            build(config.rules, config)  # unknown rules or per-rule parameters fail here
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[risk]: {exc}") from None
        return config

    def cost_config(self) -> CostConfig:
        return _dataclass(CostConfig, self.costs, "costs")

    def strategy_names(self) -> tuple[str, ...]:
        return tuple(sorted({s for s in self.gearbox.values() if s}))

    def fingerprint(self) -> str:
        """A short stable hash of the whole config (part of a run id)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]


def _dataclass(cls: Any, values: dict[str, Any], section: str) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(
            f"[{section}] has unknown keys {unknown}; allowed: {', '.join(sorted(names))}"
        )
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}]: {exc}") from None


def load_config(path: str | Path | None = None, **overrides: Any) -> EngineConfig:
    """The engine config from a TOML file (or the defaults), with keyword overrides on top."""
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        gearbox = data.get("gearbox")
        if isinstance(gearbox, dict):
            # TOML has no null: "none" or "" stands aside.
            data["gearbox"] = {k: (v or None) if v != "none" else None for k, v in gearbox.items()}
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        config = EngineConfig(**data)
        # Build every component config now, so a bad value fails before a run starts.
        config.feature_config()
        config.regime_config()
        config.risk_config()
        config.cost_config()
    except ValidationError as exc:
        where = f"config file {path}" if path else "config"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}" if path else str(exc)) from None
    return config

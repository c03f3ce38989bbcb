"""The engine's configuration: one validated object, read from a TOML file or built in code.

Each component keeps its own frozen config next to it (FeatureConfig, RegimeConfig, RiskConfig,
CostConfig); this module only assembles them, validates a config file with clear errors, and
gives every run a stable fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import MISSING, fields
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, get_type_hints

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

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


_POSITIVE: dict[str, Any] = {"gt": 0}
_NON_NEGATIVE: dict[str, Any] = {"ge": 0}
_AT_LEAST_ONE: dict[str, Any] = {"ge": 1}
_PERCENT: dict[str, Any] = {"ge": 0, "le": 100}
_SHARE: dict[str, Any] = {"ge": 0, "le": 1}
# Signs and ranges of the component configs' values, checked with their types before a run
# starts (the frozen dataclasses the engine receives stay plain).
COMPONENT_LIMITS: dict[str, dict[str, dict[str, Any]]] = {
    "risk": {
        "risk_per_trade_usd": _POSITIVE,
        "max_contracts": _AT_LEAST_ONE,
        "daily_loss_r": _POSITIVE,
        "weekly_loss_r": _POSITIVE,
        "max_red_days": _AT_LEAST_ONE,
        "max_losing_streak": _AT_LEAST_ONE,
        "max_trades_per_day": _AT_LEAST_ONE,
        "cooldown_minutes": _NON_NEGATIVE,
        "max_drawdown_r": _POSITIVE,
        "performance_window": _AT_LEAST_ONE,
        "performance_min_trades": _AT_LEAST_ONE,
        "min_profit_factor": _NON_NEGATIVE,
        "wilson_z": _POSITIVE,
        "profile": {"pattern": "^(live|research|off)$"},
    },
    "costs": {
        "commission_per_side": _NON_NEGATIVE,
        "slippage_ticks": _NON_NEGATIVE,
        "volatile_slippage_ticks": _NON_NEGATIVE,
    },
    "regime": {
        "window_open_minutes": _NON_NEGATIVE,
        "window_close_minutes": _NON_NEGATIVE,
        "volatile_atr_pct": _PERCENT,
        "trend_adx": _PERCENT,
        "range_adx": _PERCENT,
        "range_chop": _PERCENT,
        "trend_er": _SHARE,
        "range_er": _SHARE,
        "dwell_bars": _AT_LEAST_ONE,
    },
}


class DataConfig(BaseModel):
    """How bar files are read and which trading days a run takes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field("America/New_York", description="zone of naive timestamps in files")
    start: date | None = Field(None, description="first trading day of a run (inclusive)")
    end: date | None = Field(None, description="last trading day of a run (inclusive)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from transmission.market.calendar import check_timezone

        return check_timezone(value)

    @model_validator(mode="after")
    def _ordered(self) -> DataConfig:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


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
    data: DataConfig = Field(default_factory=lambda: DataConfig())

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

    @field_validator("strategies")
    @classmethod
    def _known_strategies(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        known = set(available_strategies())
        for name, params in value.items():
            if name not in known:
                raise ValueError(
                    f"unknown strategy {name!r}; available: {', '.join(sorted(known))}"
                )
            if not isinstance(params, dict):
                raise ValueError(f"{name} must be a table of parameters")
        return value

    # -- component configs ---------------------------------------------------------------------

    def feature_config(self) -> FeatureConfig:
        return _dataclass(FeatureConfig, self.features, "features")

    def regime_config(self) -> RegimeConfig:
        return _dataclass(RegimeConfig, self.regime, "regime")

    def risk_config(self) -> RiskConfig:
        """`[risk]`, with per-rule `[risk.rules.<name>]` tables (see `risk/config.py`)."""
        values = dict(self.risk)
        if isinstance(values.get("rules"), str):
            values["rules"] = (values["rules"],)  # one rule, not its characters
        allowed = {f.name for f in fields(RiskConfig)} - {"rule_params"}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ConfigError(
                f"risk: unknown keys {unknown}; allowed: {', '.join(sorted(allowed))}"
            )
        # Types, signs and ranges of the flat keys; the rules' own tables are the rules' to check.
        _checked(RiskConfig, {k: v for k, v in values.items() if k != "rules"}, "risk")
        try:
            config = RiskConfig.from_values(values)
            from transmission.risk.rules import build

            build(config.rules, config)  # unknown rules or per-rule parameters fail here
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"risk: {exc}") from None
        return config

    def cost_config(self) -> CostConfig:
        return _dataclass(CostConfig, self.costs, "costs")

    def strategy_names(self) -> tuple[str, ...]:
        return tuple(sorted({s for s in self.gearbox.values() if s}))

    def fingerprint(self) -> str:
        """A short stable hash of the whole config (part of a run id)."""
        # `data` (zone, days) changes the bars, which a run's identity covers by their content.
        text = json.dumps(self.model_dump(mode="json", exclude={"data"}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]


@cache
def _section_model(cls: Any, section: str) -> type[BaseModel]:
    """A pydantic model of a component dataclass: its fields' types, defaults and limits."""
    hints = get_type_hints(cls)
    limits = COMPONENT_LIMITS.get(section, {})
    specs: dict[str, Any] = {}
    for f in fields(cls):
        factory: Any = f.default_factory
        default = f.default if f.default is not MISSING else factory()
        specs[f.name] = (hints[f.name], Field(default, **limits.get(f.name, {})))
    model: type[BaseModel] = create_model(
        f"{section}_section", __config__=ConfigDict(extra="forbid"), **specs
    )
    return model


def _checked(cls: Any, values: dict[str, Any], section: str) -> BaseModel:
    """`values` of a component dataclass validated for type, sign and range (key named)."""
    try:
        return _section_model(cls, section).model_validate(values)
    except ValidationError as exc:
        raise ConfigError(
            "; ".join(
                f"{section}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']} "
                f"(got {err['input']!r})"
                for err in exc.errors()
            )
        ) from None


def _dataclass(cls: Any, values: dict[str, Any], section: str) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"{section}: unknown keys {unknown}; allowed: {', '.join(sorted(names))}")
    checked = _checked(cls, values, section)
    try:
        return cls(**{name: getattr(checked, name) for name in names})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{section}: {exc}") from None


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
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            value = {**data[key], **value}  # a section's keys on top of the file's
        if value is not None:
            data[key] = value
    try:
        config = EngineConfig(**data)
        # Build every component config now, so a bad value fails before a run starts.
        config.feature_config()
        config.regime_config()
        config.risk_config()
        config.cost_config()
        _check_strategy_params(config)
    except ValidationError as exc:
        where = f"config file {path}" if path else "config"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {_message(err)}" for err in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}" if path else str(exc)) from None
    return config


def _check_strategy_params(config: EngineConfig) -> None:
    """Build every configured strategy once, so a bad parameter fails before a run."""
    from transmission.contracts import contract_for
    from transmission.strategies import create

    tick = contract_for(config.symbol).tick
    for name, params in config.strategies.items():
        try:
            create(name, tick=tick, **params)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"strategies.{name}: {exc}") from None


def _message(error: Any) -> str:
    """A pydantic error's message; our own validators' without pydantic's 'Value error, '."""
    context = error.get("ctx") or {}
    return str(context["error"]) if "error" in context else str(error["msg"])

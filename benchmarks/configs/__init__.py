"""The engine configs the benchmarks (and the golden replay test) run."""

from __future__ import annotations

from pathlib import Path

from transmission.config import EngineConfig, load_config

HERE = Path(__file__).resolve().parent
CONFIG_NAMES = ("default", "ema_cross", "ema_cross_default_risk")


def engine_config(name: str) -> EngineConfig:
    """`default` (the regime-switching engine), `ema_cross` (the peers' rules) or
    `ema_cross_default_risk` (the same rules under the default risk limits)."""
    if name == "default":
        return load_config()
    if name in CONFIG_NAMES:
        return load_config(HERE / f"{name}.toml")
    raise ValueError(f"unknown benchmark config {name!r}: choose one of {', '.join(CONFIG_NAMES)}")

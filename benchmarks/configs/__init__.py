"""The engine configs the benchmarks (and the golden replay test) run."""

from __future__ import annotations

from pathlib import Path

from transmission.config import EngineConfig, load_config

EMA_CROSS_TOML = Path(__file__).with_name("ema_cross.toml")
CONFIG_NAMES = ("default", "ema_cross")


def engine_config(name: str) -> EngineConfig:
    """`default` (the regime-switching engine) or `ema_cross` (the peers' rules)."""
    if name == "default":
        return load_config()
    if name == "ema_cross":
        return load_config(EMA_CROSS_TOML)
    raise ValueError(f"unknown benchmark config {name!r}: choose one of {', '.join(CONFIG_NAMES)}")

"""Service settings from the environment (`TRANSMISSION_*`), one pydantic-settings object.

The engine's trading rules live in `transmission.config` (a TOML file per run); these are the
settings of the process: where the journal is, what feeds the engine, how the API is served.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from transmission.paths import DEFAULT_DB


class SettingsError(ValueError):
    """An environment variable holds a bad value; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSMISSION_", extra="ignore")

    db: Path = Field(DEFAULT_DB, description="DuckDB journal file")
    symbol: str = Field("MNQ", description="symbol the engine trades")
    config: Path | None = Field(None, description="engine config file (TOML)")
    feed: Literal["none", "replay", "follow"] = Field("replay", description="what feeds the engine")
    data: Path | None = Field(None, description="bar file for the replay or follow feed")
    simulate_days: int = Field(20, ge=1, le=2000, description="simulator days when no data file")
    seed: int = Field(7, description="simulator seed")
    speed: float = Field(60.0, gt=0, description="replay speed factor (60: a minute a second)")
    host: str = Field("127.0.0.1", description="address the API binds to")
    port: int = Field(8000, ge=1, le=65535)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="allowed CORS origins, comma-separated"
    )
    api_token: str | None = Field(None, description="bearer token for the API")
    rate_limit_per_minute: int = Field(60, ge=1, description="POST requests a client a minute")
    reports_dir: Path = Field(Path("reports"), description="where reports are written")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str | None) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment with overrides; a clear error naming a bad variable."""
    try:
        values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"TRANSMISSION_{str(err['loc'][0]).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"bad settings: {problems}") from None


@lru_cache(maxsize=1)
def default_db_path() -> Path:
    try:
        return load_settings().db
    except SettingsError:
        return DEFAULT_DB

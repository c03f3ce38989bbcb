"""Default locations, importable without loading any settings machinery (the CLI starts fast)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path("data") / "transmission.duckdb"


def cache_dir() -> Path:
    """Where derived data that costs time to rebuild is kept between processes (the exchange
    calendar's schedules): `TRANSMISSION_CACHE_DIR`, else `$XDG_CACHE_HOME/transmission`, else
    `~/.cache/transmission`. Anything in it may be deleted at any time."""
    import os

    explicit = os.environ.get("TRANSMISSION_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "transmission"

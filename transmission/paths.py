"""Default locations, importable without loading any settings machinery (the CLI starts fast)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path("data") / "transmission.duckdb"

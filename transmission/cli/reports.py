"""Commands added by a later issue (placeholder until then)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """No commands yet."""

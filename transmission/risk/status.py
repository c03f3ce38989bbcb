"""The tripwire status: the one schema of a rule's state, for the API, widgets and CLI.

Its partner for the whole engine is `transmission.engine.status.EngineStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleStatus:
    """One tripwire now (a per-strategy rule once per strategy)."""

    rule: str
    strategy: str | None
    tripped: bool
    reason: str
    until: str | None

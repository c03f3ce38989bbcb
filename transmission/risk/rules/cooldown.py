"""Cool-down after a loss: no entries for 15 minutes after a losing exit."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class Cooldown:
    name: ClassVar[str] = "cooldown"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = True
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"minutes": "cooldown_minutes"}

    def __init__(self, config: RiskConfig) -> None:
        self.minutes = config.cooldown_minutes
        self.span_ns = config.cooldown_minutes * 60_000_000_000

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        last = state.last_loss_ns
        if last is not None and now_ns < last + self.span_ns:
            left = (last + self.span_ns - now_ns) / 60_000_000_000
            return Decision(True, f"cool-down after a loss ({self.minutes} min)", f"{left:.0f} min")
        return CLEAR

    def changes_at(self, state: RiskState) -> int | None:
        """When the decision next changes, the state staying as it is: the cool-down's end."""
        last = state.last_loss_ns
        return None if last is None else last + self.span_ns

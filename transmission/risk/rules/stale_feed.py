"""Stale feed: no bar for too long during RTH; lasts until fresh data arrives."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class StaleFeed:
    name: ClassVar[str] = "stale_feed"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False

    def __init__(self, config: RiskConfig) -> None:
        self.config = config

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        return Decision(True, "stale feed", "fresh data") if state.stale else CLEAR

"""Risk in R: sizing, tripwires and the manager that composes them (DESIGN.md section 7)."""

from transmission.risk.config import RiskConfig
from transmission.risk.manager import RiskChange, RiskManager, RuleStatus
from transmission.risk.rules import Decision
from transmission.risk.sizing import Size, size_position
from transmission.risk.state import RiskState

__all__ = [
    "Decision",
    "RiskChange",
    "RiskConfig",
    "RiskManager",
    "RiskState",
    "RuleStatus",
    "Size",
    "size_position",
]

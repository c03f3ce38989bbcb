"""Risk in R: sizing, tripwires and the manager that composes them (DESIGN.md section 7)."""

from transmission.risk.admission import Admission, admit
from transmission.risk.config import RiskConfig
from transmission.risk.manager import RiskChange, RiskManager
from transmission.risk.rules import Decision, Rule, register_rule
from transmission.risk.sizing import Size, size_position
from transmission.risk.state import RiskState
from transmission.risk.status import RuleStatus

__all__ = [
    "Admission",
    "Decision",
    "RiskChange",
    "RiskConfig",
    "RiskManager",
    "RiskState",
    "Rule",
    "RuleStatus",
    "Size",
    "admit",
    "register_rule",
    "size_position",
]

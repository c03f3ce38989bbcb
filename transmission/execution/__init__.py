"""Order execution: the execution port and the paper broker behind it."""

from transmission.execution.costs import CostConfig
from transmission.execution.paper import PaperBroker
from transmission.execution.port import ClosedTrade, ExecutionPort, Fill, Order

__all__ = ["ClosedTrade", "CostConfig", "ExecutionPort", "Fill", "Order", "PaperBroker"]

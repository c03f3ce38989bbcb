"""Live dashboard widgets (ipywidgets 8) fed by an engine in the kernel or a remote API."""

from transmission.widgets.components import (
    EquityCurve,
    RecentTradesTable,
    RegimeBadge,
    RiskPanel,
    RollingMetricsPanel,
)
from transmission.widgets.dashboard import Dashboard
from transmission.widgets.launch import Monitor, MonitorOptions, open_monitor
from transmission.widgets.local import EngineFeed
from transmission.widgets.remote import RemoteFeed
from transmission.widgets.state import MonitorState

__all__ = [
    "Dashboard",
    "EngineFeed",
    "EquityCurve",
    "Monitor",
    "MonitorOptions",
    "MonitorState",
    "RecentTradesTable",
    "RegimeBadge",
    "RemoteFeed",
    "RiskPanel",
    "RollingMetricsPanel",
    "open_monitor",
]

"""The one palette: regime colours and win/loss colours, for the plots, the widgets and the reports.

A regime's colour is looked up by its label (`regime_label`: TREND with its direction as TREND_UP
or TREND_DOWN), so the notebooks, the dashboard badge and the report's shading agree.
"""

from __future__ import annotations

REGIME_COLOURS: dict[str, str] = {
    "TREND_UP": "#1b7f3b",
    "TREND_DOWN": "#b3261e",
    "TREND": "#1b7f3b",
    "RANGE": "#1f5fa8",
    "VOLATILE": "#c76b00",
    "NO_TRADE": "#8a8a8a",
    "OVERNIGHT": "#d9d9d9",
}
WIN, LOSS = "#1b7f3b", "#b3261e"


def regime_label(regime: str, direction: str | None) -> str:
    """TREND with its direction as TREND_UP / TREND_DOWN; other regimes as they are."""
    if regime == "TREND" and direction in ("up", "down"):
        return f"TREND_{str(direction).upper()}"
    return regime


def regime_colour(regime: str, direction: str | None = None) -> str:
    """The colour of a regime (an unknown one: NO_TRADE's grey)."""
    return REGIME_COLOURS.get(regime_label(regime, direction), REGIME_COLOURS["NO_TRADE"])

"""Market regime classification (DESIGN.md section 5)."""

from transmission.regime.classifier import (
    REGIMES,
    RegimeClassifier,
    RegimeConfig,
    RegimeTransition,
    classify_bar,
    classify_frame,
)

__all__ = [
    "REGIMES",
    "RegimeClassifier",
    "RegimeConfig",
    "RegimeTransition",
    "classify_bar",
    "classify_frame",
]

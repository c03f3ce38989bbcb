"""The notebook research API behind `import transmission as tm` (see docs/strategies.md)."""

from transmission.features.custom import Feature, FeatureParityError, feature
from transmission.lab.data import simulate
from transmission.lab.features import check_feature
from transmission.lab.result import BacktestResult
from transmission.lab.run import backtest, default_journal, engine_config, run_backtest
from transmission.lab.strategy import Strategy, StrategySpec, resolve

__all__ = [
    "BacktestResult",
    "Feature",
    "FeatureParityError",
    "Strategy",
    "StrategySpec",
    "backtest",
    "check_feature",
    "default_journal",
    "engine_config",
    "feature",
    "resolve",
    "run_backtest",
    "simulate",
]

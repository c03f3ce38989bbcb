"""Writes docs/configuration.md from the config classes and settings themselves.

Run `python docs/configuration.py` after adding or changing a key; tests/test_configuration_docs.py
fails while the page is out of date, or while a key has no meaning below (pydantic settings carry
theirs as `Field(description=...)`; the engine's frozen dataclasses have none, so they are here).
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_origin

PAGE = Path(__file__).with_name("configuration.md")

# Meanings of the keys whose classes carry none (dataclasses, strategy parameters).
MEANINGS: dict[str, str] = {
    "symbol": "contract traded: MNQ, NQ, MES or ES (tick and point values: DESIGN.md section 3)",
    "timeframe_minutes": "signal bar length, built from the 1-minute bars",
    "gearbox": 'strategy per regime (TREND, RANGE, VOLATILE); `none` or `""` stands aside',
    "shadow_trades": "journal the trades vetoed signals would have made, to measure the vetoes",
    "features.atr_period": "ATR period (Wilder), in signal bars",
    "features.adx_period": "ADX and +DI/-DI period (Wilder), in signal bars",
    "features.er_period": "Kaufman efficiency ratio period",
    "features.chop_period": "choppiness index period",
    "features.ema_fast": "fast EMA period",
    "features.ema_slow": "slow EMA period",
    "features.atr_pct_lookback": "sessions the same-time-of-day ATR percentile looks back over",
    "features.atr_pct_min_sessions": "past sessions needed before the VOLATILE test applies",
    "features.opening_range_minutes": "opening ranges measured from the RTH open, in minutes",
    "regime.window_open_minutes": "minutes after 09:30 ET before any regime but NO_TRADE",
    "regime.window_close_minutes": "minutes before 16:00 ET from which the regime is NO_TRADE",
    "regime.volatile_atr_pct": "ATR percentile at or above which the regime is VOLATILE",
    "regime.trend_adx": "ADX at or above which (with ER) the regime is TREND",
    "regime.trend_er": "efficiency ratio at or above which (with ADX) the regime is TREND",
    "regime.range_adx": "ADX at or below which (with CHOP or ER) the regime is RANGE",
    "regime.range_chop": "choppiness at or above which a low-ADX market is RANGE",
    "regime.range_er": "efficiency ratio at or below which a low-ADX market is RANGE",
    "regime.dwell_bars": "signal bars a candidate regime must hold before it becomes active",
    "risk.risk_per_trade_usd": "dollars risked per trade: 1R sizes the position",
    "risk.max_contracts": "most contracts one trade may hold",
    "risk.daily_loss_r": "daily P&L (realized + open) at or below -this R halts until tomorrow",
    "risk.weekly_loss_r": "weekly P&L at or below -this R halts until next week",
    "risk.max_red_days": "consecutive losing days that halt until a reset or next week",
    "risk.max_losing_streak": "consecutive losing trades in a day that halt until tomorrow",
    "risk.max_trades_per_day": "trades a day after which entries stop until tomorrow",
    "risk.cooldown_minutes": "minutes without entries after a losing trade",
    "risk.max_drawdown_r": "drawdown from the equity peak, in R, that halts trading",
    "risk.performance_window": "trades in the rolling window of the performance tripwires",
    "risk.performance_min_trades": "trades the window needs before the performance tripwires act",
    "risk.min_profit_factor": "rolling profit factor below which trading halts",
    "risk.wilson_z": "z of the Wilson lower bound on the rolling win rate (1.96: 95%)",
    "risk.rules": "tripwires in force, by name (drop one to switch it off); or a table of "
    "`[risk.rules.<name>]` tables, each holding that rule's own values",
    "risk.rule_params": "not set directly: filled from the `[risk.rules.<name>]` tables",
    "risk.profile": "live (DESIGN.md section 7 as is), research (the drawdown reset each week, "
    "journalled) or off (sizing only); docs/risk.md",
    "costs.commission_per_side": "dollars of commission per contract per side",
    "costs.slippage_ticks": "ticks of slippage per side on market and stop orders",
    "costs.volatile_slippage_ticks": "ticks of slippage per side in the VOLATILE regime",
    "session.flatten_minutes_before_close": "minutes before 16:00 ET by which positions are flat",
    "session.stale_after_minutes": "RTH minutes without a bar after which the feed is stale",
    "journal.snapshot_every_seconds": "how often a live engine publishes a reader snapshot",
    "strategies.vwap_pullback.min_bars_beyond": "closes beyond VWAP before a pullback counts",
    "strategies.vwap_pullback.touch_sigma": "how close to VWAP (in sigma) the setup bar must reach",
    "strategies.vwap_pullback.stop_atr": "stop beyond VWAP, in ATR",
    "strategies.vwap_pullback.min_stop_atr": "skip when the stop is nearer than this many ATR",
    "strategies.vwap_pullback.max_stop_atr": "skip when the stop is farther than this many ATR",
    "strategies.vwap_pullback.target_r": "target, in R",
    "strategies.vwap_pullback.valid_bars": "signal bars the entry stop order stays working",
    "strategies.vwap_band_reversion.entry_sigma": "band (sigma from VWAP) a close must pass",
    "strategies.vwap_band_reversion.stop_sigma": "band beyond which the stop goes",
    "strategies.vwap_band_reversion.min_reward_r": "skip when VWAP is nearer than this many R",
    "strategies.vwap_band_reversion.time_stop_minutes": "minutes after which the trade is closed",
    "strategies.vwap_band_reversion.start": "earliest entry, ET (HH:MM)",
    "strategies.vwap_band_reversion.end": "latest entry, ET (HH:MM)",
    "strategies.opening_range_breakout.range_minutes": "opening range traded (5 or 30 minutes)",
    "strategies.opening_range_breakout.max_stop_atr": "skip when the stop is farther than this",
    "strategies.opening_range_breakout.target_r": "target, in R",
    "strategies.ema_cross.stop_atr": "stop from the entry, in ATR",
    "strategies.ema_cross.target_atr": "target from the entry, in ATR",
    "port": "port the API listens on",
}


@dataclasses.dataclass(frozen=True)
class Key:
    name: str
    type: str
    default: str
    meaning: str


def _type(annotation: Any) -> str:
    if isinstance(annotation, str):
        return annotation
    if get_origin(annotation) is None and hasattr(annotation, "__name__"):
        return str(annotation.__name__)
    return str(annotation).replace("typing.", "").replace("pathlib.", "")


def _default(value: Any) -> str:
    if value is dataclasses.MISSING or value is inspect.Parameter.empty:
        return "(required)"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return repr(value)


def _meaning(qualified: str, description: str | None = None) -> str:
    meaning = description or MEANINGS.get(qualified)
    if not meaning:
        raise KeyError(f"{qualified} has no meaning: add it to MEANINGS in docs/configuration.py")
    return meaning


def _dataclass_keys(section: str, cls: Any) -> Iterator[Key]:
    for field in dataclasses.fields(cls):
        default = field.default
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        qualified = f"{section}.{field.name}"
        yield Key(field.name, _type(field.type), _default(default), _meaning(qualified))


def _model_keys(
    section: str,
    model: Any,
    *,
    prefix: str = "",
    skip: set[str] = frozenset(),  # type: ignore[assignment]
) -> Iterator[Key]:
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        default = field.get_default(call_default_factory=True)
        qualified = f"{section}.{name}" if section else name
        yield Key(
            f"{prefix}{name.upper()}" if prefix else name,
            _type(field.annotation),
            _default(default),
            _meaning(qualified, field.description),
        )


def engine_sections() -> list[tuple[str, str, list[Key]]]:
    """(TOML section, what it sets, keys) of the engine config."""
    from transmission.config import DataConfig, EngineConfig, JournalConfig, SessionConfig
    from transmission.execution.costs import CostConfig
    from transmission.features import FeatureConfig
    from transmission.regime import RegimeConfig
    from transmission.risk.config import RiskConfig
    from transmission.strategies import registry

    nested = {"features", "regime", "risk", "costs", "session", "journal", "strategies", "data"}
    top = list(_model_keys("", EngineConfig, skip=nested))
    sections = [
        ("(top level)", "the contract, the signal timeframe, the gearbox", top),
        ("[features]", "indicator periods", list(_dataclass_keys("features", FeatureConfig))),
        ("[regime]", "regime thresholds (DESIGN.md section 5)", [
            *_dataclass_keys("regime", RegimeConfig)
        ]),
        ("[risk]", "sizing and tripwires, in R (DESIGN.md section 7)", [
            *_dataclass_keys("risk", RiskConfig)
        ]),
        ("[costs]", "commission and slippage", list(_dataclass_keys("costs", CostConfig))),
        ("[session]", "the trading window and feed checks", list(
            _model_keys("session", SessionConfig)
        )),
        ("[journal]", "how the journal is written", list(_model_keys("journal", JournalConfig))),
        ("[data]", "how bar files are read, which trading days a run takes", list(
            _model_keys("data", DataConfig)
        )),
    ]  # fmt: skip
    for name in registry.available():
        factory = registry._REGISTRY.get(name)
        if not getattr(factory, "__module__", "").startswith("transmission."):
            continue  # a user's strategy registered in this process (a notebook, a test)
        parameters = inspect.signature(factory).parameters.values()
        keys = [
            Key(p.name, _type(p.annotation), _default(p.default),
                _meaning(f"strategies.{name}.{p.name}"))
            for p in parameters
            if p.name != "tick"  # the contract's, not a setting
        ]  # fmt: skip
        sections.append((f"[strategies.{name}]", f"parameters of the {name} strategy", keys))
    return sections


def settings_sections() -> list[tuple[str, str, list[Key]]]:
    """(variable prefix, what it sets, keys) of the pydantic settings."""
    from transmission.reports.delivery import DeliverySettings
    from transmission.reports.schedule import ReportSettings
    from transmission.settings import Settings

    return [
        ("TRANSMISSION_*", "the service: journal, feed, API", list(
            _model_keys("", Settings, prefix="TRANSMISSION_")
        )),
        ("TRANSMISSION_REPORT_* (schedule)", "the report schedule", list(
            _model_keys("", ReportSettings, prefix="TRANSMISSION_REPORT_")
        )),
        ("TRANSMISSION_REPORT_* (delivery)", "PDF and e-mail of reports", list(
            _model_keys("", DeliverySettings, prefix="TRANSMISSION_REPORT_")
        )),
    ]  # fmt: skip


def _table(keys: list[Key]) -> list[str]:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key in keys:
        cells = [f"`{key.name}`", f"`{key.type}`", f"`{key.default}`", key.meaning]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def render() -> str:
    """The whole page."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python docs/configuration.py` from the config classes and settings;",
        "     do not edit by hand (tests/test_configuration_docs.py checks it is current). -->",
        "",
        "Two kinds of settings. The **engine config** is a TOML file given with `--config`",
        "(`transmission backtest --config my.toml`, `serve`, `monitor`, `tm.backtest(...)`): the",
        "trading rules of a run, frozen and part of the run's id. Unknown keys are refused with",
        "the list of allowed ones. The **service settings** are `TRANSMISSION_*` environment",
        "variables: where the journal is, what feeds the engine, how the API and reports run.",
        "",
        "An engine config that changes three things:",
        "",
        "```toml",
        'symbol = "MES"',
        "",
        "[risk]",
        "risk_per_trade_usd = 100.0",
        'rules = ["manual_halt", "stale_feed", "daily_loss", "weekly_loss"]',
        "",
        "[strategies.vwap_pullback]",
        "target_r = 1.5",
        "```",
        "",
        "## Engine config (TOML)",
    ]
    for title, what, keys in engine_sections():
        lines += ["", f"### {title}", "", f"{what[0].upper()}{what[1:]}.", "", *_table(keys)]
    lines += ["", "## Service settings (environment)"]
    for title, what, keys in settings_sections():
        lines += ["", f"### {title}", "", f"{what[0].upper()}{what[1:]}.", "", *_table(keys)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    PAGE.write_text(render())
    print(f"wrote {PAGE}")

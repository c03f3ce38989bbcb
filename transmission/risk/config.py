"""Risk settings; every default is DESIGN.md section 7's.

The flat keys (`[risk] daily_loss_r = 3`) are every rule's defaults. A rule's own table,
`[risk.rules.<name>]`, overrides them for that rule alone, under the flat key or the rule's own
short name (its `parameters`, e.g. `limit_r` for daily_loss); `enabled = false` switches the
rule off. With tables, the rules are the defaults plus any other named there, in that order;
`rules = [...]` (a list of names) still chooses and orders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

DEFAULT_RULES = (
    "manual_halt",
    "stale_feed",
    "daily_loss",
    "weekly_loss",
    "red_days",
    "losing_streak",
    "trades_per_day",
    "cooldown",
    "drawdown",
    "profit_factor",
    "wilson_win_rate",
)


@dataclass(frozen=True, slots=True)
class RiskConfig:
    risk_per_trade_usd: float = 200.0
    max_contracts: int = 50
    daily_loss_r: float = 3.0
    weekly_loss_r: float = 6.0
    max_red_days: int = 3
    max_losing_streak: int = 3
    max_trades_per_day: int = 6
    cooldown_minutes: int = 15
    max_drawdown_r: float = 10.0
    performance_window: int = 20
    performance_min_trades: int = 10
    min_profit_factor: float = 1.0
    wilson_z: float = 1.959964
    rules: tuple[str, ...] = field(default=DEFAULT_RULES)
    # Per rule: its `[risk.rules.<name>]` values, as (name, ((key, value), ...)) pairs.
    rule_params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    profile: str = "live"  # transmission.risk.profiles: live, research or off

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RiskConfig:
        """From a `[risk]` table: `rules` is a list of names or a table of per-rule tables."""
        values = dict(values)
        rules = values.get("rules")
        if isinstance(rules, Mapping):
            names = [name for name in DEFAULT_RULES]
            params = []
            for name, table in rules.items():
                if not isinstance(table, Mapping):
                    raise ValueError(f"[risk.rules.{name}] must be a table of parameters")
                table = dict(table)
                enabled = table.pop("enabled", True)
                if not isinstance(enabled, bool):
                    raise ValueError(f"[risk.rules.{name}] enabled must be true or false")
                if not enabled:
                    names = [n for n in names if n != name]
                elif name not in names:
                    names.append(name)
                params.append((name, tuple(sorted(table.items()))))
            values["rules"] = tuple(names)
            values["rule_params"] = tuple(params)
        elif rules is not None:
            values["rules"] = tuple(rules)
        return cls(**values)

    def for_rule(
        self, name: str, aliases: Mapping[str, str] | None = None
    ) -> tuple[RiskConfig, dict[str, Any]]:
        """The config rule `name` is built from (its own values over the flat defaults), and
        its parameters that are not config fields (the rule's own). `aliases`: the rule's own
        names for config fields (its `parameters`)."""
        aliases = aliases or {}
        own = dict(dict(self.rule_params).get(name, ()))
        if not own:
            return self, {}
        flat = {f.name for f in fields(self)}
        overrides, extra = {}, {}
        for key, value in own.items():
            target = aliases.get(key, key)
            if target in flat and target not in ("rules", "rule_params"):
                overrides[target] = value
            else:
                extra[key] = value
        return replace(self, **overrides), extra

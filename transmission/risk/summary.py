"""When a run's trading was blocked, by which tripwire and for how long, and what was vetoed.

Pure functions of a run's journalled risk events and signals (DESIGN.md section 12: a backtest
never stops trading silently). Every front end (CLI, notebook result, report) shows these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from transmission.market.calendar import trading_days_of

# A block is a headline (the summary's first lines) when it lasts this many trading days or runs
# to the end of the data: a few minutes of cool-down are routine, a week without trading is not.
HEADLINE_TRADING_DAYS = 5
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
HOW_TO_CHANGE = (
    "choose another risk profile: `--risk-profile research` (the drawdown tripwire reset each "
    "week, journalled) or `--risk-profile off` (sizing only), `[risk] profile` in the config, or "
    "switch one rule off with `[risk.rules.<name>] enabled = false`; see docs/risk.md"
)


@dataclass(frozen=True, slots=True)
class Block:
    """One tripwire holding: from its trip to its reset (None: still holding at the end)."""

    rule: str
    strategy: str | None
    reason: str
    until: str | None
    start: pd.Timestamp
    end: pd.Timestamp | None
    trading_days: int
    minutes: float  # from the trip to the reset, or to the last bar when it never reset

    @property
    def to_the_end(self) -> bool:
        return self.end is None

    def describe(self) -> str:
        blocked = f"paused {self.strategy}" if self.strategy else "blocked trading"
        start = f"{self.start:%Y-%m-%d %H:%M}"
        if self.end is None:
            span = f"from {start} to the end of the data"
        else:
            span = f"from {start} to {self.end:%Y-%m-%d %H:%M}"
        return (
            f"{self.rule} {blocked} {span}: {self.trading_days} trading day"
            f"{'s' if self.trading_days != 1 else ''} ({self.reason}; lasts until "
            f"{self.until or 'it clears'})"
        )


def blocks(
    risk_events: pd.DataFrame,
    trading_days: Sequence[Any] | None = None,
    data_end: pd.Timestamp | None = None,
) -> list[Block]:
    """Every trip paired with its reset, in trip order.

    `risk_events` is the journal's rows of one run (ts, rule, event, reason, until, strategy);
    `trading_days` (every trading day of the data) counts each block's trading days and
    `data_end` (the last bar's time) ends the blocks that never reset.
    """
    days = _day_index(trading_days)
    open_trips: dict[tuple[str, str | None], Any] = {}
    found: list[tuple[Any, Any]] = []
    order = ["ts", "seq"] if "seq" in risk_events else ["ts"]
    row: Any
    for row in risk_events.sort_values(order).itertuples():
        key = (str(row.rule), _optional(row.strategy))
        if row.event == "trip":
            open_trips.setdefault(key, row)
        elif row.event == "reset" and key in open_trips:
            found.append((open_trips.pop(key), row.ts))
    found.extend((trip, None) for trip in open_trips.values())
    out = []
    for trip, end in sorted(found, key=lambda item: (item[0].ts, item[0].rule)):
        start = pd.Timestamp(trip.ts)
        stop = pd.Timestamp(end) if end is not None else data_end
        minutes = (stop - start).total_seconds() / 60 if stop is not None else float("nan")
        out.append(
            Block(
                rule=str(trip.rule),
                strategy=_optional(trip.strategy),
                reason=str(trip.reason),
                until=_optional(trip.until),
                start=start,
                end=None if end is None else pd.Timestamp(end),
                trading_days=_count_days(days, start, None if end is None else pd.Timestamp(end)),
                minutes=max(0.0, minutes),
            )
        )
    return out


def vetoes_by_reason(signals: pd.DataFrame, risk_events: pd.DataFrame) -> pd.DataFrame:
    """Vetoed (and shadow) signals counted by the rule that vetoed them (or the reason itself:
    a busy broker, zero contracts, an invalid signal). Columns: vetoed_by, decision, signals."""
    vetoed = signals[signals["decision"] != "accepted"]
    if vetoed.empty:
        return pd.DataFrame({"vetoed_by": [], "decision": [], "signals": []})
    trips = risk_events[risk_events["event"] == "trip"]
    # A rule's reason carries its figures (a profit factor over the last 11 trades), which move
    # while it holds: reasons are matched with their numbers blanked.
    rule_of = dict(zip(trips["reason"].map(_pattern), trips["rule"], strict=True))
    # Other reasons (an invalid signal's prices) are counted by their pattern, figures blanked.
    by = vetoed["veto_reason"].map(lambda reason: rule_of.get(_pattern(reason), _pattern(reason)))
    counted = (
        vetoed.assign(vetoed_by=by)
        .groupby(["vetoed_by", "decision"], sort=False)
        .size()
        .reset_index(name="signals")
        .sort_values("signals", ascending=False, kind="stable")
    )
    return counted.reset_index(drop=True)


def headlines(found: list[Block], vetoes: pd.DataFrame) -> list[str]:
    """The lines a summary opens with when trading was blocked for long: what, when, how long,
    how many signals it vetoed, and how to change it. Empty when nothing held that long."""
    long = [b for b in found if b.trading_days >= HEADLINE_TRADING_DAYS]
    if not long:
        return []
    counts = vetoes.groupby("vetoed_by")["signals"].sum() if len(vetoes) else pd.Series()
    lines, counted = [], set()
    for block in long:
        line = block.describe()
        if block.rule not in counted:  # the count is the rule's, over the whole run
            counted.add(block.rule)
            line += f"; {block.rule} vetoed {int(counts.get(block.rule, 0)):,} signals in all"
        lines.append(line)
    lines.append(f"to trade through: {HOW_TO_CHANGE}")
    return lines


def risk_summary(
    risk_events: pd.DataFrame,
    signals: pd.DataFrame,
    trading_days: Sequence[Any] | None = None,
    data_end: pd.Timestamp | None = None,
    since: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """JSON-ready: headlines, every block, vetoes by reason, and the run's trading days.

    `since` (a report's period starts there): only the blocks still holding at or after it and
    the vetoes of the signals from it on; `trading_days` then counts the period's days. The
    events and signals before it are still needed (a block's trip, the rule a veto's reason
    belongs to, and the headlines' count of what a rule vetoed in all)."""
    found = blocks(risk_events, trading_days, data_end)
    every_veto = vetoes = vetoes_by_reason(signals, risk_events)
    if since is not None:
        found = [b for b in found if b.end is None or b.end > since]
        vetoes = vetoes_by_reason(signals[signals["ts"] >= since], risk_events)
        if trading_days is not None:
            first = trading_days_of(pd.Series([since.tz_convert("America/New_York")])).iloc[0]
            trading_days = [d for d in trading_days if pd.Timestamp(d) >= first]
    return {
        "headlines": headlines(found, every_veto),
        "blocks": [
            {
                "rule": b.rule,
                "strategy": b.strategy,
                "reason": b.reason,
                "until": b.until,
                "start": b.start.isoformat(),
                "end": b.end.isoformat() if b.end is not None else None,
                "trading_days": b.trading_days,
                "minutes": round(b.minutes, 1) if b.minutes == b.minutes else None,
            }
            for b in found
        ],
        "vetoes": vetoes.to_dict("records"),
        "trading_days": len(trading_days) if trading_days is not None else None,
    }


def _optional(value: Any) -> str | None:
    return None if value is None or value is pd.NA or value != value else str(value)


def _pattern(reason: Any) -> str:
    return _NUMBER.sub("#", _short(reason))


def _short(reason: Any) -> str:
    return (
        "-" if reason is None or (isinstance(reason, float) and np.isnan(reason)) else str(reason)
    )


def _day_index(trading_days: Sequence[Any] | None) -> pd.DatetimeIndex | None:
    if trading_days is None:
        return None
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(list(trading_days)))).normalize().unique()


def _count_days(
    days: pd.DatetimeIndex | None, start: pd.Timestamp, end: pd.Timestamp | None
) -> int:
    """Trading days from the trip's day to the reset's (the reset's day excluded), or to the end."""
    if days is None or len(days) == 0:
        return 0
    first = trading_days_of(pd.Series([start.tz_convert("America/New_York")])).iloc[0]
    after = days[days >= first]
    if end is None:
        return len(after)
    last = trading_days_of(pd.Series([end.tz_convert("America/New_York")])).iloc[0]
    return max(1, int((after < last).sum()))

"""The risk manager: the composition of the tripwire rules, plus the state they read.

It sizes entries in R, answers `can_trade` with a reason, keeps day/week/equity state through
rolls, and reports every trip and reset as a `RiskChange` that the orchestrator journals and
broadcasts. Manual halt, resume and resets are methods the API and the widgets call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

import numpy as np

from transmission.contracts import ContractSpec
from transmission.risk.config import RiskConfig
from transmission.risk.profiles import SCHEDULED_RESETS, WEEKLY_RESET_REASON, rules_for
from transmission.risk.rules import (
    CLEAR,
    ClockForesight,
    Decision,
    ManualReset,
    MarkForesight,
    Rule,
    build,
)
from transmission.risk.sizing import Size, size_position
from transmission.risk.state import RiskState
from transmission.risk.status import RuleStatus

# Every field of the risk state, read at once: what the rules can see.
_FIELDS = tuple(f.name for f in fields(RiskState))
_state_values = attrgetter(*_FIELDS)
_RECENT = _FIELDS.index("recent_r")
_OPEN = _FIELDS.index("open_r")


def _foresight(rules: tuple[Rule, ...]) -> tuple[bool, list[Any], list[tuple[str, Any]]]:
    """Whether the rules can tell ahead when they change (see `Rule`), and how: the clock
    readers' `changes_at`, the mark readers' names and `breached`."""
    clocks, marks = [], []
    for rule in rules:
        if rule.reads_clock:
            if not isinstance(rule, ClockForesight):
                return False, [], []
            clocks.append(rule.changes_at)
        if rule.reads_mark:
            if not isinstance(rule, MarkForesight) or rule.per_strategy:
                return False, [], []
            marks.append((rule.name, rule.breached))
    return True, clocks, marks


@dataclass(frozen=True, slots=True)
class RiskChange:
    """A tripwire tripped or reset."""

    rule: str
    event: str
    reason: str
    until: str | None
    strategy: str | None


class RiskManager:
    def __init__(self, config: RiskConfig | None = None, strategies: tuple[str, ...] = ()) -> None:
        self.config = config or RiskConfig()
        self.rules: list[Rule] = build(
            rules_for(self.config.profile, self.config.rules), self.config
        )
        # Rules reset by the profile's schedule, not yet reported (their reset's reason).
        self._scheduled: dict[str, str] = {}
        self.state = RiskState()
        self.strategies = strategies
        self._tripped: dict[tuple[str, str | None], Decision] = {}
        # The state (and rules) `_tripped` was last computed from, and the rules that read the
        # clock: while the state stays the same only those can change their decision.
        self._seen: tuple[Any, ...] | None = None
        self._clocked: list[Rule] = []
        self._checked_ns: int | None = None  # the time of the last `changes`
        self._foresight: tuple[Any, ...] | None = None  # what `steady_for` can ask the rules

    # -- decisions ----------------------------------------------------------------------------

    def can_trade(self, now_ns: int, strategy: str | None = None) -> Decision:
        """The first tripwire holding for `strategy` (or for all, when None); CLEAR if none."""
        state = self.state
        for rule in self.rules:
            if rule.per_strategy and strategy is None:
                continue
            decision = rule.evaluate(state, now_ns, strategy)
            if decision.tripped:
                return decision
        return CLEAR

    def blocked_only_by_performance(self, now_ns: int, strategy: str) -> bool:
        """Whether only per-strategy performance rules hold (the signal then trades in shadow)."""
        if self.can_trade(now_ns, None).tripped:
            return False
        return any(
            rule.per_strategy and rule.evaluate(self.state, now_ns, strategy).tripped
            for rule in self.rules
        )

    def size(
        self, entry: float, stop: float, spec: ContractSpec, round_trip_cost_usd: float
    ) -> Size:
        return size_position(
            entry,
            stop,
            spec,
            self.config.risk_per_trade_usd,
            round_trip_cost_usd,
            self.config.max_contracts,
        )

    def statuses(self, now_ns: int) -> list[RuleStatus]:
        """Every rule's state now (per-strategy rules once per known strategy)."""
        out = []
        for rule in self.rules:
            for strategy in self.strategies if rule.per_strategy else (None,):
                d = rule.evaluate(self.state, now_ns, strategy)
                out.append(RuleStatus(rule.name, strategy, d.tripped, d.reason, d.until))
        return out

    def changes(self, now_ns: int) -> list[RiskChange]:
        """Trips and resets since the last call (journal and broadcast each one)."""
        # Called on every signal bar, where the state rarely changes: then only the rules that
        # read the clock can decide differently, and if none does there is nothing to report.
        state = self.state
        self._checked_ns = now_ns
        seen = (_state_values(state), tuple(self.rules), self.strategies)
        if seen == self._seen and self._clocked_rules_agree(now_ns):
            return []
        if not self._tripped:
            # Nothing was tripped, and if only the position's mark moved (it does every bar)
            # and no rule is breached at it, or tripped by the clock, none is tripped now.
            foresight = self._mark_only(seen)
            if (
                foresight is not None
                and not any(breached(state, state.open_r) for _, breached in foresight[1])
                and self._clocked_rules_agree(now_ns)
            ):
                return []
        # The rules of `statuses`, in its order, keeping only the tripped ones.
        current: dict[tuple[str, str | None], Decision] = {}
        for rule in self.rules:
            if rule.per_strategy:
                for strategy in self.strategies:
                    decision = rule.evaluate(state, now_ns, strategy)
                    if decision.tripped:
                        current[(rule.name, strategy)] = decision
            else:
                decision = rule.evaluate(state, now_ns, None)
                if decision.tripped:
                    current[(rule.name, None)] = decision
        # Keep a copy of the result lists the rules read (the state changes them in place);
        # while a position is open only open_r moves, and the last copy still holds.
        values, recent = seen[0], state.recent_r
        if self._seen is None or self._seen[0][_RECENT] != recent:
            recent = {name: list(results) for name, results in recent.items()}
        else:
            recent = self._seen[0][_RECENT]
        self._seen = ((*values[:_RECENT], recent, *values[_RECENT + 1 :]), *seen[1:])
        self._clocked = [rule for rule in self.rules if rule.reads_clock]
        if not current and not self._tripped:
            return []
        out = []
        for key, decision in current.items():
            if key not in self._tripped:
                out.append(RiskChange(key[0], "trip", decision.reason, decision.until, key[1]))
        for key, decision in self._tripped.items():
            if key not in current:
                reason = self._scheduled.pop(key[0], decision.reason)
                out.append(RiskChange(key[0], "reset", reason, None, key[1]))
        self._tripped = current
        return out

    def steady_for(
        self, times_ns: np.ndarray, open_r: float | tuple[float, float] | np.ndarray
    ) -> int:
        """How many of the coming `changes` calls, at `times_ns` with the position marked at
        `open_r` (one mark for all, one each, or a pair of marks every mark lies between),
        certainly report nothing, the rest of the state staying as it is.

        0 when the state moved since the last `changes` (it may report at once) or when a rule
        cannot tell (see `Rule`). Replays skip that many signal bars without evaluating them.
        """
        state, checked = self.state, self._checked_ns
        foresight = self._only_the_mark_moved()
        if checked is None or foresight is None:
            return 0
        clocks, marks = foresight
        steady = len(times_ns)
        for changes_at in clocks:
            at = changes_at(state)
            # Only a change still to come (after the last evaluation) can report.
            if at is not None and at > checked:
                steady = min(steady, int(times_ns.searchsorted(at)))
        for name, breached in marks:
            tripped = (name, None) in self._tripped
            if isinstance(open_r, float):
                if bool(breached(state, open_r)) != tripped:
                    return 0
                continue
            if isinstance(open_r, tuple):  # `breached` is monotone: the ends decide
                if any(bool(breached(state, end)) != tripped for end in open_r):
                    return 0
                continue
            flips = breached(state, open_r[:steady]) != tripped
            if flips.any():
                steady = int(flips.argmax())
        return steady

    def step_over(self, now_ns: int, open_r: float) -> None:
        """Stand as after `changes` calls that `steady_for` said report nothing, the last at
        `now_ns` with the position marked at `open_r`."""
        self.state.open_r = open_r
        if not self._tripped:
            self._checked_ns = now_ns  # nothing tripped: no decision to bring up to date
            return
        # The tripped rules' reasons read the clock and the mark: take them as of now.
        changes = self.changes(now_ns)
        if changes:
            raise RuntimeError(f"tripwires changed on bars said to be steady: {changes}")

    def _only_the_mark_moved(self) -> tuple[list[Any], list[tuple[str, Any]]] | None:
        """If, since the last evaluation, only the open position's mark moved and every rule
        can tell ahead when it changes (see `Rule`): the clock readers' `changes_at` and the
        mark readers' names and `breached`. None otherwise."""
        return self._mark_only((_state_values(self.state), tuple(self.rules), self.strategies))

    def _mark_only(self, seen: tuple[Any, ...]) -> tuple[list[Any], list[tuple[str, Any]]] | None:
        """`_only_the_mark_moved`, given the state's values, rules and strategies now."""
        last = self._seen
        if last is None or last[1:] != seen[1:]:
            return None
        values, before = seen[0], last[0]
        if values[:_OPEN] != before[:_OPEN] or values[_OPEN + 1 :] != before[_OPEN + 1 :]:
            return None
        rules = seen[1]
        if self._foresight is None or self._foresight[0] != rules:
            self._foresight = (rules, *_foresight(rules))
        _, able, clocks, marks = self._foresight
        return (clocks, marks) if able else None

    def _clocked_rules_agree(self, now_ns: int) -> bool:
        """Whether every clock-reading rule decides now as it did at the last evaluation."""
        state, tripped = self.state, self._tripped
        for rule in self._clocked:
            for strategy in self.strategies if rule.per_strategy else (None,):
                decision = rule.evaluate(state, now_ns, strategy)
                before = tripped.get((rule.name, strategy))
                if decision.tripped:
                    if decision != before:
                        return False
                elif before is not None:
                    return False
        return True

    # -- state updates ------------------------------------------------------------------------

    def roll(self, trading_day: int, week: int) -> None:
        """Roll the day and the week when they change (a day's result decides red days)."""
        state = self.state
        if trading_day != state.trading_day:
            if state.trading_day and state.daily_trades_closed:
                if state.daily_realized_r < 0:
                    state.consecutive_red_days += 1
                elif state.daily_realized_r > 0:
                    state.consecutive_red_days = 0
            state.trading_day = trading_day
            state.daily_realized_r = 0.0
            state.daily_trades_closed = 0
            state.losing_streak_today = 0
            state.trades_today = 0
        if week != state.week:
            if self.config.profile == "research" and state.week:
                self._scheduled_resets()
            state.week = week
            state.weekly_realized_r = 0.0
            state.consecutive_red_days = 0

    def _scheduled_resets(self) -> None:
        """The research profile's weekly review: reset the manual-reset tripwires holding."""
        for name in SCHEDULED_RESETS:
            if (name, None) in self._tripped:
                self.reset(name)
                self._scheduled[name] = WEEKLY_RESET_REASON

    def mark(self, open_r: float) -> None:
        """Mark the open position to market, in R."""
        self.state.open_r = open_r

    def on_entry(self) -> None:
        self.state.trades_today += 1

    def on_trade_closed(self, strategy: str, result_r: float, exit_ns: int) -> None:
        state = self.state
        state.daily_realized_r += result_r
        state.daily_trades_closed += 1
        state.weekly_realized_r += result_r
        state.equity_r += result_r
        state.peak_equity_r = max(state.peak_equity_r, state.equity_r)
        state.open_r = 0.0
        if result_r < 0:
            state.losing_streak_today += 1
            state.last_loss_ns = exit_ns
        elif result_r > 0:
            state.losing_streak_today = 0
        self.record_outcome(strategy, result_r)

    def record_outcome(self, strategy: str, result_r: float) -> None:
        """Feed a strategy's rolling window (real and shadow trades alike)."""
        recent = self.state.recent_r.setdefault(strategy, [])
        recent.append(result_r)
        del recent[: -self.config.performance_window]

    def set_stale(self, stale: bool) -> None:
        self.state.stale = stale

    # -- manual controls ----------------------------------------------------------------------

    def halt(self, reason: str) -> None:
        self.state.halted = True
        self.state.halt_reason = reason

    def resume(self) -> None:
        self.state.halted = False
        self.state.halt_reason = ""

    @property
    def manual_resets(self) -> tuple[str, ...]:
        """Names of the rules a person may reset."""
        return tuple(r.name for r in self.rules if isinstance(r, ManualReset))

    def reset(self, rule: str) -> None:
        """Manual reset of a rule that lasts until one (red days, drawdown, manual halt): the
        rule owns what its reset does (`ManualReset`)."""
        resettable = [r for r in self.rules if isinstance(r, ManualReset)]
        for candidate in resettable:
            if candidate.name == rule:
                candidate.reset(self.state)
                return
        names = ", ".join(r.name for r in resettable)
        raise ValueError(f"rule {rule!r} has no manual reset: {names}")

    # -- persistence --------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.to_dict(),
            "tripped": [
                [rule, strategy, d.reason, d.until] for (rule, strategy), d in self._tripped.items()
            ],
        }

    def restore(self, data: dict[str, Any]) -> None:
        self._seen = None
        self.state = RiskState.from_dict(data["state"])
        self._tripped = {
            (rule, strategy): Decision(True, reason, until)
            for rule, strategy, reason, until in data["tripped"]
        }

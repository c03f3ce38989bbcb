"""Fast-forward: how far a prepared replay may step without feeding bars one by one.

A bar can be stepped over when nothing can happen on it: no order fills, no position exits, the
strategy in gear does not signal, and no tripwire trips or resets. Its only effects (cursors, the
last bar, the open position's mark, and a regime transition: the regime and its published event)
are then applied at once; a journal of the run holds the same rows as one fed bar by bar (the
golden replay tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import cast

import numpy as np

from transmission.engine.exits import MINUTE_NS, SessionExits
from transmission.engine.plan import ReplayPlan
from transmission.engine.replay import ReplayPipeline
from transmission.execution.port import ExecutionPort, Foresight
from transmission.market.calendar import Session
from transmission.risk import RiskManager


def steady_until(
    replay: ReplayPipeline,
    stop: int,
    session: Session,
    brokers: Iterable[tuple[ExecutionPort, bool]],
    exits: SessionExits,
    risk: RiskManager,
    real: ExecutionPort,
) -> int:
    """The first bar from `replay.cursor` (up to `stop`) on which something may happen.

    `brokers`: each broker with whether it is `Foresight` (checked once, by the caller)."""
    plan, i = replay.plan, replay.cursor
    j = min(stop, plan.next_break(i))
    j = _untouched(plan, i, j, session, brokers, exits)
    if j > i:
        j = _steady_signal_bars(replay, i, j, risk, real)
    return j


def _untouched(
    plan: ReplayPlan,
    i: int,
    j: int,
    session: Session,
    brokers: Iterable[tuple[ExecutionPort, bool]],
    exits: SessionExits,
) -> int:
    """The end of the bars from `i` (to `j`) on which no order fills and no position exits."""
    for broker, foresees in brokers:
        position = broker.position
        if position is None:
            continue
        if not foresees:
            return i  # a broker that cannot say when it fills is fed every bar
        foreseeing = cast(Foresight, broker)
        # The time stop and the flat-by-the-close act on the bar whose end reaches them.
        deadline = exits.deadline(position, session)
        if deadline is not None:
            j = min(j, _first_ending_at(plan, i, j, deadline))
        # Look a little way ahead first: most positions exit soon.
        end, width = i, 64
        while end < j:
            stop = min(j, end + width)
            found = foreseeing.untouched(plan.high[end:stop], plan.low[end:stop])
            if found < stop - end:
                j = end + found
                break
            end, width = stop, width * 8
    return j


def _quiet_regimes_until(replay: ReplayPipeline, s0: int, s1: int) -> int:
    """The first signal bar from `s0` (up to `s1`) on which the strategy in gear signals, or
    whose regime transition puts in gear a strategy that signals on it.

    A transition alone changes nothing but the regime (no order works while a replay steps, so
    none is cancelled): the bar is stepped over, and `Orchestrator._skip` applies and publishes
    the transition (`transitions_between`)."""
    classifier, gearbox = replay.classifier, replay.gearbox
    effective = (classifier.regime, classifier.direction)
    s = s0
    while True:
        change = min(s1, classifier.steady_until(s, effective))
        active = gearbox.strategy_for(effective[0])
        end = change if active is None else min(change, gearbox.next_signal(active, s))
        if end < change or change == s1:
            return end
        # Bar `change` makes a transition; the strategy in gear after it reads its signal.
        effective = classifier.effective_at(change)
        active = gearbox.strategy_for(effective[0])
        if active is not None and gearbox.next_signal(active, change) == change:
            return change
        s = change + 1


def transitions_between(replay: ReplayPipeline, s0: int, s1: int) -> Iterator[int]:
    """The signal bars from `s0` to `s1` (excluded) whose regime transitions a replay steps
    over, in order, each applied (`update_fresh`) before the next is looked for."""
    classifier = replay.classifier
    change = classifier.steady_until(s0)
    while change < s1:
        yield change
        change = classifier.steady_until(change + 1)


def _first_ending_at(plan: ReplayPlan, i: int, j: int, at_ns: int) -> int:
    return i + int(np.searchsorted(plan.ts[i:j], at_ns - MINUTE_NS, side="left"))


def _steady_signal_bars(
    replay: ReplayPipeline, i: int, j: int, risk: RiskManager, broker: ExecutionPort
) -> int:
    """The end of the bars from `i` (to `j`) whose signal bars change nothing."""
    plan = replay.plan
    s0, s1 = plan.handed.item(i), plan.handed.item(j)
    if s1 == s0:
        return j
    steady = _quiet_regimes_until(replay, s0, s1)
    if steady > s0:
        times = plan.signal["end_ns"][s0:steady]
        position = broker.position
        if position is None:
            steady = s0 + risk.steady_for(times, 0.0)
        else:
            # These bars reach neither the stop nor the target: every close, and so every
            # mark, lies between the marks at the stop and at the target. When no rule
            # changes anywhere between them, the marks themselves need not be computed.
            order, mark = position.order, broker.open_pnl_r
            bounds = (mark(order.stop), mark(order.target))
            if risk.steady_for(times, bounds) < len(times):
                closes = plan.signal["close"][s0:steady]
                steady = s0 + risk.steady_for(times, mark(closes))
    return j if steady == s1 else plan.handed_at(steady)

"""A user strategy's custom features in the live path: fed bar by bar (no prepared replay),
the engine computes them incrementally and trades exactly as the replay did."""

from __future__ import annotations

from typing import Any

import tests.lab.user_code as user_code
import transmission as tm
from transmission.engine.build import build_orchestrator
from transmission.engine.bus import EventBus
from transmission.engine.events import TradeExecution
from transmission.engine.feeds import replay
from transmission.lab import engine_config, resolve


def test_the_live_path_trades_a_user_feature_as_the_replay_does() -> None:
    bars = tm.simulate(5, 11)
    spec = resolve(user_code.Breakout, {}, {})
    spec.install(5)
    config = engine_config(None, spec)
    replayed = tm.run_backtest(bars, spec, config)
    assert len(replayed.trades) > 0

    bus = EventBus()
    exits: list[Any] = []
    bus.subscribe(lambda e: exits.append(e) if isinstance(e, TradeExecution) else None)
    live = build_orchestrator(config, run_id="live-test", bus=bus)
    for bar in replay(bars.bars):  # one bar at a time, features updated incrementally
        live.on_bar(*bar)
    closed = [e for e in exits if e.action == "exit"]
    assert [round(e.result_r, 9) for e in closed] == [
        round(r, 9) for r in replayed.trades["result_r"]
    ]

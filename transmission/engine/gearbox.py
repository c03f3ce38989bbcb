"""The transmission proper: which strategy drives in which regime (configuration, not code)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

import numpy as np

from transmission.features import BatchFeatures
from transmission.strategies import BarView, ReadsColumns, Signal, SignalsOver, Strategy, create

_CHUNK = 8192
_NO_SIGNALS: dict[str, Signal] = {}


class Gearbox:
    """Holds the configured strategies, feeds them every bar, names the one for a regime."""

    def __init__(
        self,
        mapping: Mapping[str, str | None],
        params: Mapping[str, Mapping[str, Any]],
        tick: float,
    ) -> None:
        self.mapping = dict(mapping)
        names = sorted({name for name in self.mapping.values() if name})
        self.strategies: dict[str, Strategy] = {
            name: create(name, tick=tick, **params.get(name, {})) for name in names
        }
        # A prepared replay: each strategy's signals by signal bar, where they are, the cursor.
        self._signals: dict[str, dict[int, Signal]] | None = None
        self._where: dict[str, list[int]] = {}
        self._any: set[int] = set()  # the signal bars on which some strategy signals
        self._i = self._n = 0

    def reads(self) -> set[str] | None:
        """The feature columns the strategies read (None: some strategy does not say)."""
        columns: set[str] = set()
        for strategy in self.strategies.values():
            if not isinstance(strategy, ReadsColumns):
                return None
            columns.update(strategy.reads)
        return columns

    def strategy_for(self, regime: str) -> str | None:
        return self.mapping.get(regime)

    def update(self, bar: BarView, features: Any) -> dict[str, Signal]:
        """Every strategy sees every bar (their state stays current); returns their signals."""
        prepared = self._signals
        if prepared is not None:
            i = self._i
            self._i = i + 1
            return {name: found[i] for name, found in prepared.items() if i in found}
        signals = {}
        for name, strategy in self.strategies.items():
            signal = strategy.on_bar(bar, features)
            if signal is not None:
                signals[name] = signal
        return signals

    # -- replays of a known history ------------------------------------------------------------

    def prepared_signals(self) -> dict[str, Signal]:
        """`update` of a prepared replay, which reads neither the bar nor the features: the
        signals of the next signal bar (an empty dict shared by the bars with none: read it,
        never change it)."""
        prepared = self._signals
        if prepared is None:
            raise RuntimeError("prepared_signals needs prepare_replay first")
        i = self._i
        self._i = i + 1
        if i not in self._any:
            return _NO_SIGNALS
        return {name: found[i] for name, found in prepared.items() if i in found}

    @property
    def replays_bar_by_bar(self) -> bool:
        """Whether a prepared replay feeds some strategy bar by bar (one without
        `signals_over`): it then reads the bars' end_ns and end_minute arrays."""
        return not all(isinstance(s, SignalsOver) for s in self.strategies.values())

    def prepare_replay(self, bars: Mapping[str, np.ndarray], features: BatchFeatures) -> None:
        """Every strategy's signals over every signal bar of a replay, at once.

        `bars` holds the signal bars' ts_ns, OHLCV and in_rth arrays, plus end_ns and end_minute
        when `replays_bar_by_bar`, as `update` will see them. Strategies are fed every bar in
        order, as `update` feeds them (their signals depend on nothing else), so `update` then
        answers from these; a strategy with `signals_over` gives them for all bars at once.
        """
        n = len(features)
        signals: dict[str, dict[int, Signal]] = {}
        bar_by_bar = {}
        for name, strategy in self.strategies.items():
            if isinstance(strategy, SignalsOver):
                signals[name] = strategy.signals_over(bars, features.values)
            else:
                signals[name] = {}
                bar_by_bar[name] = strategy
        keys = ("ts_ns", "end_ns", "open", "high", "low", "close", "volume", "in_rth")
        for start in range(0, n if bar_by_bar else 0, _CHUNK):
            stop = min(start + _CHUNK, n)
            columns = [bars[key][start:stop].tolist() for key in keys]
            columns.append(bars["end_minute"][start:stop].tolist())
            rows = features.rows(start, stop)
            for i, view, row in zip(range(start, stop), map(BarView, *columns), rows, strict=True):
                for name, strategy in bar_by_bar.items():
                    signal = strategy.on_bar(view, row)
                    if signal is not None:
                        signals[name][i] = signal
        self._signals = signals
        self._where = {name: sorted(found) for name, found in signals.items()}
        self._any = set().union(*signals.values())
        self._i, self._n = 0, n

    def next_signal(self, strategy: str, i: int) -> int:
        """The first signal bar from `i` on which `strategy` signals (prepared replays; the
        number of signal bars when none does)."""
        where = self._where[strategy]
        at = bisect_left(where, i)
        return where[at] if at < len(where) else self._n

    def seek(self, i: int) -> None:
        """Go on from signal bar `i` (prepared replays)."""
        self._i = i

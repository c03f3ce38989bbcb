"""backtesting.py 0.6.6 running the EMA-cross rules.

Rules as transmission's `ema_cross`: on a bar whose EMA(20) - EMA(50) changes sign, when flat,
enter at the next bar's open with a stop 2 ATR(14) and a target 3 ATR(14) from the signal close.
One contract, no commission (transmission charges commission and slippage; throughput is what
is compared). Fill conventions that differ from transmission's paper broker:
- a target (limit) that the open gaps through fills at the open in backtesting.py, at its price
  in transmission;
- backtesting.py may fill the bracket on the entry bar; transmission fills a target on the entry
  bar only if the bar closes beyond it;
- transmission adds one tick of slippage on market and stop fills and vetoes entries when its
  risk manager says so (six trades a day, losing streaks, ...): it trades fewer times.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy

from benchmarks.floor import atr, ema


class EmaCross(Strategy):
    stop_atr = 2.0
    target_atr = 3.0

    def init(self) -> None:
        close = self.data.Close
        self.fast = self.I(ema, close, 20, name="EMA20")
        self.slow = self.I(ema, close, 50, name="EMA50")
        self.atr = self.I(atr, self.data.High, self.data.Low, close, 14, name="ATR14")

    def next(self) -> None:
        fast, slow, atr_now = self.fast, self.slow, self.atr[-1]
        if len(fast) < 2 or self.position:
            return
        diff, prev = fast[-1] - slow[-1], fast[-2] - slow[-2]
        if not (diff == diff and prev == prev and atr_now == atr_now):
            return
        close = self.data.Close[-1]
        stop, target = self.stop_atr * atr_now, self.target_atr * atr_now
        if prev <= 0 < diff:
            self.buy(size=1, sl=close - stop, tp=close + target)
        elif prev >= 0 > diff:
            self.sell(size=1, sl=close + stop, tp=close - target)


def frame_for(bars: pd.DataFrame) -> pd.DataFrame:
    """A bar frame in backtesting.py's layout (DatetimeIndex, capitalised OHLCV)."""
    return pd.DataFrame(
        {
            "Open": bars["open"].to_numpy(np.float64),
            "High": bars["high"].to_numpy(np.float64),
            "Low": bars["low"].to_numpy(np.float64),
            "Close": bars["close"].to_numpy(np.float64),
            "Volume": bars["volume"].to_numpy(np.float64),
        },
        index=pd.DatetimeIndex(bars["ts"]),
    )


def run(data: pd.DataFrame) -> dict[str, float]:
    """Run the backtest; returns its trade count and return (to check it did trade)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(data, EmaCross, cash=10_000_000, commission=0.0, finalize_trades=True)
        stats = bt.run()
    return {"trades": int(stats["# Trades"]), "return_pct": float(stats["Return [%]"])}


class EmaCrossGrid(EmaCross):
    """`EmaCross` with its EMA periods as parameters, for `Backtest.optimize`."""

    fast = 20
    slow = 50

    def init(self) -> None:
        close = self.data.Close
        self.fast = self.I(ema, close, self.fast, name="EMAfast")  # type: ignore[assignment]
        self.slow = self.I(ema, close, self.slow, name="EMAslow")  # type: ignore[assignment]
        self.atr = self.I(atr, self.data.High, self.data.Low, close, 14, name="ATR14")


def optimize(data: pd.DataFrame, grid: dict[str, list[float]]) -> dict[str, float]:
    """`Backtest.optimize` over `grid` (keys: fast, slow, stop_atr) in its default, fastest
    form: a fork pool of every core, the bars in shared memory; then its run of the best."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(data, EmaCrossGrid, cash=10_000_000, commission=0.0, finalize_trades=True)
        stats, heatmap = bt.optimize(**grid, maximize="SQN", return_heatmap=True)
    return {"points": int(heatmap.size), "best_trades": int(stats["# Trades"])}

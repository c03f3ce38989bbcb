"""The benchmark's data, built once under benchmarks/.data/ (git-ignored) and reused.

- `tiled_bars(n)`: the real NQ sample repeated end to end until it holds `n` one-minute bars.
  Each copy is shifted by a whole number of weeks (the fewest that keep timestamps increasing),
  so every bar keeps its weekday and its time of day in US/Eastern: sessions, RTH windows and
  overnight gaps look like the sample's. Prices are left as they are (each copy starts with a gap
  back to the sample's first price, which the engine sees as an overnight gap).
- `trade_journal(n)`: a journal holding one run of `n` trades written through the journal's own
  write path, with deterministic, realistic values (two strategies, four regimes, R between -1.2
  and +3), for the journal, API and report benchmarks.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / ".data"
SAMPLE = Path(
    os.environ.get(
        "TRANSMISSION_BENCH_SAMPLE", ROOT.parent.parent / "shared" / "data" / "NQ_1min_sample.csv"
    )
)
WEEK = pd.Timedelta(days=7)
BAR_COLUMNS = ["ts", "open", "high", "low", "close", "volume"]


class BenchDataError(RuntimeError):
    """The benchmark data cannot be built; the message says what is missing and where."""


def sample_bars() -> pd.DataFrame:
    """The real NQ sample as a validated bar frame (US/Eastern, tz-aware)."""
    from transmission.market.loader import load_bars

    if not SAMPLE.is_file():
        raise BenchDataError(
            f"the NQ sample is not at {SAMPLE}; set TRANSMISSION_BENCH_SAMPLE to its path"
        )
    return load_bars(SAMPLE).bars[BAR_COLUMNS]


def tile(bars: pd.DataFrame, n: int) -> pd.DataFrame:
    """`bars` repeated end to end to exactly `n` rows, each copy shifted by whole weeks."""
    if n < 1:
        raise ValueError(f"a tiled frame needs at least 1 bar, got {n}")
    if bars.empty:
        raise ValueError("cannot tile an empty bar frame")
    span = bars["ts"].iloc[-1] - bars["ts"].iloc[0]
    weeks = int(span // WEEK) + 1  # the shift that starts the next copy after this one ends
    copies = -(-n // len(bars))
    local = bars["ts"].dt.tz_localize(None).to_numpy("datetime64[ns]")
    shifts = np.arange(copies) * np.timedelta64(7 * weeks, "D")
    # Shift local wall-clock time, then localise: 18:00 ET stays 18:00 ET across DST changes.
    naive = (local[None, :] + shifts[:, None]).ravel()[:n]
    ts = pd.Series(naive).dt.tz_localize("America/New_York", ambiguous="raise", nonexistent="raise")
    out = {"ts": ts.astype(bars["ts"].dtype)}
    for column in BAR_COLUMNS[1:]:
        out[column] = np.tile(bars[column].to_numpy(dtype=np.float64), copies)[:n]
    return pd.DataFrame(out)


def tiled_bars(n: int) -> pd.DataFrame:
    """The tiled sample of `n` bars, cached as Parquet under benchmarks/.data/."""
    path = DATA_DIR / f"nq_tiled_{n}.parquet"
    if path.is_file():
        frame = pd.read_parquet(path)
        # Reading leaves ~70 MB in Arrow's allocator that it hands back to the system only
        # when Arrow next allocates, at a time of its own: measured, a peak RSS 60 MB higher in
        # one run than the next. Handed back now, the peaks measured are the engines'.
        pa.default_memory_pool().release_unused()
        return frame
    bars = sample_bars()
    frame = bars if n == len(bars) else tile(bars, n)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return frame


def bar_source(n: int | None = None):  # -> BarSource (imported lazily: subprocess start-up)
    """A BarSource over the sample (n None) or the tiled sample of `n` bars."""
    from transmission.engine.feeds import BarSource, from_file

    if n is None:
        if not SAMPLE.is_file():
            raise BenchDataError(
                f"the NQ sample is not at {SAMPLE}; set TRANSMISSION_BENCH_SAMPLE to its path"
            )
        return from_file(SAMPLE, "MNQ")
    bars = tiled_bars(n)
    return BarSource(
        dataset=f"nq-tiled-{n}",
        symbol="MNQ",
        bars=bars,
        quarantined=pd.DataFrame(columns=["source", "line", "ts", "raw", "reason"]),
        description=f"NQ sample tiled to {len(bars)} bars",
    )


# --- trade journals --------------------------------------------------------------------------

TRADE_RUN_ID = "bench-trades"


def trade_rows(n: int, seed: int = 7) -> list[tuple]:
    """`n` deterministic closed-trade rows in the journal's `trades` column order."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-02 09:35", tz="America/New_York").value
    minute = 60_000_000_000
    entry_ns = start + np.arange(n, dtype=np.int64) * 17 * minute
    hold = rng.integers(1, 60, n) * minute
    side = rng.choice([1, -1], n)
    entry = 15000.0 + np.round(rng.normal(0, 200, n) * 4) / 4
    risk_points = np.round(rng.uniform(4, 20, n) * 4) / 4
    outcomes = [-1.0, 2.0, -1.2, 3.0, 0.4]
    result_r = rng.choice(outcomes, n, p=[0.5, 0.3, 0.05, 0.1, 0.05])
    contracts = np.maximum(1, (200.0 // (risk_points * 2.0)).astype(int))
    risk_usd = risk_points * 2.0 * contracts
    pnl = result_r * risk_usd
    strategies = np.array(["vwap_pullback", "vwap_band_reversion"])[rng.integers(0, 2, n)]
    regimes = np.array(["TREND", "RANGE", "VOLATILE", "NO_TRADE"])[rng.integers(0, 4, n)]
    reasons = np.array(["stop", "target", "eod_flat", "time_stop"])[rng.integers(0, 4, n)]
    days = pd.to_datetime(entry_ns, utc=True).tz_convert("America/New_York").date
    rows = []
    for i in range(n):
        s = int(side[i])
        rows.append(
            (
                f"{TRADE_RUN_ID}-T{i:06d}",  # the engine's numbering (public ids parse it)
                TRADE_RUN_ID,
                f"{TRADE_RUN_ID}-S{i:06d}",
                "MNQ",
                "Long" if s > 0 else "Short",
                str(strategies[i]),
                str(regimes[i]),
                days[i].isoformat(),
                int(entry_ns[i]),
                int(entry_ns[i] + hold[i]),
                float(entry[i]),
                float(entry[i] + s * result_r[i] * risk_points[i]),
                float(entry[i] - s * risk_points[i]),
                float(entry[i] + s * 2 * risk_points[i]),
                int(contracts[i]),
                float(risk_usd[i]),
                1.7 * int(contracts[i]),
                float(pnl[i]),
                float(result_r[i]),
                str(reasons[i]),
            )
        )
    return rows


def trade_journal(n: int) -> Path:
    """A journal file with one run of `n` trades (built once, then reused read-only)."""
    from transmission.journal import Journal, JournalBatch

    # v2: journal schema 2 (run numbers) and the engine's trade numbering.
    path = DATA_DIR / f"trades_{n}_v2.duckdb"
    if path.is_file():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp.duckdb")
    tmp.unlink(missing_ok=True)
    with Journal(tmp) as journal:
        journal.start_run(TRADE_RUN_ID, "backtest", "MNQ", "bench", {"trades": n})
        batch = JournalBatch()
        for row in trade_rows(n):
            batch.add("trades", row)
        journal.write_batch(batch)
        journal.finish_run(TRADE_RUN_ID)
    tmp.replace(path)
    return path

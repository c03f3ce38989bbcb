"""Feeds: where bars come from. Each yields (ts_ns, open, high, low, close, volume) tuples.

- `replay`: a bar frame as fast as possible (backtests, research);
- `paced`: the same, paced as live by a speed factor (demos, the served engine, the monitor);
- `follow`: a CSV file that another program appends to, validated bar by bar, with bad lines
  quarantined rather than fatal.
Sources (`BarSource`) say what the bars are: a file or the simulator, with their quarantine.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from transmission.contracts import contract_for
from transmission.identity import bars_digest
from transmission.market.calendar import EXCHANGE_TZ, epoch_ns, to_exchange_time
from transmission.market.loader import load_bars, require_bars
from transmission.market.validation import EXACT_DUPLICATE, BarValues, validate_bar

if TYPE_CHECKING:
    from transmission.journal import Journal

log = logging.getLogger(__name__)
BarTuple = tuple[int, float, float, float, float, float]
REPLAY_CHUNK = 65_536


@dataclass(frozen=True)
class BarSource:
    """Validated bars of one dataset, with what was quarantined on the way in."""

    dataset: str
    symbol: str
    bars: pd.DataFrame
    quarantined: pd.DataFrame
    description: str
    duplicates_skipped: int = 0
    regimes: pd.DataFrame | None = field(default=None, compare=False)
    warnings: tuple[str, ...] = ()

    @cached_property
    def identity(self) -> str:
        """The digest of every bar's content: same bars, same id (part of a run's id)."""
        return bars_digest(self.bars)


def from_file(
    path: str | Path, symbol: str, dataset: str | None = None, *, source_tz: str = EXCHANGE_TZ
) -> BarSource:
    """A file's bars, checked against the contract's tick; no good bar at all is an error."""
    result = require_bars(load_bars(path, source_tz=source_tz, tick=contract_for(symbol).tick))
    bars = result.bars.drop(columns=["line"], errors="ignore")
    # Keyed by content: another file of the same name gets its own dataset, and its own bars.
    return BarSource(
        dataset=dataset or f"{Path(path).name.split('.')[0]}-{bars_digest(bars)[:8]}",
        symbol=symbol,
        bars=bars,
        quarantined=result.quarantined,
        description=str(path),
        duplicates_skipped=result.duplicates_skipped,
        warnings=result.warnings,
    )


def from_store(journal: Journal, dataset: str, symbol: str) -> BarSource:
    """The bars `transmission ingest` stored as `dataset` (validated and quarantined then)."""
    stored_symbol, bars = journal.dataset_bars(dataset)
    bars["ts"] = to_exchange_time(pd.to_datetime(bars["ts"], utc=True))
    return BarSource(
        dataset=dataset,
        symbol=symbol,
        bars=bars,
        quarantined=pd.DataFrame(columns=["source", "line", "ts", "raw", "reason"]),
        description=f"bar store: dataset {dataset} ({stored_symbol} bars)",
    )


def from_simulator(days: int, symbol: str, seed: int = 7) -> BarSource:
    from transmission.market.simulator import simulate

    market = simulate(symbol=symbol, days=days, seed=seed)
    return BarSource(
        dataset=f"sim-seed{seed}-{bars_digest(market.bars)[:8]}",
        symbol=symbol,
        bars=market.bars,
        quarantined=pd.DataFrame(columns=["source", "line", "ts", "raw", "reason"]),
        description=f"simulator: {days} days, seed {seed}",
        regimes=market.regimes,
    )


def bar_arrays(bars: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Epoch-ns times and OHLCV of a bar frame as numpy arrays."""
    return (
        epoch_ns(bars["ts"]),
        bars["open"].to_numpy(dtype=np.float64),
        bars["high"].to_numpy(dtype=np.float64),
        bars["low"].to_numpy(dtype=np.float64),
        bars["close"].to_numpy(dtype=np.float64),
        bars["volume"].to_numpy(dtype=np.float64),
    )


def replay(bars: pd.DataFrame, after_ns: int | None = None) -> Iterator[BarTuple]:
    """Every bar (after `after_ns`, when resuming), as fast as the consumer takes them."""
    ts, o, h, low, c, v = bar_arrays(bars)
    start = 0 if after_ns is None else int(np.searchsorted(ts, after_ns, side="right"))
    # Python floats a chunk at a time: a million bars as lists would hold ~200 MB at once.
    for first in range(start, len(ts), REPLAY_CHUNK):
        stop = first + REPLAY_CHUNK
        yield from zip(
            ts[first:stop].tolist(),
            o[first:stop].tolist(),
            h[first:stop].tolist(),
            low[first:stop].tolist(),
            c[first:stop].tolist(),
            v[first:stop].tolist(),
            strict=True,
        )


class FeedClock:
    """Market time on a live feed, for the stale-feed watchdog.

    The last bar's time plus the wall time the engine has spent waiting since, at `pace` market
    seconds per wall second (a followed file: 1, the file is live). On a paced replay the feed
    says which bar it waits for and how long it sleeps: the clock then runs from the last bar to
    that one over the sleep and never passes it, so a busy machine (slow processing, not a
    silent feed) can never make the feed look stale. Thread-safe enough for one writer (the
    feed's thread) and one reader (the watchdog): each update replaces one tuple.
    """

    def __init__(self, pace: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.pace = pace
        self._monotonic = monotonic
        # (last bar ns, wall time it was done, next bar ns or None, wall seconds to it)
        self._state: tuple[int, float, int | None, float] | None = None

    def arrived(self, ts_ns: int) -> None:
        """A bar was processed: silence counts from now."""
        self._state = (ts_ns, self._monotonic(), None, 0.0)

    def waiting_for(self, next_ns: int, wall_s: float) -> None:
        """A paced feed sleeps `wall_s` before releasing the bar at `next_ns`."""
        if self._state is not None:
            last, _, _, _ = self._state
            self._state = (last, self._monotonic(), next_ns, wall_s)

    def now_ns(self) -> int | None:
        """Market time now on the feed's clock (None before the first bar)."""
        state = self._state
        if state is None:
            return None
        last, since, next_ns, wall_s = state
        elapsed = self._monotonic() - since
        if next_ns is None:
            return last + int(elapsed * self.pace * 1e9)
        if wall_s <= 0 or elapsed >= wall_s:
            return next_ns
        return last + int((next_ns - last) * elapsed / wall_s)


def paced(
    bars: Iterator[BarTuple],
    speed: float,
    *,
    stop: Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_gap_s: float = 2.0,
    clock: FeedClock | None = None,
) -> Iterator[BarTuple]:
    """Bars spaced as in market time divided by `speed` (gaps capped at `max_gap_s`); `clock`
    is told which bar the feed waits for, and how long."""
    if speed <= 0:
        raise ValueError(f"speed must be positive, got {speed}")
    last: int | None = None
    for bar in bars:
        if stop is not None and stop.is_set():
            return
        if last is not None:
            wait = min((bar[0] - last) / 1e9 / speed, max_gap_s)
            if clock is not None:
                clock.waiting_for(bar[0], wait)
            sleep(wait)
        last = bar[0]
        yield bar


class FollowedFile:
    """A file read as it grows, that notices when it is truncated or replaced (rotated).

    Read as bytes: a line is decoded only once whole, so an undecodable byte costs one line
    (quarantined by the caller), never the feed. `rotations` and `truncations` count what was
    followed; `note` says the last of them, for the engine's health.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rotations = 0
        self.truncations = 0
        self.note: str | None = None
        self._handle = path.open("rb")
        self._inode = os.fstat(self._handle.fileno()).st_ino
        self._offset = 0

    def close(self) -> None:
        self._handle.close()

    def read(self) -> tuple[bytes, bool]:
        """New bytes, and whether the file started over (a new file, or the old one cut)."""
        chunk = self._handle.read()
        if chunk:
            self._offset += len(chunk)
            return chunk, False
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return b"", False  # between a rotation's rename and the new file: wait for it
        if now.st_ino != self._inode:
            # Rotated: whatever the old file got before its rename is read first.
            rest = self._handle.read()
            self._handle.close()
            self._handle = self.path.open("rb")
            self._inode = os.fstat(self._handle.fileno()).st_ino
            self._offset = 0
            self.rotations += 1
            self.note = f"{self.path} was replaced (rotation {self.rotations}): followed anew"
            log.warning(self.note)
            return rest, True
        if now.st_size < self._offset:
            self._handle.seek(0)
            self._offset = 0
            self.truncations += 1
            self.note = f"{self.path} was truncated (truncation {self.truncations}): read again"
            log.warning(self.note)
            return b"", True
        return b"", False


def follow(
    path: str | Path,
    *,
    on_quarantine: Callable[[int, str, str], None],
    stop: Event,
    poll_s: float = 0.5,
    after_ns: int | None = None,
    on_open: Callable[[FollowedFile], None] | None = None,
) -> Iterator[BarTuple]:
    """Bars appended to a CSV file (header `timestamp,open,high,low,close,volume`), until `stop`.

    Each new line is validated like a loaded file's; a bad one (undecodable bytes included)
    goes to `on_quarantine(line, raw, reason)` and the feed goes on. A file truncated or
    replaced by a new one (log rotation) is read again from its start: its header is skipped,
    bars already seen are skipped as duplicates or quarantined as out of order.
    """
    path = Path(path)
    last: BarValues | None = None
    while not path.exists():
        if stop.wait(poll_s):
            return
    followed = FollowedFile(path)
    if on_open is not None:
        on_open(followed)
    line_no = 0
    buffer = b""
    try:
        while not stop.is_set():
            chunk, started_over = followed.read()
            if started_over:
                lines = (buffer + chunk).split(b"\n")  # the old file's last line ended it
                buffer = b""
            elif not chunk:
                stop.wait(poll_s)
                continue
            else:
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                line_no += 1
                try:
                    text = raw.decode("utf-8").strip()
                except UnicodeDecodeError as exc:
                    shown = raw.decode("utf-8", errors="replace").strip()
                    on_quarantine(line_no, shown, f"undecodable bytes: {exc.reason} at {exc.start}")
                    continue
                if not text or line_no == 1:
                    continue  # a blank line, or the header (a rotated file has its own)
                parsed = _parse_line(text)
                if isinstance(parsed, str):
                    on_quarantine(line_no, text, parsed)
                    continue
                bar = BarValues(*parsed)
                reason = validate_bar(*bar, last=last)
                if reason == EXACT_DUPLICATE:
                    continue
                if reason is not None:
                    on_quarantine(line_no, text, reason)
                    continue
                last = bar
                if after_ns is not None and bar.ts_ns <= after_ns:
                    continue  # processed before a restart
                yield parsed
            if started_over:
                line_no = 0
    finally:
        followed.close()


def _parse_line(text: str) -> BarTuple | str:
    fields = text.split(",")
    if len(fields) != 6:
        return f"malformed line: expected 6 fields, got {len(fields)}"
    try:
        ts = to_exchange_time(pd.Series([pd.Timestamp(fields[0])]))
        values = [float(x) for x in fields[1:]]
    except (ValueError, TypeError) as exc:
        return f"malformed line: {exc}"
    return (int(epoch_ns(ts)[0]), values[0], values[1], values[2], values[3], values[4])

"""Features a user brings: one batch function and one incremental class, held to agree.

A `Feature` is given once, in two forms, as the built-in features are:

- `batch(bars, **params)`: every signal bar at once; `bars` is a DataFrame of signal bars (`ts`,
  `open`, `high`, `low`, `close`, `volume`, `in_rth`); returns a Series (one column, named after
  the feature unless it has a name), a DataFrame (its columns) or a 1-D array;
- `incremental(**params)`: an object whose `update(bar)` takes one closed signal bar (the
  strategies' `BarView`) and returns that bar's value (a float, a tuple in column order, or a dict).

`ParityCheck` holds the incremental form to the batch one bar by bar and refuses a feature whose
forms disagree, naming the first bar where they differ: `tm.check_feature` runs it over the
bars given, the engine on a feature's first use in each run, so a user's indicator cannot drift
between research and live trading.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# What "the same number" means between the two forms: float sums in another order differ in
# the last few bits, a real disagreement by far more.
RTOL = 1e-9
ATOL = 1e-9


class FeatureParityError(ValueError):
    """A feature's batch and incremental forms give different numbers on the same bars."""


@dataclass(frozen=True)
class Feature:
    """A user feature: its name, its batch function, its incremental class and their params."""

    name: str
    batch: Callable[..., Any]
    incremental: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"a feature name must be an identifier, got {self.name!r}")
        if not callable(self.batch):
            raise TypeError(f"feature {self.name!r}: batch must be a function of the bars")
        if not isinstance(self.incremental, type) and not callable(self.incremental):
            raise TypeError(f"feature {self.name!r}: incremental must be a class")

    def with_params(self, **params: Any) -> Feature:
        """The same feature with other parameters (e.g. another period)."""
        return Feature(self.name, self.batch, self.incremental, {**self.params, **params})

    def compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        """The batch form over `bars`: one float array per column."""
        out = self.batch(bars, **self.params)
        return _columns_of(self.name, out, len(bars))

    def start(self) -> Any:
        """A fresh incremental form."""
        tracker = self.incremental(**self.params)
        if not callable(getattr(tracker, "update", None)):
            raise TypeError(f"feature {self.name!r}: the incremental class has no update(bar)")
        return tracker


def feature(
    name: str, *, batch: Callable[..., Any], incremental: Callable[..., Any], **params: Any
) -> Feature:
    """A user feature (see the module docstring); `params` go to both forms."""
    return Feature(name, batch, incremental, params)


def _columns_of(name: str, out: Any, n: int) -> dict[str, np.ndarray]:
    if isinstance(out, pd.DataFrame):
        columns = {str(c): out[c].to_numpy(dtype=float) for c in out.columns}
    elif isinstance(out, pd.Series):
        columns = {str(out.name) if out.name is not None else name: out.to_numpy(dtype=float)}
    elif isinstance(out, Mapping):
        columns = {str(k): np.asarray(v, dtype=float) for k, v in out.items()}
    else:
        array = np.asarray(out, dtype=float)
        if array.ndim != 1:
            raise ValueError(f"feature {name!r}: batch returned an array of shape {array.shape}")
        columns = {name: array}
    for column, values in columns.items():
        if values.shape != (n,):
            raise ValueError(
                f"feature {name!r}: batch column {column!r} has {len(values)} values for {n} bars"
            )
    return columns


def values_of(name: str, value: Any, columns: Sequence[str]) -> tuple[float, ...]:
    """An incremental `update`'s answer as one float per column, in column order."""
    if isinstance(value, Mapping):
        try:
            found = tuple(float(value[c]) for c in columns)
        except KeyError as exc:
            raise ValueError(f"feature {name!r}: update() gave no {exc.args[0]!r}") from None
        return found
    many = isinstance(value, (tuple, list))
    found = tuple(float(v) for v in value) if many else (float(value),)
    if len(found) != len(columns):
        raise ValueError(
            f"feature {name!r}: update() gave {len(found)} values, the batch form "
            f"{len(columns)} columns ({', '.join(columns)})"
        )
    return found


# -- signal bars, as both forms see them --------------------------------------------------------


def signal_frame(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The batch form's input from signal-bar arrays (ts_ns, OHLCV, in_rth)."""
    ts = pd.DatetimeIndex(np.asarray(arrays["ts_ns"]).view("datetime64[ns]")).tz_localize("UTC")
    frame: dict[str, Any] = {"ts": ts.tz_convert("America/New_York")}
    for key in ("open", "high", "low", "close", "volume"):
        frame[key] = np.asarray(arrays[key], dtype=float)
    frame["in_rth"] = np.asarray(arrays["in_rth"], dtype=bool)
    return pd.DataFrame(frame)


# -- parity -------------------------------------------------------------------------------------


class ParityCheck:
    """Compares a feature's incremental values with its batch values, bar by bar."""

    def __init__(self, feature: Feature, batch: Mapping[str, np.ndarray]) -> None:
        self.feature = feature
        self.columns = tuple(batch)
        self.batch = batch
        self.tracker = feature.start()

    def step(self, i: int, bar: Any) -> tuple[float, ...]:
        """The incremental value of bar `i`; raises FeatureParityError where it differs."""
        got = values_of(self.feature.name, self.tracker.update(bar), self.columns)
        for column, value in zip(self.columns, got, strict=True):
            expected = float(self.batch[column][i])
            if not _same(expected, value):
                raise FeatureParityError(
                    _disagreement(self.feature, column, i, bar, expected, value)
                )
        return got


def _same(a: float, b: float) -> bool:
    if a != a or b != b:
        return a != a and b != b
    return abs(a - b) <= ATOL + RTOL * abs(a)


def _disagreement(
    feature: Feature, column: str, i: int, bar: Any, batch: float, incremental: float
) -> str:
    when = pd.Timestamp(bar.ts_ns, tz="UTC").tz_convert("America/New_York")
    return (
        f"feature {feature.name!r} is refused: its incremental form disagrees with its batch "
        f"form first at signal bar {i} ({when:%Y-%m-%d %H:%M} ET), column {column!r}: "
        f"batch {batch!r}, incremental {incremental!r}"
    )

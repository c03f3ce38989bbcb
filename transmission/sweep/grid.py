"""Grid points: every combination of the grid's values, a constraint, or a seeded random draw."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

Point = dict[str, Any]
Constraint = Callable[[Point], bool]


def expand(
    grid: Mapping[str, Sequence[Any] | Any],
    *,
    constraint: Constraint | None = None,
    max_tries: int | float | None = None,
    seed: int | None = None,
) -> list[Point]:
    """The points of `grid` (a name -> values mapping; a lone value is a one-value axis).

    `constraint` keeps only the points it accepts (e.g. `lambda p: p["ema_fast"] <
    p["ema_slow"]`). `max_tries` (a count, or a fraction of the grid in (0, 1]) draws that
    many points at random without replacement, seeded by `seed` (random search); the points
    keep the grid's order.
    """
    if not grid:
        raise ValueError("the grid is empty: give at least one parameter and its values")
    axes: dict[str, list[Any]] = {}
    for name, values in grid.items():
        listed = list(values) if _is_sequence(values) else [values]
        if not listed:
            raise ValueError(f"grid parameter {name!r} has no values")
        axes[name] = [_plain(v) for v in listed]
    points = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    if constraint is not None:
        points = [p for p in points if constraint(p)]
        if not points:
            raise ValueError("the constraint rejects every point of the grid")
    if max_tries is not None:
        count = _tries(max_tries, len(points))
        if count < len(points):
            rng = np.random.default_rng(seed)
            chosen = np.sort(rng.choice(len(points), size=count, replace=False))
            points = [points[i] for i in chosen.tolist()]
    return points


def _tries(max_tries: int | float, size: int) -> int:
    if isinstance(max_tries, float) and 0 < max_tries <= 1:
        return max(1, math.ceil(max_tries * size))
    if isinstance(max_tries, int) and not isinstance(max_tries, bool) and max_tries >= 1:
        return max_tries
    raise ValueError(f"max_tries must be a count >= 1 or a fraction in (0, 1], got {max_tries!r}")


def _is_sequence(values: object) -> bool:
    return isinstance(values, (list, tuple, range, np.ndarray))


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (they go to JSON and into configs)."""
    return value.item() if isinstance(value, np.generic) else value

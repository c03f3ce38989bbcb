from __future__ import annotations

import pytest

from transmission.sweep.grid import expand


def test_grid_expands_to_every_combination_in_order() -> None:
    points = expand({"a": [1, 2], "b": [10, 20, 30]})
    assert len(points) == 6
    assert points[0] == {"a": 1, "b": 10} and points[-1] == {"a": 2, "b": 30}


def test_a_lone_value_is_an_axis_of_one() -> None:
    assert expand({"a": [1, 2], "b": 5}) == [{"a": 1, "b": 5}, {"a": 2, "b": 5}]


def test_constraint_keeps_only_the_points_it_accepts() -> None:
    points = expand(
        {"fast": [5, 10, 20], "slow": [10, 20]}, constraint=lambda p: p["fast"] < p["slow"]
    )
    assert points == [{"fast": 5, "slow": 10}, {"fast": 5, "slow": 20}, {"fast": 10, "slow": 20}]


def test_random_search_draws_max_tries_distinct_points_the_same_for_a_seed() -> None:
    grid = {"a": list(range(10)), "b": list(range(10))}
    first = expand(grid, max_tries=7, seed=3)
    assert len(first) == 7 and len({tuple(p.values()) for p in first}) == 7
    assert first == expand(grid, max_tries=7, seed=3)
    assert len(expand(grid, max_tries=0.25, seed=3)) == 25


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_max_tries_that_is_neither_a_count_nor_a_fraction_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="max_tries"):
        expand({"a": [1, 2]}, max_tries=bad)  # type: ignore[arg-type]


def test_an_empty_axis_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="'b' has no values"):
        expand({"a": [1], "b": []})

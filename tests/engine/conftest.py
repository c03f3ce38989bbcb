"""The engine tests' scripted strategy, registered around each test only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.synthetic import Scripted
from transmission.strategies import register_strategy, unregister_strategy


@pytest.fixture(autouse=True)
def scripted_strategy() -> Iterator[None]:
    register_strategy("scripted")(Scripted)
    yield
    unregister_strategy("scripted")

from __future__ import annotations

import subprocess
import sys

from tests.sweep.conftest import child_env

IMPORTED_FIRST = """
from transmission.sweep import get_client  # the package imported before tm.sweep is looked up
import transmission as tm
try:
    tm.sweep(tm.simulate(1), "ema_cross", {"stop_tr": [1.0]})
except ValueError as exc:
    print(exc)
"""


def test_tm_sweep_is_the_sweep_even_when_its_package_was_imported_first() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_FIRST], env=child_env(), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no parameter 'stop_tr'" in done.stdout

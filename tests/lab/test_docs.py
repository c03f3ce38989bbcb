"""docs/strategies.md: its examples run top to bottom in one namespace and print what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.samples import ROOT

DOC = ROOT / "docs" / "strategies.md"


def examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.mark.slow
def test_the_strategies_guide_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSMISSION_RESEARCH_JOURNAL", str(tmp_path / "research.duckdb"))
    namespace: dict[str, object] = {"__name__": "__main__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in examples():
            exec(compile(code, str(DOC), "exec"), namespace)
    lines = printed.getvalue().splitlines()
    assert lines[0] == "True" and lines[1] == "True"
    assert lines[2] == (
        "EmaPullback has no parameter 'taget_r' (did you mean 'target_r'?); its parameters "
        "are: stop_atr, target_r"
    )
    assert lines[3] == "True"
    assert lines[4] == "feature 'rsi' is refused: its incremental form disagrees with"
    assert lines[5] == "strategy_used" and lines[6] == "True"

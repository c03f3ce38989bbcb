"""MonitorOptions (the live notebook's parameters, overridden by `transmission monitor`) and
open_monitor's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from transmission.widgets import MonitorOptions, open_monitor
from transmission.widgets.launch import ENV_VAR


def test_served_options_override_the_notebook_s(monkeypatch: pytest.MonkeyPatch) -> None:
    served = MonitorOptions.build(speed=120.0, mode="remote", url="http://127.0.0.1:9000")
    monkeypatch.setenv(ENV_VAR, served.to_env())
    options = MonitorOptions.resolve(speed=3000.0, simulate_days=2, run_seconds=15)
    assert (options.speed, options.mode, options.url) == (120.0, "remote", "http://127.0.0.1:9000")
    assert options.simulate_days == 2 and options.run_seconds == 15


def test_options_given_explicitly_travel_even_at_their_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_VAR, MonitorOptions.build(run_seconds=0).to_env())
    assert MonitorOptions.resolve(run_seconds=20).run_seconds == 0


def test_without_the_variable_the_notebook_s_values_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert MonitorOptions.resolve(speed=42.0).speed == 42.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"speed": 0}, "speed: Input should be greater than 0"),
        ({"mode": "cloud"}, "mode: Input should be 'local' or 'remote'"),
        ({"simulate_days": 0}, "simulate_days"),
        ({"history": 5000}, "history"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"data": "/no/such/bars.csv"}, "data: no bar file at /no/such/bars.csv"),
        ({"mode": "remote", "url": "localhost:8000"}, "url must look like http://"),
    ],
)
def test_bad_parameters_say_which_and_why(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=r"bad monitor parameters|url must look like") as info:
        MonitorOptions.build(**params)
    assert message in str(info.value)


def test_a_malformed_served_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "{not json")
    with pytest.raises(ValueError, match=f"{ENV_VAR} is not JSON"):
        MonitorOptions.resolve()
    monkeypatch.setenv(ENV_VAR, "[1, 2]")
    with pytest.raises(ValueError, match="must be a JSON object"):
        MonitorOptions.resolve()


@pytest.mark.slow
def test_a_journal_held_by_another_process_gives_a_way_out(locked_journal: Path) -> None:
    with pytest.raises(RuntimeError, match=r"held by another process.*mode='remote'"):
        open_monitor(db=locked_journal, simulate_days=1, speed=60.0)

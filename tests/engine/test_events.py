"""Every engine event's message: its payload holds every field but the two times, JSON-safe."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from transmission.engine.events import EVENT_TYPES, Event

NOW = pd.Timestamp(datetime(2024, 3, 8, 10, 31), tz=ZoneInfo("America/New_York"))


def example(cls: type[Event]) -> Event:
    """An event of `cls` with every field set, a NaN float among them where there is one."""
    values: dict[str, Any] = {}
    nan_given = False
    hints = get_type_hints(cls)
    for field in dataclasses.fields(cls):
        kind = str(hints[field.name])
        if "datetime" in kind:
            values[field.name] = NOW
        elif "float" in kind:
            values[field.name] = 1.25 if nan_given else math.nan
            nan_given = True
        elif "int" in kind:
            values[field.name] = 3
        elif "bool" in kind:
            values[field.name] = True
        else:
            values[field.name] = f"{field.name}-value"
    return cls(**values)


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_the_message_holds_every_field_json_safe(kind: str):
    event = example(EVENT_TYPES[kind])
    if kind == "trade_execution":
        event = dataclasses.replace(event, trade_id="run-T000041")  # type: ignore[call-arg]
    message = event.to_message(run_number=2)
    names = {f.name for f in dataclasses.fields(event)} - {"ts_event", "ts_init"}
    assert message["type"] == kind
    assert message["timestamp"] == NOW.isoformat()
    cls = EVENT_TYPES[kind]
    # The payload sits under the key the design's clients read, or flat beside `type`.
    payload = (
        message[cls.message_key]
        if cls.message_key
        else {k: v for k, v in message.items() if k not in ("type", "timestamp")}
    )
    assert set(payload) == names | set(cls.public_schema)
    for name, value in payload.items():
        if name in cls.public_schema:
            continue  # display names and public ids: see the API's WebSocket tests
        field = getattr(event, name)
        if isinstance(field, datetime):
            assert value == field.isoformat()
        elif isinstance(field, float) and math.isnan(field):
            assert value is None  # NaN is not JSON
        else:
            assert value == field
    assert json.loads(json.dumps(message, allow_nan=False)) == message
    if kind == "trade_execution":
        assert (payload["trade_id"], payload["trade_key"]) == (2_000_000_041, "run-T000041")

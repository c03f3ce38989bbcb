"""The WebSocket message protocol: each client message gets its documented answer."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from transmission.api.ws.protocol import MAX_CLIENT_MESSAGE, answer, message


def parsed(text: str | None) -> dict:
    assert text is not None
    return json.loads(text)


def test_a_server_message_carries_type_and_timestamp_and_its_fields_flat():
    sent = parsed(message("ping"))
    assert set(sent) == {"type", "timestamp"} and sent["type"] == "ping"
    assert parsed(message("error", {"message": "x"}))["message"] == "x"
    assert datetime.fromisoformat(sent["timestamp"]).utcoffset() is not None


def test_ping_is_answered_with_pong_echoing_its_data():
    assert parsed(answer('{"type": "ping", "data": 7}'))["echo"] == 7
    assert parsed(answer('{"type": "ping"}'))["type"] == "pong"


def test_pong_gets_no_answer():
    assert answer('{"type": "pong"}') is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "binary messages are not supported"),
        ("x" * (MAX_CLIENT_MESSAGE + 1), "message too large"),
        ("{not json", "malformed message, not JSON"),
        ("[1, 2]", 'a JSON object with a "type"'),
        ('{"type": "subscribe"}', "unknown message type 'subscribe'"),
        ("[" * 2000 + "]" * 2000, "nested too deeply"),
    ],
)
def test_a_bad_client_message_gets_an_error_saying_what_was_wrong(text, says):
    reply = parsed(answer(text))
    assert reply["type"] == "error" and says in reply["message"]

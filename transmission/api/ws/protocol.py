"""The WebSocket message protocol: what the server says, and its answer to what a client says.

Every message, both ways, is JSON `{"type", "timestamp", "data"}`.

- Server to client: `connected` (on accept), the engine's `regime_change`, `signal`,
  `risk_update` and `trade_execution`, `pong` (answer to a ping), `ping` (to an idle client),
  and `error` (to a malformed message).
- Client to server: `{"type": "ping"}` (answered with `pong`, echoing `data`) and
  `{"type": "pong"}` (answer to a server ping). Anything else gets an `error` message.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from transmission.market.calendar import EXCHANGE_TZ

MAX_CLIENT_MESSAGE = 4096  # bytes; clients only ever send pings
_ZONE = ZoneInfo(EXCHANGE_TZ)


def server_time() -> datetime:
    """The wall clock in exchange time: the timestamp of the server's own messages."""
    return datetime.now(_ZONE)


def message(kind: str, data: dict[str, Any] | None = None) -> str:
    """A server message as JSON text."""
    return json.dumps({"type": kind, "timestamp": server_time().isoformat(), "data": data or {}})


def answer(text: str | None, data: bytes | None = None) -> str | None:
    """The reply to one client message (None: no reply)."""
    if text is None:
        return message("error", {"message": "binary messages are not supported: send JSON"})
    if len(text) > MAX_CLIENT_MESSAGE:
        return message(
            "error", {"message": f"message too large: at most {MAX_CLIENT_MESSAGE} bytes"}
        )
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        return message("error", {"message": f"malformed message, not JSON: {exc}"})
    if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
        return message(
            "error",
            {"message": 'a message is a JSON object with a "type": send {"type": "ping"}'},
        )
    kind = parsed["type"]
    if kind == "ping":
        echo = parsed.get("data")
        return message("pong", {"echo": echo} if echo is not None else {})
    if kind == "pong":
        return None
    return message(
        "error", {"message": f"unknown message type {kind!r}: the server accepts ping and pong"}
    )

"""The WebSocket message protocol: what the server says, and its answer to what a client says.

Every message is a JSON object with a `type`; the server's carry a `timestamp` too, and their
payload as the original design's clients read it (`Event.to_message`; schema: /asyncapi.json).

- Server to client: `connected` (on accept; `message`, `run_id`), the engine's `regime_change`
  (`regime` and the rest flat), `signal` (under `signal`), `risk_update` (under `risk`) and
  `trade_execution` (under `trade`), `pong` (answer to a ping; `echo`), `ping` (to an idle
  client), and `error` (to a malformed message; `message`).
- Client to server: `{"type": "ping"}` (answered with `pong`, echoing its `data` as `echo`) and
  `{"type": "pong"}` (answer to a server ping). Anything else gets an `error` message; a message
  over `MAX_CLIENT_FRAME` closes the connection with 1009 (`CLOSE_TOO_BIG`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from transmission.market.calendar import EXCHANGE_TZ

MAX_CLIENT_MESSAGE = 4096  # bytes; clients only ever send pings: larger ones get an error
# Larger still closes the connection with 1009 ("message too big"). uvicorn enforces it as it
# reads (`UVICORN_OPTIONS["ws_max_size"]`); the manager checks it for servers started without.
MAX_CLIENT_FRAME = 64 * 1024
CLOSE_TOO_BIG = 1009
_ZONE = ZoneInfo(EXCHANGE_TZ)


def server_time() -> datetime:
    """The wall clock in exchange time: the timestamp of the server's own messages."""
    return datetime.now(_ZONE)


def message(kind: str, fields: dict[str, Any] | None = None) -> str:
    """A server message of the manager's own (ping, pong, error) as JSON text, flat."""
    return json.dumps({"type": kind, "timestamp": server_time().isoformat(), **(fields or {})})


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
    except RecursionError:
        return message("error", {"message": "malformed message: nested too deeply"})
    if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
        return message(
            "error",
            {"message": 'a message is a JSON object with a "type": send {"type": "ping"}'},
        )
    kind = parsed["type"]
    if kind == "ping":
        echo = parsed.get("data")
        return message("pong", {"echo": echo} if echo is not None else None)
    if kind == "pong":
        return None
    return message(
        "error", {"message": f"unknown message type {kind!r}: the server accepts ping and pong"}
    )

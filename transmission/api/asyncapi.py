"""The WebSocket contract as an AsyncAPI 3 document, generated from the event dataclasses.

Each engine event's payload schema is its dataclass's JSON Schema (pydantic) without the two
timestamps, with what `public_payload` adds (`Event.public_schema`), placed as `to_message`
places it: under `message_key`, or flat beside `type`. The manager's own messages (ping, pong,
error) and the client's (ping, pong) are written out here. Served at /asyncapi.json; the tests
validate every message a real client receives against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from transmission.engine.events import EVENT_TYPES, Event

TIMESTAMP = {"type": "string", "format": "date-time", "description": "market time (ET), ISO 8601"}


def _nullable_numbers(schema: dict[str, Any]) -> dict[str, Any]:
    # A non-finite float is sent as null (`events._json_safe`): every number may be null.
    out = {}
    for name, prop in schema.items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        if prop.get("type") == "number":
            prop = {**prop, "type": ["number", "null"]}
        if "anyOf" in prop:
            prop["anyOf"] = [
                {"type": ["number", "null"]} if branch.get("type") == "number" else branch
                for branch in prop["anyOf"]
            ]
        out[name] = prop
    return out


def payload_schema(cls: type[Event]) -> dict[str, Any]:
    """JSON Schema of `cls(...).public_payload(run_number)`."""
    generated = TypeAdapter(cls).json_schema(mode="serialization")
    properties = {
        name: prop
        for name, prop in generated.get("properties", {}).items()
        if name not in ("ts_event", "ts_init")
    }
    properties = {**_nullable_numbers(properties), **cls.public_schema}
    required = [name for name in generated.get("required", []) if name in properties]
    return {
        "type": "object",
        "description": (cls.__doc__ or cls.type).strip().splitlines()[0],
        "properties": properties,
        "required": sorted(set(required) | set(cls.public_schema)),
        "additionalProperties": False,
    }


def _message(kind: str, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"type": {"const": kind}, "timestamp": TIMESTAMP, **fields},
        "required": ["type", "timestamp", *required],
        "additionalProperties": False,
    }


def message_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of each server-to-client message, by `type`."""
    out: dict[str, dict[str, Any]] = {}
    for kind, cls in EVENT_TYPES.items():
        payload = payload_schema(cls)
        if cls.message_key is None:
            out[kind] = _message(kind, payload["properties"], payload["required"])
        else:
            out[kind] = _message(kind, {cls.message_key: payload}, [cls.message_key])
        out[kind]["description"] = payload["description"]
    out["ping"] = _message("ping", {}, [])
    out["pong"] = _message("pong", {"echo": {"description": "the ping's `data`"}}, [])
    out["error"] = _message("error", {"message": {"type": "string"}}, ["message"])
    return out


CLIENT_MESSAGES: dict[str, dict[str, Any]] = {
    "ping": {
        "type": "object",
        "properties": {"type": {"const": "ping"}, "data": {"description": "echoed in the pong"}},
        "required": ["type"],
    },
    "pong": {"type": "object", "properties": {"type": {"const": "pong"}}, "required": ["type"]},
}


def server_message_schema() -> dict[str, Any]:
    """One JSON Schema for any server message (by its `type`), for validating a stream."""
    schemas = message_schemas()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "oneOf": list(schemas.values()),
    }


@cache
def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of /ws."""
    server = message_schemas()
    messages = {
        **{f"server_{k}": {"name": k, "payload": v} for k, v in server.items()},
        **{f"client_{k}": {"name": k, "payload": v} for k, v in CLIENT_MESSAGES.items()},
    }
    refs = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "transmission events",
            "version": "1",
            "description": "Engine events over WebSocket. On loopback with no token configured "
            "/ws is open; otherwise pass the API token as ?token= or a bearer header. Messages "
            "over 64 KiB close the connection with 1009.",
        },
        "channels": {"events": {"address": "/ws", "messages": refs}},
        "operations": {
            "receiveEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/server_{k}"} for k in server],
            },
            "sendPings": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [
                    {"$ref": f"#/channels/events/messages/client_{k}"} for k in CLIENT_MESSAGES
                ],
            },
        },
        "components": {"messages": messages},
    }

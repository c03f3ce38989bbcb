"""The WebSocket contract (AsyncAPI), beside the REST one (/openapi.json)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from transmission.api.asyncapi import asyncapi_document

router = APIRouter(tags=["info"])


@router.get("/asyncapi.json")
async def asyncapi() -> dict[str, Any]:
    """The /ws messages as an AsyncAPI 3.0 document, generated from the engine's events."""
    return asyncapi_document()

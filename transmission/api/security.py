"""Security defaults: the API token, a guard for non-loopback traffic, and POST rate limits.

- The token comes from TRANSMISSION_API_TOKEN, or is generated at start and printed (as Jupyter
  does). Clients send `Authorization: Bearer <token>`; the WebSocket (and a browser on GET
  pages) may pass `?token=<token>` instead.
- POST routes always need it; on loopback with no token configured, GET routes and the
  WebSocket are open; off loopback everything but the docs (`DOCS_PATHS`) needs it.
- POST routes are rate limited per client address by a token bucket.
- No token reaches a log: uvicorn's access and WebSocket lines have `token=` redacted.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from transmission.settings import is_loopback

TOKEN_QUERY = "token"
# Open off loopback too: the documentation pages, their assets and the API descriptions (they
# hold no data; the pages must load before a user can give them a token).
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json", "/asyncapi.json", "/static-offline-docs/")


def generate_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(expected: str, presented: str | None) -> bool:
    """Constant-time comparison (a wrong token takes as long to reject as a near miss)."""
    return presented is not None and secrets.compare_digest(expected.encode(), presented.encode())


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, if it is one."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def presented_token(headers: Iterable[tuple[bytes, bytes]], query_string: bytes) -> str | None:
    """The token a request carries: the bearer header first, then `?token=`."""
    for name, value in headers:
        if name == b"authorization":
            token = bearer_token(value.decode("latin-1"))
            if token:
                return token
    values = parse_qs(query_string.decode("latin-1")).get(TOKEN_QUERY)
    return values[0] if values else None


class RemoteGuard:
    """ASGI middleware: on a non-loopback bind or connection, every HTTP request needs the token.

    Route dependencies guard POST routes and the WebSocket everywhere; this adds the rest
    (including /docs and /openapi.json) when traffic can come from another machine.
    """

    def __init__(self, app: ASGIApp, *, token: str, bound_to_loopback: bool) -> None:
        self.app = app
        self.token = token
        self.bound_to_loopback = bound_to_loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._local(scope) and not _is_docs(scope["path"]):
            token = presented_token(scope.get("headers", []), scope.get("query_string", b""))
            if not token_matches(self.token, token):
                await _unauthorized(send)
                return
        await self.app(scope, receive, send)

    def _local(self, scope: Scope) -> bool:
        server = scope.get("server")
        return self.bound_to_loopback and is_loopback(server[0] if server else None)


def _is_docs(path: str) -> bool:
    return path.startswith(DOCS_PATHS)


_TOKEN_IN_TEXT = re.compile(rf"({TOKEN_QUERY}=)[^&\s\"']+")


def redact(text: str) -> str:
    """`text` with every `token=<value>` replaced by `token=***`."""
    return _TOKEN_IN_TEXT.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """Rewrites a record's arguments (uvicorn logs the path with its query) without the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact_tokens_in_logs() -> None:
    """Install `RedactTokens` on uvicorn's access log and its WebSocket lines (once)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


async def _unauthorized(send: Send) -> None:
    body = json.dumps(
        {
            "error": "unauthorized",
            "message": "this server is reachable from other machines: send the API token as "
            "'Authorization: Bearer <token>' (or ?token=<token>)",
            "details": None,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b"Bearer"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute, bursts up to `per_minute`.

    Time is passed in (`now`, seconds on a monotonic clock), so the limiter is a pure
    function of the calls it sees.
    """

    def __init__(self, per_minute: int, *, max_clients: int = 10_000) -> None:
        if per_minute < 1:
            raise ValueError(f"rate limit must be at least 1 request a minute, got {per_minute}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float) -> float:
        """Spend one request of `client`'s; 0.0 if allowed, else seconds until one is free."""
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._buckets.clear()  # a flood of addresses: forget them all, stay bounded
                bucket = self._buckets[client] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

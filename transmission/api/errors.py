"""Error bodies: every error is `ErrorResponse` JSON, and no traceback ever leaves the server."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("transmission.api")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(Exception):
    """An error a route raises on purpose; becomes `{error, message}` with its status."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


UNKNOWN_RUN = "no such run in the journal: see /api/runs"  # a `run=` the journal does not hold


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


def error_body(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": _CODES.get(status, "error"), "message": message, "details": details}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a clean JSON error."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.message), exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path}: see /docs for the routes"
        elif exc.status_code == 400 and "parsing the body" in message:
            message = "the request body is not valid JSON"
        headers = getattr(exc, "headers", None)
        return JSONResponse(error_body(exc.status_code, message), exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [_problem(error) for error in exc.errors()]
        where = "; ".join(f"{d['where']}: {d['message']}" for d in details[:5])
        return JSONResponse(error_body(422, f"invalid request: {where}", details), 422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        message = "internal error: the server log has the details"
        return JSONResponse(error_body(500, message), 500)


def _problem(error: Any) -> dict[str, Any]:
    """One validation problem: where (e.g. `query.limit`) and what, without echoing input."""
    location = ".".join(str(part) for part in error.get("loc", ()))
    return {
        "where": location,
        "message": str(error.get("msg", "invalid")),
        "type": error.get("type"),
    }

"""Every error is ``{"detail": {"code", "message"}}`` with the right 4xx, and documented.

``ServiceError`` subclasses carry their status; malformed JSON is 400, a body or parameter of
the wrong shape 422, an unknown path 404, a wrong method 405.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from optionswarm.service.errors import ServiceError
from optionswarm.service.views import ErrorBody

__all__ = ["error_response", "install_error_handlers", "responses"]

_DESCRIPTIONS = {
    400: "Malformed JSON body",
    401: "Missing, malformed or expired token",
    403: "The role may not do this",
    404: "Unknown id",
    409: "The system refused the state change",
    413: "Request body too large",
    422: "A parameter or the body has the wrong shape or value",
    429: "Rate limited (or too many queued jobs)",
}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses (all share :class:`ErrorBody`)."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON error response."""
    body = {"detail": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(request)"


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.code, exc.message)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    message = "; ".join(f"{_location(tuple(e.get('loc', ())))}: {e.get('msg')}" for e in errors)
    return error_response(422, "validation_error", message[:2000])


def _allowed(request: Request) -> str:
    """Every method some route serves at this path (routes split by method)."""
    methods: set[str] = set()
    for route in request.app.state.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    detail = exc.detail
    if isinstance(detail, dict) and {"code", "message"} <= detail.keys():
        code, message = str(detail["code"]), str(detail["message"])
    else:
        code, message = _CODES.get(exc.status_code, "error"), str(detail)
    return error_response(exc.status_code, code, message, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

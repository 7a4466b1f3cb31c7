"""FastAPI dependencies: the service, the caller, and one permission guard per route.

``require(permission)`` is the route -> minimal permission table in code: every ``/api`` route
but login declares one (``route_permissions`` lists them, and a test checks each route against
each role). A refusal (401 or 403) is written to the audit log with the path and the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from optionswarm.api.security import Permission, Principal, Security, TokenError
from optionswarm.api.service_port import ApiService
from optionswarm.service.core import Actor

__all__ = [
    "Caller",
    "ServiceDep",
    "audit_denial",
    "client_ip",
    "get_security",
    "get_service",
    "require",
    "route_permissions",
]

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/auth/login")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_service(request: Request) -> ApiService:
    """The service the app was built with (async: a plain ``def`` dependency would hop to a
    worker thread on every request)."""
    return _service(request)


def _service(request: Request) -> ApiService:
    service: ApiService = request.app.state.service
    return service


def get_security(request: Request) -> Security:
    """The app's security settings."""
    security: Security = request.app.state.security
    return security


ServiceDep = Annotated[ApiService, Depends(get_service)]


def client_ip(request: Request) -> str:
    """The peer address (no proxy headers are trusted)."""
    return request.client.host if request.client is not None else "unknown"


def audit_denial(
    service: ApiService, request: Request, status: int, reason: str, user: str | None = None
) -> None:
    """Record a 401/403 (never the token itself)."""
    service.record(
        "auth.denied",
        {
            "status": status,
            "method": request.method,
            "path": request.url.path,
            "reason": reason,
            "actor": user,
            "ip": client_ip(request),
        },
    )


def require(permission: Permission) -> Callable[..., Awaitable[Actor]]:
    """A dependency: a valid token whose role holds ``permission``; returns the actor."""

    async def guard(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        service, security = _service(request), get_security(request)
        if credentials is None or credentials.scheme.lower() != "bearer":
            audit_denial(service, request, 401, "missing bearer token")
            raise HTTPException(401, "a bearer token is required", headers=_CHALLENGE)
        try:
            principal = security.verify(credentials.credentials)
        except TokenError as exc:
            audit_denial(service, request, 401, f"invalid token: {exc}")
            raise HTTPException(
                401, "the token is invalid or expired", headers=_CHALLENGE
            ) from None
        if permission not in principal.permissions:
            audit_denial(service, request, 403, f"needs {permission.value}", principal.username)
            detail = {
                "code": "forbidden",
                "message": f"role {principal.role!r} lacks permission {permission.value!r}",
            }
            raise HTTPException(403, detail)
        request.state.principal = principal
        return Actor(principal.username, principal.role)

    guard.permission = permission  # type: ignore[attr-defined]  # read by route_permissions
    return guard


Caller = Annotated[Actor, Depends(require(Permission.READ))]


def principal_of(request: Request) -> Principal:
    """The principal a guard stored on the request."""
    principal: Principal = request.state.principal
    return principal


def route_permissions(routes: Sequence[object]) -> dict[tuple[str, str], Permission | None]:
    """``(method, path) -> permission`` of every HTTP route (None: no token needed)."""
    table: dict[tuple[str, str], Permission | None] = {}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        found = None
        for dependency in route.dependant.dependencies:
            found = getattr(dependency.call, "permission", None) or found
        for method in sorted(route.methods or ()):
            table[(method, route.path)] = found
    return table

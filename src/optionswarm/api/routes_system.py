"""Liveness, readiness and authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from optionswarm.api.deps import Caller, ServiceDep, client_ip, get_security
from optionswarm.api.errors import responses
from optionswarm.api.security import ROLE_PERMISSIONS
from optionswarm.service import views as v
from optionswarm.service.errors import ServiceError

__all__ = ["router"]

router = APIRouter()


class _LoginFailedError(ServiceError):
    status = 401


@router.get("/health", response_model=v.Health, tags=["system"], responses=responses(429))
async def health(service: ServiceDep) -> v.Health:
    """Liveness: the process answers."""
    return service.health()


@router.get("/ready", response_model=v.Ready, tags=["system"], responses=responses(429))
async def ready(service: ServiceDep) -> v.Ready:
    """Readiness: the state of every component."""
    return service.ready()


@router.get(
    "/metrics",
    tags=["system"],
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition of the node's metrics",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **responses(429),
    },
)
async def metrics(request: Request, service: ServiceDep) -> Response:
    """Prometheus metrics of the node (no token: bound to loopback by default)."""
    body, content_type = service.metrics(request.headers.get("accept"))
    return Response(content=body, media_type=content_type)


@router.post(
    "/api/auth/login",
    response_model=v.Token,
    tags=["auth"],
    responses=responses(400, 401, 413, 422, 429),
)
async def login(body: v.LoginRequest, request: Request, service: ServiceDep) -> v.Token:
    """Exchange a username and password for a short-lived bearer token (audited)."""
    security = get_security(request)
    user = security.users.authenticate(body.username, body.password)
    if user is None:
        service.record("auth.login_failed", {"actor": body.username, "ip": client_ip(request)})
        raise _LoginFailedError("bad_credentials", "unknown user or wrong password")
    service.record(
        "auth.login", {"actor": user.username, "role": user.role, "ip": client_ip(request)}
    )
    return v.Token(
        access_token=security.issue(user),
        expires_in=security.token_ttl_s,
        username=user.username,
        role=user.role,
    )


@router.get("/api/auth/me", response_model=v.Me, tags=["auth"], responses=responses(401, 429))
async def me(actor: Caller) -> v.Me:
    """Who the token belongs to and what the role may do."""
    permissions = sorted(p.value for p in ROLE_PERMISSIONS.get(actor.role, frozenset()))
    return v.Me(username=actor.username, role=actor.role, permissions=permissions)

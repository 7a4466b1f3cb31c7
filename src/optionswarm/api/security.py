"""Who may call the API: users, roles and permissions, short-lived signed tokens.

Roles (the server enforces every route; the dashboard only hides what a role may not do):

=========  ==============================================================================
viewer     every GET except the audit export
trader     + submit/cancel orders, kill switch, replay pause/resume, start backtests
approver   + approve/reject (an approver is not a trader; a trader cannot approve), kill
admin      everything: config PATCH, breaker trip/reset, release after a kill, audit export
=========  ==============================================================================

Tokens: JWT, HS256, ``sub`` (user), ``role``, ``iat``, ``exp`` (``token_ttl_s``), ``jti``. The
role is re-read from the users file on every request, so a removed user's token stops working.
The signing secret comes from ``OPTIONSWARM_API_SECRET`` or ``api.secret_file``; without either
a random per-process secret is used (tokens die with the process). Secrets are never logged.
"""

from __future__ import annotations

import enum
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import structlog
from argon2 import PasswordHasher

from optionswarm.api.auth import users_path
from optionswarm.config import ApiSettings
from optionswarm.service.users import User, UserStore, load_users

__all__ = [
    "ROLE_PERMISSIONS",
    "Permission",
    "Principal",
    "Security",
    "TokenError",
]

SECRET_ENV = "OPTIONSWARM_API_SECRET"
_ALGORITHM = "HS256"
_MIN_SECRET_BYTES = 32
_CACHE = 10_000  # verified tokens remembered
_log = structlog.get_logger(__name__)


class Permission(enum.StrEnum):
    """What a route needs (its minimal permission)."""

    READ = "read"
    ORDERS = "orders.write"
    KILL = "risk.kill"
    REPLAY = "replay.control"
    BACKTESTS = "backtests.run"
    APPROVE = "approvals.decide"
    BREAKERS = "risk.breakers"
    RELEASE = "risk.release"
    CONFIG = "config.write"
    AUDIT_EXPORT = "audit.export"


_P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "viewer": frozenset({_P.READ}),
    "trader": frozenset({_P.READ, _P.ORDERS, _P.KILL, _P.REPLAY, _P.BACKTESTS}),
    "approver": frozenset({_P.READ, _P.APPROVE, _P.KILL}),
    "admin": frozenset(Permission),
}


class TokenError(Exception):
    """A missing, malformed, expired or revoked token."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    username: str
    role: str
    expires_at: float

    @property
    def permissions(self) -> frozenset[Permission]:
        """What the role may do."""
        return ROLE_PERMISSIONS.get(self.role, frozenset())


def _load_secret(settings: ApiSettings) -> bytes:
    value = os.environ.get(SECRET_ENV)
    if not value and settings.secret_file is not None:
        value = Path(settings.secret_file).read_text().strip()
    if not value:
        _log.warning("api_secret_generated", hint=f"set {SECRET_ENV} to keep tokens on restart")
        return secrets.token_bytes(_MIN_SECRET_BYTES)
    if len(value.encode()) < _MIN_SECRET_BYTES:
        raise ValueError(f"the API secret needs at least {_MIN_SECRET_BYTES} bytes")
    return value.encode()


@dataclass(slots=True)
class Security:
    """Everything the API enforces: users, secret, token lifetime, limits, CORS."""

    users: UserStore
    secret: bytes = field(repr=False)
    token_ttl_s: int = 900
    rate_limit_per_minute: int = 1200
    login_per_minute: int = 20
    max_body_bytes: int = 65_536
    cors_origins: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    _verified: dict[str, Principal] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: ApiSettings, hasher: PasswordHasher | None = None) -> Security:
        """Users from ``users_file`` (none: nobody can log in), secret from env or file."""
        path = users_path(settings)
        users: dict[str, User] = load_users(path) if path.is_file() else {}
        if not users:
            _log.warning("api_no_users", hint="add one: python -m optionswarm.service.users add")
        return cls(
            users=UserStore(users, hasher),
            secret=_load_secret(settings),
            token_ttl_s=settings.token_ttl_s,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            login_per_minute=getattr(settings, "login_per_minute", 20),  # once [api] has it
            max_body_bytes=settings.max_body_bytes,
            cors_origins=tuple(settings.cors_origins),
        )

    def issue(self, user: User) -> str:
        """A signed token for ``user``, valid for ``token_ttl_s``."""
        now = int(time.time())
        claims = {
            "sub": user.username,
            "role": user.role,
            "iat": now,
            "exp": now + self.token_ttl_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The caller of a valid token (``TokenError`` otherwise).

        A verified token is remembered until it expires (the rate limiter and the route guard
        both ask); the user is looked up again every time, so removing a user revokes at once.
        """
        known = self._verified.get(token)
        if known is not None and known.expires_at > time.time():
            user = self.users.users.get(known.username)
            if user is None:
                raise TokenError("the token's user no longer exists")
            return Principal(username=user.username, role=user.role, expires_at=known.expires_at)
        principal = self._decode(token)
        if len(self._verified) >= _CACHE:
            self._verified = {t: p for t, p in self._verified.items() if p.expires_at > time.time()}
            if len(self._verified) >= _CACHE:
                self._verified.clear()
        self._verified[token] = principal
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from None
        user = self.users.users.get(str(claims["sub"]))
        if user is None:
            raise TokenError("the token's user no longer exists")
        return Principal(username=user.username, role=user.role, expires_at=float(claims["exp"]))

"""Pure ASGI middleware: a request body size limit (413) and per-caller rate limiting (429).

Rate limiting is a token bucket per caller: the token's user when the request carries a valid
token, else the peer address. ``per_minute`` tokens refill evenly; the bucket holds at most a
minute's worth, so a burst is allowed and a sustained flood is not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from optionswarm.api.security import Security, TokenError

__all__ = ["BodyLimitMiddleware", "RateLimitMiddleware", "TokenBucket"]


async def _send_error(send: Send, status: int, code: str, message: str, **headers: str) -> None:
    body = json.dumps({"detail": {"code": code, "message": message}}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await self._too_large(send)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, send: Send) -> None:
        await _send_error(send, 413, "body_too_large", f"the body exceeds {self.max_bytes} bytes")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class TokenBucket:
    """Buckets by key; ``take(key)`` is False when the key has no token left."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> bool:
        """Spend one token of ``key``."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if len(self._buckets) > 100_000:  # many distinct peers: forget the full buckets
            self._buckets = {k: b for k, b in self._buckets.items() if b[0] < self.capacity}
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` has a token again."""
        tokens, _ = self._buckets.get(key, (self.capacity, 0.0))
        return max(1, int((1.0 - tokens) / self.rate) + 1)


class RateLimitMiddleware:
    """429 with ``Retry-After`` once a caller's bucket is empty (HTTP and WebSocket).

    Logins have a bucket of their own per address (``login_per_minute``): each attempt costs an
    argon2 hash, so password guessing is slow and cannot starve the node of CPU.
    """

    def __init__(self, app: ASGIApp, security: Security) -> None:
        self.app = app
        self.security = security
        self.bucket = TokenBucket(security.rate_limit_per_minute)
        self.logins = TokenBucket(security.login_per_minute)

    def _key(self, scope: Scope) -> str:
        token = None
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                token = value[7:].decode("latin-1").strip()
        if token is None and scope["type"] == "websocket":
            query = scope.get("query_string", b"").decode("latin-1")
            token = next((p[6:] for p in query.split("&") if p.startswith("token=")), None)
        if token:
            try:
                return "user:" + self.security.verify(token).username
            except TokenError:
                pass
        client: Any = scope.get("client")
        return "ip:" + (client[0] if client else "unknown")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        if scope.get("path") == "/api/auth/login":
            client: Any = scope.get("client")
            key, bucket = "login:" + (client[0] if client else "unknown"), self.logins
        else:
            key, bucket = self._key(scope), self.bucket
        if bucket.take(key):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4429, "reason": "rate limited"})
            return
        wait = str(bucket.retry_after(key))
        await _send_error(send, 429, "rate_limited", "too many requests", retry_after=wait)

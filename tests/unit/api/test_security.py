"""Tokens, the role table, the secret, and the two middlewares on their own."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jwt
import pytest

from optionswarm.api.middleware import BodyLimitMiddleware, RateLimitMiddleware, TokenBucket
from optionswarm.api.security import ROLE_PERMISSIONS, Permission, Security, TokenError
from optionswarm.api.testkit import security_for
from optionswarm.config import ApiSettings


def test_a_token_names_its_user_and_dies_at_its_expiry() -> None:
    security = security_for(token_ttl_s=60)
    user = security.users.users["trader"]
    principal = security.verify(security.issue(user))
    assert (principal.username, principal.role) == ("trader", "trader")
    assert Permission.ORDERS in principal.permissions
    assert Permission.APPROVE not in principal.permissions
    claims = jwt.decode(security.issue(user), security.secret, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60
    with pytest.raises(TokenError):
        security.verify("a.b.c")


def test_the_roles_follow_the_contract() -> None:
    assert ROLE_PERMISSIONS["viewer"] == {Permission.READ}
    assert Permission.APPROVE not in ROLE_PERMISSIONS["trader"]
    assert Permission.ORDERS not in ROLE_PERMISSIONS["approver"]
    assert Permission.KILL in ROLE_PERMISSIONS["approver"]
    only_admin = {
        Permission.CONFIG,
        Permission.BREAKERS,
        Permission.RELEASE,
        Permission.AUDIT_EXPORT,
    }
    for role in ("viewer", "trader", "approver"):
        assert not only_admin & ROLE_PERMISSIONS[role]


def test_the_secret_comes_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTIONSWARM_API_SECRET", "e" * 40)
    assert Security.from_settings(ApiSettings(state_dir=tmp_path)).secret == b"e" * 40
    monkeypatch.delenv("OPTIONSWARM_API_SECRET")
    secret_file = tmp_path / "secret"
    secret_file.write_text("f" * 33 + "\n")
    from_file = Security.from_settings(ApiSettings(state_dir=tmp_path, secret_file=secret_file))
    assert from_file.secret == b"f" * 33
    generated = Security.from_settings(ApiSettings(state_dir=tmp_path))
    assert len(generated.secret) == 32
    assert "secret" not in repr(generated).split("secret=")[-1][:3]
    secret_file.write_text("short")
    with pytest.raises(ValueError, match="32 bytes"):
        Security.from_settings(ApiSettings(state_dir=tmp_path, secret_file=secret_file))


def test_a_bucket_allows_a_burst_then_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(60, clock=lambda: now[0])  # one a second, a minute's burst
    assert all(bucket.take("a") for _ in range(60))
    assert not bucket.take("a")
    assert bucket.take("b")
    assert bucket.retry_after("a") >= 1
    now[0] = 1.0
    assert bucket.take("a")
    assert not bucket.take("a")


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.called = False

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)


def _http(chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[dict[str, Any], Any]:
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    scope = {"type": "http", "headers": headers, "client": ("10.0.0.1", 5)}
    return scope, receive


@pytest.mark.parametrize(
    ("chunks", "headers", "status"),
    [
        ([b"x" * 10, b"y" * 10], [], 200),
        ([b"x" * 60, b"y" * 60], [], 413),
        ([b"x"], [(b"content-length", b"500")], 413),
        ([b"x"], [(b"content-length", b"nonsense")], 413),
    ],
)
def test_the_body_limit_counts_streamed_chunks_too(
    chunks: list[bytes], headers: list[tuple[bytes, bytes]], status: int
) -> None:
    recorder = _Recorder()
    middleware = BodyLimitMiddleware(recorder.app, max_bytes=100)
    scope, receive = _http(chunks, headers)
    asyncio.run(middleware(scope, receive, recorder.send))
    assert recorder.messages[0]["status"] == status
    if status == 413:
        assert not recorder.called
        assert json.loads(recorder.messages[1]["body"])["detail"]["code"] == "body_too_large"
    else:
        assert recorder.messages[1]["body"] == b"".join(chunks)


def test_rate_limit_keys_by_user_token_else_address() -> None:
    security = security_for(rate_limit_per_minute=2)
    token = security.issue(security.users.users["viewer"])
    recorder = _Recorder()
    limiter = RateLimitMiddleware(recorder.app, security)
    by_user = [(b"authorization", f"Bearer {token}".encode())]

    def status(headers: list[tuple[bytes, bytes]]) -> int:
        recorder.messages.clear()
        scope, receive = _http([b""], headers)
        asyncio.run(limiter(scope, receive, recorder.send))
        return int(recorder.messages[0]["status"])

    assert [status(by_user) for _ in range(3)] == [200, 200, 429]
    assert [status([]) for _ in range(3)] == [200, 200, 429]  # the address has its own bucket
    assert status([(b"authorization", b"Bearer forged")]) == 429  # a bad token: the address
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    ws = {"type": "websocket", "headers": [], "client": ("10.0.0.1", 5), "query_string": b""}
    asyncio.run(limiter(ws, None, send))  # type: ignore[arg-type]
    assert sent == [{"type": "websocket.close", "code": 4429, "reason": "rate limited"}]

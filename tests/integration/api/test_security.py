"""Authentication, token lifetime, rate limits and CORS on real servers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from optionswarm.api.testkit import PASSWORD, ServerThread, SmallRuntime, bearer, security_for


def _login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def test_logins_succeed_or_fail_and_both_are_audited(
    server: ServerThread, client: httpx.Client
) -> None:
    before = server.call(lambda: server.runtime.audit.size)
    good = _login(client, "approver")
    assert good.status_code == 200
    token = good.json()
    assert token["role"] == "approver"
    assert token["expires_in"] == 900
    me = client.get("/api/auth/me", headers=bearer(token["access_token"])).json()
    assert me == {"username": "approver", "role": "approver", "permissions": me["permissions"]}
    assert "approvals.decide" in me["permissions"]
    assert "orders.write" not in me["permissions"]
    assert _login(client, "approver", "wrong password").status_code == 401
    assert _login(client, "nobody").status_code == 401
    page = server.call(lambda: server.service.audit_ops.records(None, before - 1, 100))
    logins = [(r.kind, r.payload["actor"]) for r in page.records if r.kind.startswith("auth.")]
    assert logins == [
        ("auth.login", "approver"),
        ("auth.login_failed", "approver"),
        ("auth.login_failed", "nobody"),
    ]
    assert all(PASSWORD not in str(r.payload) for r in page.records)


def test_expired_tampered_and_orphaned_tokens_are_refused(
    server: ServerThread, client: httpx.Client
) -> None:
    secret = server.app.state.security.secret
    now = int(time.time())
    expired = jwt.encode(
        {"sub": "admin", "role": "admin", "iat": now - 100, "exp": now - 1}, secret
    )
    orphan = jwt.encode({"sub": "ghost", "role": "admin", "iat": now, "exp": now + 60}, secret)
    foreign = jwt.encode({"sub": "admin", "role": "admin", "iat": now, "exp": now + 60}, b"x" * 32)
    unsigned = jwt.encode({"sub": "admin", "iat": now, "exp": now + 60}, None, algorithm="none")
    for token in (expired, orphan, foreign, unsigned):
        reply = client.get("/api/status", headers=bearer(token))
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    state: Path = tmp_path_factory.mktemp("limited")
    security = security_for(
        rate_limit_per_minute=6, login_per_minute=3, cors_origins=("http://localhost:3000",)
    )
    thread = ServerThread(SmallRuntime(state), security).start()
    yield thread
    thread.stop()


def test_a_caller_over_its_rate_is_told_to_wait_and_others_are_not(limited: ServerThread) -> None:
    with httpx.Client(base_url=limited.url) as client:
        token = _login(client, "viewer").json()["access_token"]  # 1 from the address's bucket
        statuses = [client.get("/api/status", headers=bearer(token)).status_code for _ in range(8)]
        assert statuses[:6] == [200] * 6
        assert statuses[6:] == [429, 429]
        refused = client.get("/api/status", headers=bearer(token))
        assert refused.json()["detail"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        other = _login(client, "trader").json()["access_token"]  # logins have their own bucket
        assert client.get("/api/status", headers=bearer(other)).status_code == 200
        assert _login(client, "trader", "guess").status_code == 401
        guessing = _login(client, "trader", "guess again")
        assert guessing.status_code == 429  # 3 logins a minute from one address
        assert guessing.json()["detail"]["code"] == "rate_limited"


def test_cors_answers_only_configured_origins(limited: ServerThread, server: ServerThread) -> None:
    preflight = {
        "Origin": "http://localhost:3000",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    with httpx.Client() as client:
        allowed = client.options(f"{limited.url}/api/status", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        evil = client.options(
            f"{limited.url}/api/status", headers={**preflight, "Origin": "http://evil"}
        )
        assert "access-control-allow-origin" not in evil.headers
        default = client.get(f"{server.url}/health", headers={"Origin": "http://localhost:3000"})
        assert "access-control-allow-origin" not in default.headers

"""A real API server for the module's tests: uvicorn on a free loopback port, one user a role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from optionswarm.api.testkit import PASSWORD, ServerThread, SmallRuntime, security_for

ROLES = ("viewer", "trader", "approver", "admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    state: Path = tmp_path_factory.mktemp("api-state")
    thread = ServerThread(SmallRuntime(state), security_for(rate_limit_per_minute=1_000_000))
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def tokens(server: ServerThread) -> dict[str, str]:
    out = {}
    with httpx.Client(base_url=server.url) as client:
        for role in ROLES:
            reply = client.post("/api/auth/login", json={"username": role, "password": PASSWORD})
            reply.raise_for_status()
            out[role] = reply.json()["access_token"]
    return out


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        yield http

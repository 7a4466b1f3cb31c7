"""The WebSocket stream over a real connection: hello, ping/pong, live events, token checks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from optionswarm.api.testkit import PASSWORD, ServerThread, SmallRuntime, bearer, security_for
from optionswarm.risk.testkit import option_symbol, standard_chain


def _ws_url(server: ServerThread, token: str) -> str:
    return f"ws://127.0.0.1:{server.port}/api/stream?token={token}"


def _until(ws: ClientConnection, wanted: set[str], timeout: float = 10.0) -> dict[str, list[Any]]:
    """Messages by type until every wanted type was seen."""
    seen: dict[str, list[Any]] = {}
    deadline = time.monotonic() + timeout
    while not wanted <= seen.keys():
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        seen.setdefault(message["type"], []).append(message)
    return seen


def test_a_client_gets_hello_pong_and_live_events(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    with connect(_ws_url(server, tokens["viewer"])) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello"
        assert hello["data"]["role"] == "viewer"
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "pong"

        resumed = client.post("/api/replay/resume", headers=bearer(tokens["trader"]))
        assert resumed.status_code == 200
        seen = _until(ws, {"quote", "chain"})
        assert seen["quote"][0]["data"]["symbol"] == "SPY"
        assert seen["chain"][0]["data"]["rows"] > 0
        seqs = [m["seq"] for group in seen.values() for m in group]
        assert len(set(seqs)) == len(seqs)

        chain = standard_chain()
        order = {
            "underlying": "SPY",
            "legs": [{"symbol": option_symbol(chain, 100.0, call=True), "side": "buy"}],
            "quantity": 7,
            "limit_price": None,
        }
        placed = client.post("/api/orders", json=order, headers=bearer(tokens["trader"]))
        assert placed.status_code == 201
        events = _until(ws, {"order", "approval"})
        cid = placed.json()["client_order_id"]
        assert any(m["data"]["client_order_id"] == cid for m in events["order"])
        requested = [m["data"]["request"] for m in events["approval"] if "request" in m["data"]]
        assert any(r["client_order_id"] == cid for r in requested)


def test_a_bad_token_is_refused_before_the_handshake_and_audited(server: ServerThread) -> None:
    before = server.call(lambda: server.runtime.audit.size)
    with pytest.raises(InvalidStatus) as refused, connect(_ws_url(server, "not-a-token")):
        pass
    assert refused.value.response.status_code == 403
    page = server.call(lambda: server.service.audit_ops.records("auth.denied", before - 1, 10))
    assert [r.payload["path"] for r in page.records] == ["/api/stream"]


def test_a_slow_client_never_holds_up_the_node(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    with connect(_ws_url(server, tokens["admin"])) as ws:
        json.loads(ws.recv(timeout=5))  # hello, then read nothing more
        admin = bearer(tokens["admin"])
        for _ in range(3):
            killed = client.post("/api/risk/kill", json={"reason": "drill"}, headers=admin)
            assert killed.status_code == 200
        client.post("/api/risk/release", headers=admin)
        assert client.post("/api/risk/release", headers=admin).status_code == 200
        assert client.get("/api/risk", headers=admin).json()["trading_state"] == "active"
        assert server.call(lambda: server.runtime.hub.subscribers) == 1


def _drain(ws: ClientConnection) -> None:
    while True:
        ws.recv(timeout=5)


def test_the_stream_closes_when_the_token_expires(tmp_path: Path) -> None:
    server = ServerThread(SmallRuntime(tmp_path), security_for(token_ttl_s=3)).start()
    try:
        login = {"username": "viewer", "password": PASSWORD}
        token = httpx.post(f"{server.url}/api/auth/login", json=login).json()["access_token"]
        with connect(_ws_url(server, token)) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "hello"
            with pytest.raises(ConnectionClosed) as closed:
                _drain(ws)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
    finally:
        server.stop()

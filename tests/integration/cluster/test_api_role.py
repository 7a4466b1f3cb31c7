"""The api role over real NATS and real HTTP: the API in its own server, the node behind another.

A real node (the API tests' ``SmallRuntime``) runs behind its own in-process API (the reference)
and serves its ``TradingService`` on ``cluster.service`` and its hub on ``stream.events``, as the
trading role does. The api role's app (``build_api_role``: users and secret from its ``[api]``
files) runs in a second server on ``RemoteTradingService``. Each test has its own NATS prefix.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.sync.client import ClientConnection, connect

from optionswarm.api.testkit import (
    FAST_HASHER,
    PASSWORD,
    ServerThread,
    SmallRuntime,
    bearer,
    loopback_uvicorn,
    put_spread_order,
    security_for,
)
from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus, NatsBusConfig
from optionswarm.cluster.api_role import api_bus, build_api_role
from optionswarm.cluster.service_rpc import SERVICE, ServiceCall, ServiceReply, serve_service
from optionswarm.cluster.stream_bridge import StreamPublisher
from optionswarm.config import Settings
from optionswarm.risk.testkit import standard_chain
from optionswarm.service.users import hash_password

pytestmark = pytest.mark.service

ROLES = ("viewer", "trader", "approver", "admin")
CHAIN = standard_chain()


class AppServer:
    """uvicorn serving one app on a free loopback port, in a thread with its own loop."""

    def __init__(self, app: FastAPI) -> None:
        self.server, self.port = loopback_uvicorn(app)
        self._thread = threading.Thread(target=self._run, name="api-role-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self) -> AppServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the api role's server did not start"
            assert self._thread.is_alive(), "the api role's server failed"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=20)


def _api_settings(state_dir: Path, prefix: str) -> Settings:
    """The api role's settings: a users file with one user a role, a secret file, NATS."""
    state_dir.mkdir(parents=True)
    users = state_dir / "users.toml"
    users.write_text(
        "".join(
            f'[[users]]\nusername = "{role}"\nrole = "{role}"\n'
            f'password_hash = "{hash_password(PASSWORD, FAST_HASHER)}"\n\n'
            for role in ROLES
        )
    )
    secret = state_dir / "secret"
    secret.write_text(secrets.token_urlsafe(48))
    return Settings.model_validate(
        {
            "api": {
                "state_dir": str(state_dir),
                "users_file": str(users),
                "secret_file": str(secret),
                "rate_limit_per_minute": 1_000_000,
                "login_per_minute": 1_000,
            },
            "bus": {"kind": "nats", "prefix": prefix},
        }
    )


def _tokens(url: str) -> dict[str, str]:
    out = {}
    with httpx.Client(base_url=url, timeout=10) as client:
        for role in ROLES:
            reply = client.post("/api/auth/login", json={"username": role, "password": PASSWORD})
            assert reply.status_code == 200, reply.text
            out[role] = reply.json()["access_token"]
    return out


def _prefix() -> str:
    return f"t{secrets.token_hex(5)}"


def _nats(prefix: str, consumer: str) -> NatsBus:
    try:
        return NatsBus(NatsBusConfig(prefix=prefix, consumer=consumer, request_timeout_s=5.0))
    except BusError as error:
        pytest.skip(f"NATS is not reachable on 127.0.0.1:4222: {error}")


@dataclass
class Cluster:
    """The node behind its own API, and the api role over NATS."""

    node: ServerThread
    api: AppServer
    node_http: httpx.Client
    api_http: httpx.Client
    node_tokens: dict[str, str]
    api_tokens: dict[str, str]

    def both(self, method: str, path: str, role: str = "viewer", **kw: Any) -> tuple[Any, Any]:
        """The same request to the node's API and to the api role's."""
        here = self.node_http.request(method, path, headers=bearer(self.node_tokens[role]), **kw)
        there = self.api_http.request(method, path, headers=bearer(self.api_tokens[role]), **kw)
        return here, there

    def api_call(self, method: str, path: str, role: str, **kw: Any) -> httpx.Response:
        """A request to the api role as ``role``."""
        return self.api_http.request(method, path, headers=bearer(self.api_tokens[role]), **kw)

    def audit_since(self, seq: int) -> list[tuple[str, Any]]:
        """(kind, actor) of the node's audit records from ``seq`` on, read on the node."""
        service = self.node.service
        page = self.node.call(lambda: service.audit_ops.records(None, seq - 1, 1000))
        return [(r.kind, r.payload.get("actor")) for r in page.records]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    prefix = _prefix()
    trading_bus = _nats(prefix, "trading")
    node = ServerThread(
        SmallRuntime(tmp_path / "node"), security_for(rate_limit_per_minute=1_000_000)
    ).start()
    serve_service(trading_bus, node.service, node.call)
    publisher = StreamPublisher(node.runtime.hub, trading_bus, node.call)
    node.call(publisher.start)
    app, close = build_api_role(_api_settings(tmp_path / "api", prefix))
    api = AppServer(app).start()
    try:
        with (
            httpx.Client(base_url=node.url, timeout=10) as node_http,
            httpx.Client(base_url=api.url, timeout=10) as api_http,
        ):
            yield Cluster(node, api, node_http, api_http, _tokens(node.url), _tokens(api.url))
    finally:
        api.stop()
        close()
        node.call(publisher.stop)
        trading_bus.delete_streams()
        trading_bus.close()
        node.stop()


_spread = put_spread_order


def _approve_on_node(cluster: Cluster, client_order_id: str) -> None:
    node, http = cluster.node, cluster.node_http
    approver = bearer(cluster.node_tokens["approver"])
    (request,) = [
        a
        for a in http.get("/api/approvals", headers=approver).json()
        if a["client_order_id"] == client_order_id
    ]
    approved = http.post(f"/api/approvals/{request['request_id']}/approve", headers=approver)
    assert approved.status_code == 200
    node.call(node.runtime.publish_chain)  # the paper broker fills on the next market data


READS = (
    "/health",
    "/ready",
    "/metrics",
    "/api/status",
    "/api/replay",
    "/api/portfolio",
    "/api/positions",
    "/api/structures",
    "/api/orders",
    "/api/orders?state=pending_approval&limit=5",
    "/api/orders/same-1",
    "/api/fills",
    "/api/agents",
    "/api/decisions",
    "/api/chain",
    "/api/chain?underlying=SPY",
    "/api/approvals",
    "/api/approvals?status=pending",
    "/api/risk",
    "/api/audit?limit=1000",
    "/api/audit?kind=auth.login",
    "/api/audit/verify",
    "/api/config",
    "/api/backtests",
    "/api/auth/me",
)


def test_every_read_answers_the_same_body_through_the_api_role(cluster: Cluster) -> None:
    trader = bearer(cluster.node_tokens["trader"])
    assert cluster.node_http.post("/api/orders", json=_spread("same-1", 2), headers=trader)
    _approve_on_node(cluster, "same-1")
    pending = cluster.node_http.post("/api/orders", json=_spread("same-2", 3), headers=trader)
    assert pending.json()["state"] == "pending_approval"
    compared = 0
    for path in READS:
        here, there = cluster.both("GET", path)
        assert there.status_code == here.status_code == 200, (path, there.text)
        if here.headers["content-type"].startswith("application/json"):
            assert there.json() == here.json(), path
        else:
            assert there.content == here.content, path
        compared += 1
    assert compared == len(READS)
    orders = {
        o["client_order_id"]: o["state"]
        for o in cluster.api_call("GET", "/api/orders", "viewer").json()
    }
    assert orders == {"same-1": "filled", "same-2": "pending_approval"}
    approvals = cluster.api_call("GET", "/api/approvals?status=pending", "viewer").json()
    one = cluster.both("GET", f"/api/approvals/{approvals[0]['request_id']}")
    assert one[1].json() == one[0].json()
    proof = cluster.api_call("GET", "/api/audit/records/1/proof", "viewer")
    assert proof.status_code == 200
    assert proof.json()["verified"] is True
    exported = cluster.api_call("GET", "/api/audit/export", "admin")
    assert exported.status_code == 200
    assert exported.content[:2] == b"PK"  # a zip, carried as bytes


def test_an_approval_and_the_kill_switch_through_the_api_role_act_on_the_node(
    cluster: Cluster,
) -> None:
    node, service = cluster.node, cluster.node.service
    start = node.call(lambda: node.runtime.audit.size)  # the next record's seq
    placed = cluster.api_call("POST", "/api/orders", "trader", json=_spread("role-1", 2))
    assert placed.status_code == 201
    assert placed.json()["state"] == "pending_approval"
    (request,) = cluster.api_call("GET", "/api/approvals?status=pending", "approver").json()
    path = f"/api/approvals/{request['request_id']}/approve"
    approved = cluster.api_call("POST", path, "approver", json={"comment": "fine"})
    assert approved.status_code == 200
    assert approved.json()["decided_by"] == "approver"
    node.call(node.runtime.publish_chain)
    assert node.call(lambda: service.order("role-1").state) == "filled"
    assert cluster.api_call("GET", "/api/orders/role-1", "viewer").json()["state"] == "filled"

    killed = cluster.api_call("POST", "/api/risk/kill", "admin", json={"reason": "drill"})
    assert killed.status_code == 200
    assert killed.json()["risk"]["trading_state"] == "halted"
    risk = node.call(service.risk.status)
    assert (risk.kill_engaged, risk.trading_state.value) == (True, "halted")
    paused = cluster.api_call("POST", "/api/replay/pause", "trader")
    assert paused.json()["state"] == "paused"  # a coroutine method, run on the node's loop

    kinds = cluster.audit_since(start)
    assert ("api.order_submitted", "trader") in kinds
    assert ("api.kill", "admin") in kinds
    assert ("api.replay_pause", "trader") in kinds
    assert ("approval.granted", "approver") in kinds
    assert node.call(service.audit_ops.verify).ok


def test_service_errors_keep_their_status_and_body_through_the_api_role(cluster: Cluster) -> None:
    trader = bearer(cluster.node_tokens["trader"])
    cluster.node_http.post("/api/orders", json=_spread("err-1", 1), headers=trader)
    cases = (
        ("GET", "/api/orders/nope", "viewer", None, 404),
        ("GET", "/api/approvals/apr-nope", "viewer", None, 404),
        ("GET", "/api/backtests/job-nope", "viewer", None, 404),
        ("GET", "/api/chain?underlying=QQQ", "viewer", None, 404),
        ("POST", "/api/risk/release", "admin", None, 409),
        ("POST", "/api/risk/breakers/latency/reset", "admin", None, 409),
        ("POST", "/api/orders", "trader", _spread("err-1", 1), 409),
        ("PATCH", "/api/config", "admin", {"changes": {"strategy.wing_delta": 0.9}}, 422),
    )
    for method, path, role, body, status in cases:
        here, there = cluster.both(method, path, role, json=body)
        assert here.status_code == status, (path, here.text)
        assert (there.status_code, there.json()) == (status, here.json()), path
    missing = cluster.api_call("GET", "/api/orders/nope", "viewer").json()["detail"]
    assert missing["code"] == "order_not_found"


def test_the_api_role_answers_503_while_no_trading_role_serves(tmp_path: Path) -> None:
    _nats(_prefix(), "probe").close()  # skip here too when NATS is down
    settings = _api_settings(tmp_path / "api", _prefix())
    bus = api_bus(settings)
    app, close = build_api_role(settings, bus=bus)
    api = AppServer(app).start()
    try:
        security = app.state.security
        token = security.issue(security.users.users["viewer"])  # a login is audited: 503 too
        with httpx.Client(base_url=api.url, timeout=10) as http:
            assert http.get("/health").status_code == 200  # this process is alive
            for path in ("/api/status", "/ready", "/api/portfolio", "/metrics"):
                reply = http.get(path, headers=bearer(token))
                assert reply.status_code == 503, path
                detail = reply.json()["detail"]
                assert detail["code"] == "trading_unavailable"
                assert detail["message"].startswith("trading role unavailable")
            login = http.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD})
            assert login.status_code == 503
    finally:
        api.stop()
        bus.delete_streams()
        close()


def _until(ws: ClientConnection, wanted: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message: dict[str, Any] = json.loads(
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        )
        if message["type"] == wanted:
            return message


def test_a_stream_client_of_the_api_role_receives_the_node_s_events(cluster: Cluster) -> None:
    url = f"ws://127.0.0.1:{cluster.api.port}/api/stream?token={cluster.api_tokens['viewer']}"
    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello"
        assert hello["data"]["node_ts_ns"] == cluster.node.call(cluster.node.service.now_ns)
        killed = cluster.api_call("POST", "/api/risk/kill", "admin", json={"reason": "drill"})
        assert killed.status_code == 200
        state = _until(ws, "state")
        cluster.node.call(cluster.node.runtime.publish_chain)
        chain = _until(ws, "chain")
    recent = {m["seq"]: m for m in cluster.node.call(lambda: list(cluster.node.runtime.hub.recent))}
    assert json.loads(json.dumps(recent[state["seq"]])) == state  # the node's own event, as is
    assert json.loads(json.dumps(recent[chain["seq"]])) == chain
    assert chain["data"]["rows"] == len(CHAIN)


def test_a_trading_role_that_answers_too_late_is_503_not_500(tmp_path: Path) -> None:
    prefix = _prefix()
    stuck = _nats(prefix, "trading")
    release = threading.Event()

    def too_slow(call: ServiceCall) -> ServiceReply:
        release.wait(5)
        return ServiceReply()

    stuck.register_responder(SERVICE, too_slow)
    settings = _api_settings(tmp_path / "api", prefix)
    bus = api_bus(settings, request_timeout_s=0.3)
    app, close = build_api_role(settings, bus=bus)
    api = AppServer(app).start()
    try:
        security = app.state.security
        token = security.issue(security.users.users["viewer"])
        with httpx.Client(base_url=api.url, timeout=10) as http:
            reply = http.get("/api/risk", headers=bearer(token))
        assert reply.status_code == 503
        assert reply.json()["detail"]["code"] == "trading_unavailable"
        assert "timed out" in reply.json()["detail"]["message"]
    finally:
        release.set()
        api.stop()
        bus.delete_streams()
        close()
        stuck.close()

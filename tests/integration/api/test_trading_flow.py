"""Scenarios over real HTTP: a manual order through approval to a fill, four eyes, cancel, the
kill switch and breakers; every action lands in the audit log with its actor."""

from __future__ import annotations

from typing import Any

import httpx

from optionswarm.api.testkit import ServerThread, bearer, put_spread_order
from optionswarm.risk.testkit import option_symbol, standard_chain

CHAIN = standard_chain()


_spread = put_spread_order


def _kinds_since(server: ServerThread, seq: int) -> list[tuple[str, Any]]:
    page = server.call(lambda: server.service.audit_ops.records(None, seq - 1, 1000))
    return [(r.kind, r.payload.get("actor")) for r in page.records]


def test_a_manual_order_waits_for_an_approver_then_fills(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    start = server.call(lambda: server.runtime.audit.size)
    trader, approver = bearer(tokens["trader"]), bearer(tokens["approver"])
    placed = client.post("/api/orders", json=_spread("flow-1", 2), headers=trader)
    assert placed.status_code == 201
    assert placed.json()["state"] == "pending_approval"
    pending = client.get("/api/approvals", params={"status": "pending"}, headers=trader).json()
    (request,) = [a for a in pending if a["client_order_id"] == "flow-1"]
    assert request["placed_by"] == "trader"
    assert request["max_loss"] > 0
    assert {r["code"] for r in request["reasons"]} >= {"manual_order"}
    assert request["risk_checks"]
    path = f"/api/approvals/{request['request_id']}"
    assert client.post(f"{path}/approve", json={}, headers=trader).status_code == 403
    approved = client.post(f"{path}/approve", json={"comment": "fine"}, headers=approver)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "approver"
    again = client.post(f"{path}/reject", json={}, headers=approver)
    assert again.status_code == 409
    assert again.json()["detail"]["code"] == "already_decided"

    server.call(server.runtime.publish_chain)  # the paper broker fills on the next market data
    order = client.get("/api/orders/flow-1", headers=trader).json()
    assert order["state"] == "filled"
    assert order["filled_quantity"] == 2
    assert order["avg_fill_price"] is not None
    assert order["avg_fill_price"] < 0  # a credit
    fills = [
        f
        for f in client.get("/api/fills", headers=trader).json()
        if f["client_order_id"] == "flow-1"
    ]
    assert sorted((f["side"], f["quantity"]) for f in fills) == [("buy", 2), ("sell", 2)]
    positions = {p["symbol"]: p for p in client.get("/api/positions", headers=trader).json()}
    assert positions[option_symbol(CHAIN, 95.0, call=False)]["quantity"] == -2
    assert positions[option_symbol(CHAIN, 90.0, call=False)]["structure_id"] == "flow-1"
    structures = client.get("/api/structures", headers=trader).json()
    assert [s["structure_id"] for s in structures] == ["flow-1"]
    assert structures[0]["max_loss"] == request["max_loss"]
    risk = client.get("/api/risk", headers=trader).json()
    assert risk["usage"]["positions"] == 2.0
    kinds = _kinds_since(server, start)
    assert ("api.order_submitted", "trader") in kinds
    assert ("approval.granted", None) in kinds or any(k == "approval.granted" for k, _ in kinds)


def test_no_one_approves_their_own_order_and_a_rejected_order_never_executes(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    admin, approver = bearer(tokens["admin"]), bearer(tokens["approver"])
    assert client.post("/api/orders", json=_spread("flow-2", 3), headers=admin).status_code == 201
    request_id = client.get("/api/orders/flow-2", headers=admin).json()["client_order_id"]
    (request,) = [
        a
        for a in client.get("/api/approvals", headers=admin).json()
        if a["client_order_id"] == request_id
    ]
    path = f"/api/approvals/{request['request_id']}"
    own = client.post(f"{path}/approve", json={"comment": "mine"}, headers=admin)
    assert own.status_code == 409
    assert own.json()["detail"]["code"] == "self_approval"
    rejected = client.post(f"{path}/reject", json={"comment": "too big"}, headers=approver)
    assert rejected.json()["status"] == "rejected"
    server.call(server.runtime.publish_chain)
    assert client.get("/api/orders/flow-2", headers=admin).json()["state"] == "denied"


def test_cancel_an_order_waiting_for_approval(client: httpx.Client, tokens: dict[str, str]) -> None:
    trader = bearer(tokens["trader"])
    client.post("/api/orders", json=_spread("flow-3", 1), headers=trader)
    assert (
        client.post("/api/orders/flow-3/cancel", headers=bearer(tokens["approver"])).status_code
        == 403
    )
    cancelled = client.post("/api/orders/flow-3/cancel", headers=trader)
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    again = client.post("/api/orders/flow-3/cancel", headers=trader)
    assert again.status_code == 409
    assert again.json()["detail"]["code"] == "not_cancellable"
    duplicate = client.post("/api/orders", json=_spread("flow-3", 1), headers=trader)
    assert duplicate.status_code == 409


def test_kill_switch_halts_and_release_lifts_it_step_by_step(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    start = server.call(lambda: server.runtime.audit.size)
    approver, admin, trader = (bearer(tokens[r]) for r in ("approver", "admin", "trader"))
    killed = client.post("/api/risk/kill", json={"reason": "drill"}, headers=approver)
    assert killed.status_code == 200
    assert killed.json()["risk"]["trading_state"] == "halted"
    assert killed.json()["risk"]["kill_engaged"] is True
    refused = client.post("/api/orders", json=_spread("flow-4", 4), headers=trader)
    assert refused.status_code == 201
    assert refused.json()["state"] == "denied"
    assert refused.json()["reason"]
    assert client.post("/api/risk/release", headers=trader).status_code == 403
    first = client.post("/api/risk/release", headers=admin).json()
    assert first["risk"]["trading_state"] == "reducing"
    second = client.post("/api/risk/release", headers=admin).json()
    assert second["risk"]["trading_state"] == "active"
    third = client.post("/api/risk/release", headers=admin)
    assert third.status_code == 409
    kinds = _kinds_since(server, start)
    assert ("api.kill", "approver") in kinds
    assert kinds.count(("api.release", "admin")) == 2


def test_a_breaker_tripped_by_hand_holds_until_reset(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    tripped = client.post(
        "/api/risk/breakers/latency/trip", json={"reason": "drill"}, headers=admin
    )
    assert tripped.status_code == 200
    risk = tripped.json()["risk"]
    assert risk["trading_state"] == "reducing"
    (latency,) = [b for b in risk["breakers"] if b["name"] == "latency"]
    assert latency["tripped"]
    assert latency["needs_reset"]
    assert "drill" in latency["reason"]
    twice = client.post("/api/risk/breakers/latency/trip", json={"reason": "x"}, headers=admin)
    assert twice.status_code == 409
    held = client.post("/api/risk/release", headers=admin)
    assert held.status_code == 409
    assert held.json()["detail"]["code"] == "breakers_still_tripped"
    assert client.post("/api/risk/breakers/latency/reset", headers=admin).status_code == 200
    not_tripped = client.post("/api/risk/breakers/latency/reset", headers=admin)
    assert not_tripped.json()["detail"]["code"] == "not_tripped"
    released = client.post("/api/risk/release", headers=admin).json()
    assert released["risk"]["trading_state"] == "active"


def test_replay_pause_and_resume_are_audited(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    trader = bearer(tokens["trader"])
    paused = client.post("/api/replay/pause", headers=trader).json()
    assert paused["state"] == "paused"
    assert client.get("/api/status", headers=trader).json()["replay"]["state"] == "paused"
    start = server.call(lambda: server.runtime.audit.size)
    resumed = client.post("/api/replay/resume", headers=trader).json()
    assert resumed["state"] in {"running", "finished"}
    assert ("api.replay_resume", "trader") in _kinds_since(server, start)

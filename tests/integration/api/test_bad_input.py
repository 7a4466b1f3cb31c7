"""Bad input gets a 4xx with a clear message and changes nothing (real HTTP)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from optionswarm.api.testkit import bearer
from optionswarm.risk.testkit import option_symbol, standard_chain

PUT = option_symbol(standard_chain(), 95.0, call=False)


def _state(client: httpx.Client, headers: dict[str, str]) -> tuple[object, ...]:
    orders = client.get("/api/orders", headers=headers).json()
    risk = client.get("/api/risk", headers=headers).json()
    config = client.get("/api/config", headers=headers).json()["pending_changes"]
    jobs = client.get("/api/backtests", headers=headers).json()
    risk.pop("ts_ns")
    return (orders, risk, config, jobs)


BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    # method, path, httpx kwargs, status, code
    (
        "POST",
        "/api/orders",
        {
            "content": b'{"underlying": "SPY", "legs": [',
            "headers": {"content-type": "application/json"},
        },
        400,
        "malformed_json",
    ),
    (
        "POST",
        "/api/orders",
        {"json": {"underlying": "SPY", "legs": [], "quantity": 1}},
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {"json": {"underlying": "SPY", "legs": [{"symbol": PUT, "side": "short"}], "quantity": 1}},
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {
            "json": {
                "underlying": "SPY",
                "legs": [{"symbol": PUT, "side": "sell"}],
                "quantity": "1x",
            }
        },
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {
            "json": {
                "underlying": "SPY",
                "legs": [{"symbol": PUT, "side": "sell"}],
                "quantity": 1,
                "extra": 1,
            }
        },
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {
            "json": {
                "underlying": "SPY",
                "legs": [{"symbol": "NOT AN OPTION", "side": "sell"}],
                "quantity": 1,
            }
        },
        422,
        "invalid_order",
    ),
    (
        "POST",
        "/api/orders",
        {
            "json": {
                "underlying": "SPY",
                "legs": [{"symbol": PUT, "side": "sell"}],
                "quantity": 1,
                "limit_price": "NaN",
            }
        },
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {
            "json": {
                "underlying": "SPY",
                "legs": [{"symbol": PUT, "side": "sell"}],
                "quantity": 1,
                "client_order_id": "bad id!",
            }
        },
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/orders",
        {"content": b"x" * 70_000, "headers": {"content-type": "application/json"}},
        413,
        "body_too_large",
    ),
    ("POST", "/api/orders/nope/cancel", {}, 404, "order_not_found"),
    ("GET", "/api/orders/nope", {}, 404, "order_not_found"),
    ("GET", "/api/orders?limit=0", {}, 422, "validation_error"),
    ("GET", "/api/orders?state=sideways", {}, 422, "validation_error"),
    ("GET", "/api/approvals?status=maybe", {}, 422, "validation_error"),
    ("GET", "/api/audit?after_seq=abc", {}, 422, "validation_error"),
    ("GET", "/api/audit/records/99999/proof", {}, 404, "record_not_found"),
    ("GET", "/api/chain?underlying=QQQ", {}, 404, "no_chain"),
    ("GET", "/api/no/such/route", {}, 404, "not_found"),
    ("DELETE", "/api/orders", {}, 405, "method_not_allowed"),
    ("POST", "/api/risk/kill", {"json": {"reason": 5}}, 422, "validation_error"),
    ("POST", "/api/risk/breakers/nope/trip", {"json": {"reason": "x"}}, 404, "breaker_not_found"),
    ("POST", "/api/approvals/nope/approve", {"json": {"comment": 3}}, 422, "validation_error"),
    (
        "POST",
        "/api/backtests",
        {"json": {"start": "2018-13-01", "end": "2018-02-01"}},
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/backtests",
        {"json": {"start": "2018-03-01", "end": "2018-02-01"}},
        422,
        "validation_error",
    ),
    (
        "POST",
        "/api/backtests",
        {"json": {"start": "yesterday", "end": "2018-02-01"}},
        422,
        "validation_error",
    ),
    (
        "PATCH",
        "/api/config",
        {"json": {"changes": {"risk.heartbeat_s": -1}}},
        422,
        "validation_error",
    ),
    (
        "PATCH",
        "/api/config",
        {"json": {"changes": {"risk.no_such_key": 1}}},
        422,
        "validation_error",
    ),
    (
        "PATCH",
        "/api/config",
        {"json": {"changes": {"strategy.wing_delta": 0.5}}},
        422,
        "invalid_settings",
    ),
    (
        "PATCH",
        "/api/config",
        {"json": {"changes": {"api.users_file": "/tmp/u"}}},
        422,
        "validation_error",
    ),
    ("PATCH", "/api/config", {"json": {"changes": {"../etc": 1}}}, 422, "validation_error"),
    ("PATCH", "/api/config", {"json": {"changes": {"replay.speed": "5"}}}, 422, "validation_error"),
    ("POST", "/api/auth/login", {"json": {"username": "admin"}}, 422, "validation_error"),
    (
        "POST",
        "/api/auth/login",
        {"json": {"username": "admin", "password": "wrong"}},
        401,
        "bad_credentials",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[f"{m} {p} {s}" for m, p, _, s, _ in BAD])
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    client: httpx.Client,
    tokens: dict[str, str],
    case: tuple[str, str, dict[str, Any], int, str],
) -> None:
    method, path, kwargs, status, code = case
    admin = bearer(tokens["admin"])
    before = _state(client, admin)
    headers = (
        {**admin, **kwargs.pop("headers", {})} if isinstance(kwargs.get("headers"), dict) else admin
    )  # type: ignore[dict-item]
    reply = client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert reply.status_code == status, reply.text
    detail = reply.json()["detail"]
    assert detail["code"] == code
    assert len(detail["message"]) > 5
    assert _state(client, admin) == before


def test_a_chunked_body_over_the_limit_is_refused_without_content_length(
    client: httpx.Client, tokens: dict[str, str]
) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b" " * 5_000

    reply = client.post(
        "/api/orders",
        content=chunks(),  # type: ignore[arg-type]
        headers={**bearer(tokens["admin"]), "content-type": "application/json"},
    )
    assert reply.status_code == 413

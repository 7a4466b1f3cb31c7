"""Role enforcement on EVERY route, over real HTTP: each route x each role -> expected status.

Requests a role may make are shaped so that they stop right after the permission check without
changing anything (an unknown id -> 404, a body of the wrong shape -> 422, an action with nothing
to act on -> 409), so every cell of the table is deterministic. A route a role may not use -> 403;
no token or a bad one -> 401. A test checks that the table lists exactly the app's routes.
"""

from __future__ import annotations

import httpx
import pytest

from optionswarm.api.app import api_routes
from optionswarm.api.deps import route_permissions
from optionswarm.api.security import Permission
from optionswarm.api.testkit import ServerThread, bearer

P = Permission
NOBODY = None
# method, path, body (None: no body), minimal permission, status when permitted
TABLE: list[tuple[str, str, object, Permission | None, int]] = [
    ("GET", "/health", None, NOBODY, 200),
    ("GET", "/ready", None, NOBODY, 200),
    ("GET", "/metrics", None, NOBODY, 200),
    ("GET", "/api/auth/me", None, P.READ, 200),
    ("GET", "/api/status", None, P.READ, 200),
    ("GET", "/api/replay", None, P.READ, 200),
    ("POST", "/api/replay/pause", None, P.REPLAY, 200),
    ("POST", "/api/replay/resume", None, P.REPLAY, 200),
    ("GET", "/api/portfolio", None, P.READ, 200),
    ("GET", "/api/positions", None, P.READ, 200),
    ("GET", "/api/structures", None, P.READ, 200),
    ("GET", "/api/orders", None, P.READ, 200),
    ("GET", "/api/orders/no-such-order", None, P.READ, 404),
    ("POST", "/api/orders", {"quantity": "many"}, P.ORDERS, 422),
    ("POST", "/api/orders/no-such-order/cancel", None, P.ORDERS, 404),
    ("GET", "/api/fills", None, P.READ, 200),
    ("GET", "/api/agents", None, P.READ, 200),
    ("GET", "/api/decisions", None, P.READ, 200),
    ("GET", "/api/chain", None, P.READ, 200),
    ("GET", "/api/approvals", None, P.READ, 200),
    ("GET", "/api/approvals/apr-none", None, P.READ, 404),
    ("POST", "/api/approvals/apr-none/approve", {"comment": "ok"}, P.APPROVE, 404),
    ("POST", "/api/approvals/apr-none/reject", {"comment": "no"}, P.APPROVE, 404),
    ("GET", "/api/risk", None, P.READ, 200),
    ("POST", "/api/risk/kill", {"reason": ""}, P.KILL, 422),
    ("POST", "/api/risk/release", None, P.RELEASE, 409),
    ("POST", "/api/risk/breakers/none/trip", {"reason": "test"}, P.BREAKERS, 404),
    ("POST", "/api/risk/breakers/none/reset", None, P.BREAKERS, 404),
    ("GET", "/api/audit", None, P.READ, 200),
    ("GET", "/api/audit/verify", None, P.READ, 200),
    ("GET", "/api/audit/records/0/proof", None, P.READ, 200),
    ("GET", "/api/audit/export", None, P.AUDIT_EXPORT, 200),
    ("POST", "/api/backtests", {"strategy": "swarm"}, P.BACKTESTS, 422),
    ("GET", "/api/backtests", None, P.READ, 200),
    ("GET", "/api/backtests/bt-none", None, P.READ, 404),
    ("GET", "/api/backtests/bt-none/result", None, P.READ, 404),
    ("GET", "/api/backtests/bt-none/report", None, P.READ, 404),
    ("GET", "/api/config", None, P.READ, 200),
    ("PATCH", "/api/config", {"changes": {}}, P.CONFIG, 422),
]
# the contract's roles, written out here rather than read from the code under test
ALLOWED = {
    "viewer": {P.READ},
    "trader": {P.READ, P.ORDERS, P.KILL, P.REPLAY, P.BACKTESTS},
    "approver": {P.READ, P.APPROVE, P.KILL},
    "admin": set(Permission),
}
ROLES = tuple(ALLOWED)


def _call(client: httpx.Client, method: str, path: str, body: object, token: str | None) -> int:
    headers = bearer(token) if token else {}
    reply = client.request(method, path, json=body, headers=headers)
    assert reply.headers["content-type"].startswith(
        ("application/json", "application/zip", "text/plain")
    )
    return reply.status_code


def _template(path: str) -> str:
    replacements = {
        "no-such-order": "{client_order_id}",
        "apr-none": "{request_id}",
        "/none/": "/{name}/",
        "/0/": "/{seq}/",
        "bt-none": "{job_id}",
    }
    for concrete, template in replacements.items():
        path = path.replace(concrete, template)
    return path


def test_the_table_covers_every_route_with_its_permission(server: ServerThread) -> None:
    implemented = route_permissions(api_routes())
    implemented.pop(("POST", "/api/auth/login"))  # anyone may try to log in
    table = {(method, _template(path)): perm for method, path, _, perm, _ in TABLE}
    assert table == implemented


@pytest.mark.parametrize("role", ROLES)
def test_each_route_gives_each_role_its_expected_status(
    server: ServerThread, tokens: dict[str, str], client: httpx.Client, role: str
) -> None:
    got, expected = {}, {}
    for method, path, body, permission, ok in TABLE:
        allowed = permission is None or permission in ALLOWED[role]
        expected[(method, path)] = ok if allowed else 403
        got[(method, path)] = _call(client, method, path, body, tokens[role])
    assert got == expected


def test_every_protected_route_needs_a_valid_token(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    forged = tokens["admin"][:-4] + ("AAAA" if not tokens["admin"].endswith("AAAA") else "BBBB")
    before = server.call(lambda: server.runtime.audit.size)
    protected = [row for row in TABLE if row[3] is not None]
    for method, path, body, _, _ in protected:
        assert _call(client, method, path, body, None) == 401, path
        assert _call(client, method, path, body, forged) == 401, path
    denials = server.call(
        lambda: server.service.audit_ops.records("auth.denied", before - 1, 1000).records
    )
    assert len(denials) == 2 * len(protected)
    assert {d.payload["status"] for d in denials} == {401}


def test_a_refusal_by_role_is_audited_with_the_caller(
    server: ServerThread, client: httpx.Client, tokens: dict[str, str]
) -> None:
    before = server.call(lambda: server.runtime.audit.size)
    status = _call(client, "POST", "/api/risk/release", None, tokens["trader"])
    assert status == 403
    page = server.call(lambda: server.service.audit_ops.records("auth.denied", before - 1, 10))
    (record,) = page.records
    assert record.payload["actor"] == "trader"
    assert record.payload["path"] == "/api/risk/release"
    assert record.payload["status"] == 403

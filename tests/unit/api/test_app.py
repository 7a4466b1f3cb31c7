"""The app without a server: the dashboard mount and the OpenAPI document's completeness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from optionswarm.api.app import create_app
from optionswarm.api.testkit import SmallRuntime, security_for
from optionswarm.service.core import TradingService
from optionswarm.service.jobs import BacktestJobs


@pytest.fixture
def service(tmp_path: Path) -> TradingService:
    return TradingService(
        SmallRuntime(tmp_path / "state"), jobs=BacktestJobs(tmp_path / "jobs", autostart=False)
    )


def test_the_dashboard_export_is_served_with_html_fallbacks(
    tmp_path: Path, service: TradingService
) -> None:
    site = tmp_path / "site"
    (site / "agents").mkdir(parents=True)
    (site / "index.html").write_text("<html>home</html>")
    (site / "approvals.html").write_text("<html>approvals</html>")
    (site / "agents" / "index.html").write_text("<html>agents</html>")
    client = TestClient(create_app(service, security_for(), dashboard_dir=site))
    assert "home" in client.get("/").text
    assert "approvals" in client.get("/approvals").text
    assert "agents" in client.get("/agents/").text
    assert client.get("/nowhere").status_code == 404
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404
    assert missing.json()["detail"]["code"] == "not_found"
    assert client.get("/health").json()["status"] == "ok"
    without = TestClient(create_app(service, security_for(), dashboard_dir=tmp_path / "none"))
    assert without.get("/").status_code == 404


def test_every_operation_documents_its_success_and_error_bodies(service: TradingService) -> None:
    document = (
        TestClient(create_app(service, security_for(), dashboard_dir=None))
        .get("/openapi.json")
        .json()
    )
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) == 40  # the role table's 38, login and /metrics
    for path, method, op in operations:
        codes = set(op["responses"])
        success = [c for c in codes if c.startswith("2")]
        assert len(success) == 1, (path, method)
        assert op["responses"][success[0]].get("content"), (path, method)
        assert "429" in codes, (path, method)
        if path.startswith("/api/") and path != "/api/auth/login":
            assert "401" in codes, (path, method)
            assert op.get("security"), (path, method)
        for code in codes - set(success):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, code)
        if "requestBody" in op:
            assert {"400", "413", "422"} <= codes, (path, method)
        assert op.get("summary") or op.get("description"), (path, method)


def test_every_route_and_dependency_runs_on_the_event_loop() -> None:
    """The node is single-threaded on the loop: a plain ``def`` route or dependency would run
    in a worker thread (and cost a thread hop per request)."""
    import inspect

    from fastapi.routing import APIRoute, APIWebSocketRoute

    from optionswarm.api.app import api_routes

    def calls(dependant: Any) -> Iterator[Any]:
        yield dependant.call
        for sub in dependant.dependencies:
            yield from calls(sub)

    checked = 0
    for route in api_routes():
        assert isinstance(route, APIRoute | APIWebSocketRoute)
        for call in calls(route.dependant):
            target = call if inspect.isfunction(call) else type(call).__call__
            assert inspect.iscoroutinefunction(target), (route.path, call)
            checked += 1
    assert checked > 100

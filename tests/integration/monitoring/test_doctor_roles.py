"""``optionswarm doctor --roles`` against the real NATS on this machine (and a real HTTP server).

A role answers when a health responder (``cluster.roles.answer_health``, as the role processes
register it) is on the deployment's prefix; without one it is reported not running, with the
command that starts it. Each test has a NATS prefix of its own.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus, NatsBusConfig
from optionswarm.cluster.roles import ROLES, answer_health
from optionswarm.monitoring.doctor import doctor_command
from optionswarm.monitoring.doctor_checks import Status
from optionswarm.monitoring.doctor_roles import NATS_ROLES, check_api_role, check_nats_roles

NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture
def prefix() -> str:
    return f"osw{uuid.uuid4().hex[:10]}"


@pytest.fixture
def role_bus(prefix: str) -> Iterator[NatsBus]:
    """The NATS connection a role process would hold, on this test's prefix."""
    try:
        bus = NatsBus(NatsBusConfig(servers=(NATS_URL,), prefix=prefix, consumer="trading"))
    except BusError as error:
        pytest.skip(f"NATS is not reachable on 127.0.0.1:4222: {error}")  # CI: a failure
    yield bus
    bus.close()


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def api_server() -> Iterator[int]:
    """A server answering ``GET /health`` as the api role does; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def _free_port() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = server.server_address[1]
    server.server_close()
    return port


def test_the_nats_roles_are_the_roles_without_the_api() -> None:
    assert set(NATS_ROLES) == set(ROLES) - {"api"}


@pytest.mark.service
def test_a_role_that_answers_is_ok_with_its_pid_and_the_others_are_not_running(
    role_bus: NatsBus, prefix: str
) -> None:
    answer_health(role_bus, "trading", lambda: {"run": "r1", "sessions": "3"})
    config = Path("/etc/optionswarm/optionswarm.toml")
    results = {
        r.name: r for r in check_nats_roles([NATS_URL], prefix, config=config, timeout_s=2.0)
    }
    assert set(results) == {"role ingest", "role agents", "role trading"}
    trading = results["role trading"]
    assert trading.status is Status.OK
    assert trading.detail == f"pid {os.getpid()}, run r1, sessions 3"
    assert trading.latency_ms is not None
    assert trading.latency_ms > 0
    for role in ("ingest", "agents"):
        result = results[f"role {role}"]
        assert result.status is Status.WARN
        assert result.detail.startswith("not running")
        assert f"{prefix}_rpc.cluster.health.{role}" in result.detail
        assert result.fix == f"start it: optionswarm run --role {role} --config {config}"


@pytest.mark.service
def test_another_deployments_roles_do_not_count(role_bus: NatsBus) -> None:
    answer_health(role_bus, "agents", lambda: {"steps": "0"})
    other = f"osw{uuid.uuid4().hex[:10]}"
    (agents,) = check_nats_roles([NATS_URL], other, roles=["agents"], timeout_s=2.0)
    assert agents.status is Status.WARN
    assert agents.fix == "start it: optionswarm run --role agents"


def test_unreachable_nats_is_a_warning_per_role_not_a_failure() -> None:
    results = check_nats_roles(
        [f"nats://127.0.0.1:{_free_port()}"], "osw", roles=["ingest"], timeout_s=0.5
    )
    assert [(r.name, r.status) for r in results] == [("role ingest", Status.WARN)]
    assert results[0].detail.startswith("not checked")


def test_the_api_role_answers_over_http_or_is_not_running(api_server: int) -> None:
    ok = check_api_role("0.0.0.0", api_server, timeout_s=2.0)  # listening on all: ask loopback
    assert ok.status is Status.OK
    assert ok.detail == f"http://127.0.0.1:{api_server}/health: HTTP 200, status ok"
    closed = _free_port()
    down = check_api_role("127.0.0.1", closed, config=Path("c.toml"), timeout_s=1.0)
    assert down.status is Status.WARN
    assert down.detail.startswith(f"not running (no answer from http://127.0.0.1:{closed}/health")
    assert down.fix == "start it: optionswarm run --role api --config c.toml"


@pytest.mark.service
def test_the_command_lists_the_roles_only_when_asked(
    role_bus: NatsBus, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_health(role_bus, "ingest", lambda: {"state": "running"})
    config = tmp_path / "node.toml"
    config.write_text(
        f'[bus]\nkind = "nats"\nnats_servers = ["{NATS_URL}"]\nprefix = "{prefix}"\n'
        f'[api]\nport = {_free_port()}\nstate_dir = "{tmp_path / "state"}"\n'
    )
    monkeypatch.delenv("OPTIONSWARM_SQL_URL", raising=False)
    monkeypatch.delenv("OPTIONSWARM_HOT_STORE_URL", raising=False)
    app = typer.Typer()
    app.command()(doctor_command)
    base = ["--json", "--no-llm", "--config", str(config), "--data-dir", str(tmp_path / "data")]

    without = json.loads(CliRunner().invoke(app, base).output)
    assert not [c for c in without["checks"] if c["name"].startswith("role ")]

    result = CliRunner().invoke(app, [*base, "--roles"])
    document = json.loads(result.output)
    by_name = {check["name"]: check for check in document["checks"]}
    assert by_name["nats"]["status"] == "OK"
    assert by_name["role ingest"]["status"] == "OK"
    assert by_name["role ingest"]["detail"] == f"pid {os.getpid()}, state running"
    for role in ("agents", "trading", "api"):
        assert by_name[f"role {role}"]["status"] == "WARN"
        assert by_name[f"role {role}"]["fix"].endswith(f"--role {role} --config {config}")
    assert result.exit_code == 0, result.output  # a role not running is no failure

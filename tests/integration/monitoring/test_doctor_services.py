"""``optionswarm doctor`` against the real PostgreSQL, Redis and NATS on this machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optionswarm.monitoring.doctor import doctor_command
from optionswarm.monitoring.doctor_checks import Status
from optionswarm.monitoring.doctor_services import check_nats, check_postgres, check_redis

pytestmark = pytest.mark.service

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
NATS_URL = "nats://127.0.0.1:4222"


def _require(result_status: Status, detail: str) -> None:
    if result_status is not Status.OK:
        pytest.skip(f"service not reachable here: {detail}")  # CI turns this skip into a failure


def test_each_service_is_reached_with_its_round_trip() -> None:
    for result in (check_postgres(PG_URL), check_redis(REDIS_URL), check_nats([NATS_URL])):
        _require(result.status, result.detail)
        assert result.latency_ms is not None
        assert 0 < result.latency_ms < 2_000
    assert "PostgreSQL" in check_postgres(PG_URL).detail
    assert "JetStream" in check_nats([NATS_URL]).detail


def test_the_command_reports_every_service_ok_in_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTIONSWARM_SQL_URL", PG_URL)
    monkeypatch.setenv("OPTIONSWARM_HOT_STORE_URL", REDIS_URL)
    monkeypatch.setenv("OPTIONSWARM_BUS__KIND", "nats")
    monkeypatch.setenv("OPTIONSWARM_BUS__NATS_SERVERS", json.dumps([NATS_URL]))
    app = typer.Typer()
    app.command()(doctor_command)
    result = CliRunner().invoke(app, ["--json", "--no-llm", "--state-dir", str(tmp_path)])
    document = json.loads(result.output)
    by_name = {check["name"]: check for check in document["checks"]}
    for service in ("postgresql", "redis", "nats"):
        _require(Status(by_name[service]["status"]), by_name[service]["detail"])
        assert by_name[service]["latency_ms"] > 0
    assert "bus nats" in by_name["settings"]["detail"]
    assert result.exit_code == 0, result.output
    assert document["ok"] is True


def test_the_storage_url_of_the_settings_is_the_postgresql_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPTIONSWARM_SQL_URL", raising=False)
    monkeypatch.setenv("OPTIONSWARM_STORAGE__URL", PG_URL)
    app = typer.Typer()
    app.command()(doctor_command)
    result = CliRunner().invoke(app, ["--json", "--no-llm", "--state-dir", str(tmp_path)])
    postgres = {c["name"]: c for c in json.loads(result.output)["checks"]}["postgresql"]
    _require(Status(postgres["status"]), postgres["detail"])
    assert postgres["detail"].startswith(PG_URL)
    assert postgres["latency_ms"] > 0

"""``optionswarm doctor``: local checks, closed ports, bad settings, table and JSON output."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optionswarm.config import load_settings
from optionswarm.monitoring.doctor import DoctorOptions, doctor_command, run_doctor
from optionswarm.monitoring.doctor_checks import (
    Status,
    check_clock,
    check_dashboard,
    check_data,
    check_model,
    check_packages,
    check_port_free,
    check_python,
    check_writable,
)
from optionswarm.monitoring.doctor_services import (
    check_nats,
    check_postgres,
    check_redis,
    mask_url,
)

_app = typer.Typer()
_app.command()(doctor_command)


def _closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_closed_ports_fail_with_a_fix_for_each_service() -> None:
    port = _closed_port()
    results = [
        check_postgres(f"postgresql+psycopg://u:secret@127.0.0.1:{port}/db", timeout_s=1),
        check_redis(f"redis://:secret@127.0.0.1:{port}/0", timeout_s=1),
        check_nats([f"nats://127.0.0.1:{port}"], timeout_s=1),
    ]
    for result, service in zip(results, ("PostgreSQL", "Redis", "nats-server"), strict=True):
        assert result.status is Status.FAIL
        assert str(port) in result.detail
        assert service in result.fix
        assert "secret" not in result.detail
        assert result.latency_ms is None


def test_passwords_are_masked() -> None:
    assert mask_url("postgresql://user:pw@host:5432/db") == "postgresql://user:***@host:5432/db"
    assert mask_url("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"
    assert mask_url("nats://host:4222") == "nats://host:4222"


def test_local_checks_report_this_installation() -> None:
    assert check_python().status is Status.OK  # the project's venv is Python 3.11
    packages = check_packages()
    assert packages.status is Status.OK
    assert "prometheus-client" in packages.detail
    missing = check_packages(("numpy", "no-such-package-here"))
    assert missing.status is Status.FAIL
    assert "no-such-package-here" in missing.detail
    assert "pip install" in missing.fix
    assert check_clock().status is Status.OK
    assert check_clock(max_skew_s=-1.0).status is Status.FAIL  # no skew can pass a negative bound


def test_a_series_that_is_not_shipped_fails_with_the_package_to_install() -> None:
    shipped = check_data("nasdaq")
    assert shipped.status is Status.OK
    assert "sessions" in shipped.detail
    missing = check_data("no_such_series")
    assert missing.status is Status.FAIL
    assert "arch" in missing.fix


def test_model_check_is_a_warning_unless_required() -> None:
    optional, required = check_model(required=False), check_model(required=True)
    if optional.status is Status.OK:  # the llm extra is installed: the shipped GGUF is there
        assert required.status is Status.OK
        assert ".gguf" in optional.detail
    else:
        assert optional.status is Status.WARN
        assert required.status is Status.FAIL
        assert "[llm]" in required.fix


def test_writable_and_unwritable_directories(tmp_path: Path) -> None:
    assert check_writable("state dir", tmp_path / "new" / "state").status is Status.OK
    assert not list((tmp_path / "new" / "state").iterdir())  # the probe file is gone
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = check_writable("state dir", blocker / "state")
    assert result.status is Status.FAIL
    assert "writable" in result.fix


def test_a_taken_api_port_is_a_warning_with_the_setting_to_change() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        taken = check_port_free("127.0.0.1", port)
    assert taken.status is Status.WARN
    assert "api.port" in taken.fix
    assert check_port_free("127.0.0.1", port).status is Status.OK


def test_dashboard_build_found_or_explained(tmp_path: Path) -> None:
    missing = check_dashboard(tmp_path)
    assert missing.status is Status.WARN
    assert "web/build.sh" in missing.fix
    built = tmp_path / "api" / "static" / "dashboard"
    built.mkdir(parents=True)
    (built / "index.html").write_text("<html></html>")
    assert check_dashboard(tmp_path).status is Status.OK


def test_cli_json_exit_code_one_on_a_closed_port_and_bad_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPTIONSWARM_SQL_URL", raising=False)
    monkeypatch.delenv("OPTIONSWARM_HOT_STORE_URL", raising=False)
    port = _closed_port()
    result = CliRunner().invoke(
        _app,
        [
            "--json",
            "--no-llm",
            "--state-dir",
            str(tmp_path / "state"),
            "--redis-url",
            f"redis://127.0.0.1:{port}/0",
            "--timeout",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["ok"] is False
    by_name = {check["name"]: check for check in document["checks"]}
    assert by_name["redis"]["status"] == "FAIL"
    assert "Redis" in by_name["redis"]["fix"]
    assert by_name["postgresql"]["status"] == "OK"  # not configured: the embedded store
    assert "not configured" in by_name["postgresql"]["detail"]
    assert by_name["data"]["status"] == "OK"
    assert by_name["state dir"]["detail"].startswith(str((tmp_path / "state").resolve()))
    assert by_name["llm model"]["status"] in {"OK", "WARN"}
    assert document["summary"]["FAIL"] == 1

    bad = tmp_path / "bad.toml"
    bad.write_text("[backtest]\nseed = 'x'\n")
    result = CliRunner().invoke(_app, ["--config", str(bad)])
    assert result.exit_code == 1
    assert "backtest.seed" in result.output
    assert "FAIL" in result.output


def test_run_doctor_requires_the_model_for_the_swarm_only(tmp_path: Path) -> None:
    options = DoctorOptions(data_dir=tmp_path / "data", llm=None)  # state dir from settings
    api = {"state_dir": str(tmp_path / "from-settings")}
    swarm = {
        r.name: r for r in run_doctor(load_settings(strategy={"name": "swarm"}, api=api), options)
    }
    plain = {r.name: r for r in run_doctor(load_settings(api=api), options)}
    assert "from-settings" in plain["state dir"].detail
    if plain["llm model"].status is not Status.OK:
        assert plain["llm model"].status is Status.WARN
        assert swarm["llm model"].status is Status.FAIL
    assert plain["nats"].status is Status.OK
    assert "inprocess" in plain["nats"].detail

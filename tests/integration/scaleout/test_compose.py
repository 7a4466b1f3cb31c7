"""deploy/docker-compose.yml is well formed and runs the multi-process node as it exists.

No Docker engine here, so this is as far as it can be checked: the file parses; every service has
an image, a health check and the ports deploy/README.md names; every optionswarm role runs
``optionswarm run --role R --config F`` with a role of ``cluster.roles.ROLES`` and is checked by
``optionswarm health --role R``; the settings file it mounts loads and points at compose services.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
import yaml

from optionswarm.cli import app
from optionswarm.cluster.roles import ROLES
from optionswarm.config import Settings, load_settings

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
CONFIG_INSIDE = "/etc/optionswarm/optionswarm.toml"
EXPECTED_PORTS: dict[str, set[int]] = {
    "nats": {4222, 8222},
    "redis": {6379},
    "postgres": {5432},
    "minio": {9000, 9001},
    "prometheus": {9090},
    "grafana": {3000},
    "proxy": {80, 443},
    "ingest": set(),  # the NATS roles serve no HTTP and no metrics
    "agents": set(),
    "trading": set(),
    "api": {8000},
}
# Who waits for whom to be healthy, beyond NATS and PostgreSQL (which every role waits for).
ROLE_AFTER: dict[str, set[str]] = {
    "trading": set(),
    "agents": set(),
    "ingest": {"trading", "agents"},
    "api": {"trading"},
}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    found: dict[str, Any] = document["services"]
    return found


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(DEPLOY / "optionswarm.toml")


def _published(service: dict[str, Any]) -> set[int]:
    return {int(str(port).split(":")[0]) for port in service.get("ports", [])}


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Source -> path inside, of each ``source:path[:mode]`` volume."""
    return dict(str(volume).split(":")[:2] for volume in service.get("volumes", []))


def _option(argv: list[str], name: str) -> str:
    assert argv.count(name) == 1, f"{name} once in {argv}"
    return argv[argv.index(name) + 1]


def _parses(argv: list[str]) -> None:
    """``argv`` is a command line the real ``optionswarm`` CLI accepts (parsed, not run)."""
    assert argv[0] == "optionswarm"
    root = typer.main.get_command(app)
    context = root.make_context("optionswarm", list(argv[1:]))
    command = getattr(root, "get_command")(context, argv[1])  # noqa: B009 -- a group's method
    assert command is not None, argv
    command.make_context(argv[1], list(argv[2:]), parent=context)  # unknown option: raises


def test_every_named_service_is_there(services: dict[str, Any]) -> None:
    assert set(services) == set(EXPECTED_PORTS)
    assert set(ROLE_AFTER) == set(ROLES)


@pytest.mark.parametrize("name", sorted(EXPECTED_PORTS))
def test_service_has_image_health_check_and_ports(services: dict[str, Any], name: str) -> None:
    service = services[name]
    assert service.get("image") or service.get("build"), f"{name} has no image"
    test = service.get("healthcheck", {}).get("test")
    assert isinstance(test, list)
    assert test[0] == "CMD"
    assert len(test) > 1
    assert _published(service) == EXPECTED_PORTS[name]


def test_readme_names_every_published_port(services: dict[str, Any]) -> None:
    readme = (DEPLOY / "README.md").read_text()
    named = {int(p) for p in re.findall(r"\b(\d{2,5})\b", readme)}
    for name, service in services.items():
        missing = _published(service) - named
        assert not missing, f"README does not name {name}'s ports {missing}"


def test_readme_names_every_role_and_no_retired_command() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for role in ROLES:
        assert f"`{role}`" in readme, role
    assert "optionswarm node" not in readme
    assert "9100" not in readme  # no role serves a metrics port of its own


@pytest.mark.parametrize("role", ROLES)
def test_each_role_runs_and_is_checked_by_the_real_commands(
    services: dict[str, Any], role: str
) -> None:
    service = services[role]
    command = service["command"]
    assert command[:3] == ["optionswarm", "run", "--role"], command
    assert _option(command, "--role") == role
    assert _option(command, "--config") == CONFIG_INSIDE
    health = service["healthcheck"]["test"][1:]
    assert health[:3] == ["optionswarm", "health", "--role"], health
    assert _option(health, "--role") == role
    assert _option(health, "--config") == CONFIG_INSIDE
    _parses(command)
    _parses(health)
    assert _mounts(service)["./optionswarm.toml"] == CONFIG_INSIDE


@pytest.mark.parametrize("role", ROLES)
def test_roles_start_after_healthy_services_in_order(services: dict[str, Any], role: str) -> None:
    depends = services[role]["depends_on"]
    assert {dep: cond["condition"] for dep, cond in depends.items()} == dict.fromkeys(
        {"nats", "postgres", *ROLE_AFTER[role]}, "service_healthy"
    )


def test_the_mounted_settings_name_compose_services(
    services: dict[str, Any], settings: Settings
) -> None:
    assert settings.bus.kind == "nats"
    for server in settings.bus.nats_servers:
        address = urlsplit(server)
        assert (address.hostname, address.port) == ("nats", 4222), server
    for url in (settings.storage.url, settings.memory.url):
        assert url is not None
        address = urlsplit(url)
        assert address.scheme.startswith("postgresql"), url
        assert address.hostname in services, url
        assert services[str(address.hostname)]["image"].startswith("pgvector/"), url
        environment = services["postgres"]["environment"]
        assert address.username == environment["POSTGRES_USER"]
        assert address.path.lstrip("/") == environment["POSTGRES_DB"]
    assert settings.api.host == "0.0.0.0"
    assert f"{settings.api.port}:{settings.api.port}" in services["api"]["ports"]


def test_state_dir_is_on_a_volume_every_role_mounts(
    services: dict[str, Any], settings: Settings
) -> None:
    for role in ROLES:
        mounts = _mounts(services[role])
        inside = [Path(path) for source, path in mounts.items() if not source.startswith("./")]
        assert any(settings.api.state_dir.is_relative_to(path) for path in inside), role


def test_the_image_installs_the_extras_the_roles_need(services: dict[str, Any]) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    build = services["trading"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert "ARG EXTRAS=services" in dockerfile
    assert '".[${EXTRAS}]"' in dockerfile
    assert "python:3.11" in dockerfile


def test_prometheus_scrapes_only_targets_that_serve_metrics() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {"api:8000"}


def test_config_files_mounted_by_services_exist(services: dict[str, Any]) -> None:
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source

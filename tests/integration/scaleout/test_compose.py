"""deploy/docker-compose.yml is well formed: every service has an image, a health check and the
ports deploy/README.md names (no Docker engine here, so this is as far as it can be checked)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
EXPECTED_PORTS = {
    "nats": {4222, 8222},
    "redis": {6379},
    "postgres": {5432},
    "minio": {9000, 9001},
    "prometheus": {9090},
    "grafana": {3000},
    "proxy": {80, 443},
    "ingest": {9101},
    "agents": {9102},
    "risk": {9103},
    "api": {8000},
}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    found: dict[str, Any] = document["services"]
    return found


def _published(service: dict[str, Any]) -> set[int]:
    return {int(str(port).split(":")[0]) for port in service.get("ports", [])}


def test_every_named_service_is_there(services: dict[str, Any]) -> None:
    assert set(services) == set(EXPECTED_PORTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_PORTS))
def test_service_has_image_health_check_and_ports(services: dict[str, Any], name: str) -> None:
    service = services[name]
    assert service.get("image"), f"{name} has no image"
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


def test_roles_wait_for_healthy_services_and_use_nats(services: dict[str, Any]) -> None:
    for role in ("ingest", "agents", "risk", "api"):
        service = services[role]
        assert service["environment"]["OPTIONSWARM_BUS__KIND"] == "nats"
        assert {
            dep: cond["condition"] for dep, cond in service["depends_on"].items()
        } == dict.fromkeys(("nats", "redis", "postgres", "minio"), "service_healthy")


def test_config_files_mounted_by_services_exist(services: dict[str, Any]) -> None:
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source

"""deploy/grafana and deploy/prometheus agree with the metrics a node registers.

Every metric name a dashboard expression queries must be one NodeMetrics can expose; the
provisioning files must load the dashboard from where docker-compose mounts it; Prometheus must
scrape the API's /metrics.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from optionswarm.config import load_settings
from optionswarm.monitoring.metrics import NodeMetrics, exposed_names
from optionswarm.node import TradingNode

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
DASHBOARDS = sorted((PROVISIONING / "dashboards").glob("*.json"))
_METRIC = re.compile(r"\boptionswarm_[a-z0-9_]+")


def _expressions(dashboard: dict[str, Any]) -> list[str]:
    found = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        found.append(query["query"] if isinstance(query, dict) else str(query or ""))
    return found


@pytest.fixture(scope="module")
def registered() -> set[str]:
    return exposed_names(NodeMetrics.for_node(TradingNode(load_settings())).registry)


def test_there_is_a_dashboard() -> None:
    assert [path.name for path in DASHBOARDS] == ["optionswarm.json"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_queried_metric_is_registered_by_node_metrics(
    path: Path, registered: set[str]
) -> None:
    dashboard = json.loads(path.read_text())
    queried = {name for expr in _expressions(dashboard) for name in _METRIC.findall(expr)}
    assert queried, "the dashboard queries no optionswarm metric"
    unknown = queried - registered
    assert not unknown, f"{path.name} queries metrics no node exposes: {sorted(unknown)}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_the_dashboard_shows_each_kind_of_metric_the_issue_names(path: Path) -> None:
    text = " ".join(_expressions(json.loads(path.read_text())))
    for needed in (
        "optionswarm_events_total",  # event rates
        "optionswarm_tick_to_order_seconds_bucket",
        "optionswarm_risk_check_seconds_bucket",
        "optionswarm_llm_call_seconds_bucket",
        "optionswarm_queue_depth",
        "optionswarm_breaker_tripped",
        "optionswarm_quarantined_records",
        "optionswarm_pnl_dollars",
        "optionswarm_portfolio_greek",
    ):
        assert needed in text, needed


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panels_are_well_formed(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    datasource_uids = {
        source["uid"]
        for source in yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())[
            "datasources"
        ]
    }
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"]
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] in datasource_uids, panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            expr = target["expr"]
            assert expr.count("(") == expr.count(")"), expr
            assert expr.count("{") == expr.count("}"), expr
    heatmaps = [p for p in dashboard["panels"] if p["type"] == "heatmap"]
    assert len(heatmaps) >= 3  # tick-to-order, risk check, LLM call
    for panel in heatmaps:
        assert all(target.get("format") == "heatmap" for target in panel["targets"])


def test_grafana_loads_the_dashboards_from_where_compose_mounts_them() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    mounts = dict(
        volume.split(":")[:2] for volume in compose["services"]["grafana"].get("volumes", [])
    )
    inside = mounts["./grafana/provisioning"]
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "optionswarm.yml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == f"{inside}/dashboards"


def test_prometheus_scrapes_the_apis_metrics_route() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    api = jobs["optionswarm-api"]
    assert api["metrics_path"] == "/metrics"
    targets = [t for group in api["static_configs"] for t in group["targets"]]
    assert targets == ["api:8000"]
    api_ports = {str(port).split(":")[-1] for port in compose["services"]["api"]["ports"]}
    assert "8000" in api_ports
    for job in jobs.values():
        for group in job["static_configs"]:
            for target in group["targets"]:
                host = target.split(":")[0]
                assert host in compose["services"], f"{job['job_name']} scrapes unknown {host}"

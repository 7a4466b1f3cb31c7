"""Oversight inside a real ``TradingNode`` and a backtest: the approval mode stands in for the
human, and the report says how many trades needed approval and what the choice cost or saved."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.backtest.audit import in_memory_audit_log
from optionswarm.backtest.runner import run_backtest, run_backtests
from optionswarm.config import Settings
from optionswarm.node import TradingNode
from optionswarm.oversight import OversightConfig, PolicyConfig
from optionswarm.oversight.wiring import attach_oversight

SETTINGS = Settings(
    strategy={"name": "short-put-spread"},
    backtest={"start": dt.date(2016, 1, 1), "end": dt.date(2016, 3, 31)},
)
POLICY = PolicyConfig(max_loss_above=10_000.0)


def test_attach_places_the_service_before_the_order_manager() -> None:
    node = TradingNode(SETTINGS)
    service = attach_oversight(node, OversightConfig())
    names = [c.name for c in node.components]
    assert names.index(service.name) == names.index("order-manager") - 1
    assert node.risk is not None
    assert node.risk.approval_policy == service.intake.policy


def test_attach_audits_into_the_nodes_audit_log() -> None:
    audit = in_memory_audit_log()
    node = TradingNode(SETTINGS, audit=audit)
    service = attach_oversight(node, OversightConfig())
    assert service.audit is audit
    assert attach_oversight(TradingNode(SETTINGS), OversightConfig()).audit is None


def test_attach_refuses_a_node_without_risk_engine_or_manager() -> None:
    with pytest.raises(TypeError, match="RiskEngine"):
        attach_oversight(object(), OversightConfig())


@pytest.mark.slow
def test_backtest_reports_approvals_and_what_rejecting_cost() -> None:
    plain = run_backtest(SETTINGS)
    (run,) = run_backtests([SETTINGS], oversight=OversightConfig(mode="reject_all", policy=POLICY))
    report = run.strategy_report["oversight"]
    assert report["needed_approval"] > 0
    assert report["rejected"] == report["needed_approval"]
    assert run.trades == ()
    assert report["final_equity"] == SETTINGS.portfolio.initial_cash
    # the approve-all twin trades exactly as a node without oversight
    assert report["final_equity_if_all_approved"] == plain.snapshots[-1].equity
    assert report["saved_vs_approving_all"] == pytest.approx(
        SETTINGS.portfolio.initial_cash - plain.snapshots[-1].equity
    )


def test_settings_section_maps_onto_the_config() -> None:
    settings = Settings(
        oversight={"enabled": True, "mode": "reject_all", "ttl_s": 60, "max_loss_above": 1.0}
    )
    config = OversightConfig.from_settings(settings.oversight)
    assert config.mode == "reject_all"
    assert config.ttl_ns == 60 * 1_000_000_000
    assert config.policy.max_loss_above == 1.0
    assert config.policy.veto_agents == frozenset({"calendar"})
    with pytest.raises(ValueError, match="oversight"):
        Settings(oversight={"unknown_rule": 1})

"""``optionswarm approvals``: list, show, approve and reject on the persisted store, every
decision in the audit log, and the node carrying CLI decisions out on ``sync`` (re-checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optionswarm.audit import AuditConfig, AuditKind, AuditLog
from optionswarm.cli import app
from optionswarm.execution import OrderState
from optionswarm.oversight import ApprovalStatus, OversightConfig, PolicyConfig
from optionswarm.oversight.cli import default_db_url
from optionswarm.oversight.testkit import ApprovalHarness, put_spread, short_put
from optionswarm.risk.testkit import standard_chain
from optionswarm.storage.sql import SqlConfig, create_sql_engine

NS = 1_000_000_000
CONFIG = OversightConfig(
    policy=PolicyConfig(max_loss_above=1_000.0, first_trade_in_underlying=False),
    ttl_ns=10 * 365 * 86_400 * NS,  # the node's clock is simulated (2024), the CLI's is wall time
    four_eyes_max_loss_above=5_000.0,
)


@pytest.fixture
def node(tmp_path: Path) -> ApprovalHarness:
    engine = create_sql_engine(SqlConfig(url=f"sqlite:///{tmp_path / 'ov.db'}"))
    return ApprovalHarness(CONFIG, engine=engine)


def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {
        "OPTIONSWARM_OVERSIGHT_DB": f"sqlite:///{tmp_path / 'ov.db'}",
        "OPTIONSWARM_AUDIT_DB": f"sqlite:///{tmp_path / 'audit.db'}",
        "OPTIONSWARM_AUDIT_KEY": str(tmp_path / "key.pem"),
        "OPTIONSWARM_AUDIT_COLD": str(tmp_path / "cold"),
    }
    result = CliRunner().invoke(app, ["approvals", *args], env=env)
    return result.exit_code, result.output


def _audit(tmp_path: Path) -> AuditLog:
    config = AuditConfig(key_path=str(tmp_path / "key.pem"), cold_uri=str(tmp_path / "cold"))
    return AuditLog.from_config(config, f"sqlite:///{tmp_path / 'audit.db'}")


def test_list_and_show_what_waits(tmp_path: Path, node: ApprovalHarness) -> None:
    node.manager.submit(put_spread(quantity=3))
    code, out = _cli(tmp_path, "list")
    assert code == 0
    assert "apr-ord-1" in out
    assert "pending" in out
    assert "max_loss_above" in out
    code, out = _cli(tmp_path, "list", "--json", "--status", "pending")
    assert code == 0
    assert [r["request_id"] for r in json.loads(out)] == ["apr-ord-1"]
    code, out = _cli(tmp_path, "show", "apr-ord-1")
    shown = json.loads(out)
    assert shown["request"]["intent"]["quantity"] == 3
    assert shown["request"]["reasons"][0]["code"] == "max_loss_above"
    assert shown["votes"] == []
    code, out = _cli(tmp_path, "show", "apr-nope")
    assert code == 2
    code, out = _cli(tmp_path, "list", "--status", "approved")
    assert "no approval requests" in out


def test_cli_approval_is_audited_and_released_by_the_node(
    tmp_path: Path, node: ApprovalHarness
) -> None:
    node.manager.submit(short_put())  # four eyes
    code, out = _cli(tmp_path, "approve", "apr-ord-1", "--actor", "alice", "--comment", "ok")
    assert code == 0
    assert "approved_partial" in out
    code, out = _cli(tmp_path, "approve", "apr-ord-1", "--actor", "alice")
    assert code == 1
    assert "same_approver" in out
    code, out = _cli(tmp_path, "approve", "apr-ord-1", "--actor", "bob")
    assert code == 0
    assert node.broker.sent == []  # the node has not seen it yet
    assert node.service.sync() == ["ord-1"]
    assert node.manager.get("ord-1").state is OrderState.WORKING
    assert node.service.sync() == []  # carried out once
    audit = _audit(tmp_path)
    kinds = [audit.record(seq).kind for seq in range(audit.size)]
    assert kinds == [AuditKind.APPROVAL_GRANTED, AuditKind.APPROVAL_GRANTED]
    assert audit.verify().ok


def test_cli_rejection_reaches_the_node(tmp_path: Path, node: ApprovalHarness) -> None:
    node.manager.submit(put_spread(quantity=3))
    code, _ = _cli(tmp_path, "reject", "apr-ord-1", "--actor", "bob", "--comment", "no")
    assert code == 0
    node.service.sync()
    assert node.manager.get("ord-1").state is OrderState.DENIED
    assert node.broker.sent == []
    code, out = _cli(tmp_path, "approve", "apr-ord-1", "--actor", "alice")
    assert code == 1
    assert "already_decided" in out


def test_node_recheck_refuses_a_cli_approval_after_the_market_moved(
    tmp_path: Path, node: ApprovalHarness
) -> None:
    node.manager.submit(put_spread(quantity=3))
    code, _ = _cli(tmp_path, "approve", "apr-ord-1", "--actor", "alice")
    assert code == 0
    node.risk.on_chain(standard_chain(spot=96.0))
    node.service.sync()
    request = node.service.get("apr-ord-1")
    assert request.status is ApprovalStatus.REJECTED
    assert request.decision_code == "price_moved"
    assert node.manager.get("ord-1").state is OrderState.DENIED
    assert node.broker.sent == []


def test_sync_timer_carries_out_decisions_on_the_clock(tmp_path: Path) -> None:
    engine = create_sql_engine(SqlConfig(url=f"sqlite:///{tmp_path / 'ov.db'}"))
    config = OversightConfig(policy=CONFIG.policy, ttl_ns=CONFIG.ttl_ns, sync_interval_ns=5 * NS)
    node = ApprovalHarness(config, engine=engine)
    node.manager.submit(put_spread(quantity=3))
    _cli(tmp_path, "approve", "apr-ord-1", "--actor", "alice")
    node.clock.advance_to(node.clock.now_ns() + 5 * NS)
    assert node.manager.get("ord-1").state is OrderState.WORKING


def test_default_store_lives_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPTIONSWARM_DATA_DIR", str(tmp_path / "data"))
    assert default_db_url() == f"sqlite:///{tmp_path / 'data' / 'oversight.db'}"
    monkeypatch.delenv("OPTIONSWARM_OVERSIGHT_DB", raising=False)
    result = CliRunner().invoke(app, ["approvals", "list"])
    assert result.exit_code == 0
    assert (tmp_path / "data" / "oversight.db").exists()

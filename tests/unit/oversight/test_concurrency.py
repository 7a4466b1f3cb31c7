"""A request is decided at most once, even when approvers answer at the same moment (threads on
a SQLite file), and the queue survives a real restart (a new engine on the same file)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.execution import OrderState
from optionswarm.oversight import ApprovalStatus, ApprovalStore, OversightConfig, PolicyConfig
from optionswarm.oversight.testkit import ApprovalHarness, put_spread, race, short_put
from optionswarm.storage.sql import SqlConfig, create_sql_engine

NS = 1_000_000_000
CONFIG = OversightConfig(
    policy=PolicyConfig(max_loss_above=1_000.0, first_trade_in_underlying=False),
    ttl_ns=60 * NS,
    four_eyes_max_loss_above=5_000.0,
)
ACTORS = [f"approver-{i}" for i in range(8)]


def _file_engine(path: Path) -> sa.Engine:
    return create_sql_engine(SqlConfig(url=f"sqlite:///{path}", synchronous="NORMAL"))


@pytest.mark.parametrize("approve", [[True] * 8, [False] * 8, [True, False] * 4])
def test_concurrent_decisions_on_sqlite_decide_once(tmp_path: Path, approve: list[bool]) -> None:
    h = ApprovalHarness(CONFIG, engine=_file_engine(tmp_path / "ov.db"))
    out = race(h, put_spread(quantity=3), ACTORS, approve)
    assert len(out.wins) == 1
    assert out.refusals == ("already_decided",) * 7
    assert out.decided_by == out.wins[0]
    assert out.voters == out.wins
    approved = approve[ACTORS.index(out.wins[0])]
    assert out.status is (ApprovalStatus.APPROVED if approved else ApprovalStatus.REJECTED)
    assert out.sent == (1 if approved else 0)
    assert out.order_state is (OrderState.WORKING if approved else OrderState.DENIED)
    assert out.decision_records == 1
    assert out.audit_ok


def test_concurrent_four_eyes_on_sqlite(tmp_path: Path) -> None:
    h = ApprovalHarness(CONFIG, engine=_file_engine(tmp_path / "ov.db"))
    out = race(h, short_put(), ["a", "b", "c", "d"], [True] * 4)
    assert len(out.wins) == 2
    assert out.refusals == ("already_decided",) * 2
    assert out.status is ApprovalStatus.APPROVED
    assert sorted(out.approvers) == sorted(out.wins)
    assert out.sent == 1
    assert len(out.voters) == 2
    assert out.decision_records == 2
    assert out.audit_ok


def test_restart_on_a_new_engine_keeps_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "ov.db"
    h = ApprovalHarness(CONFIG, engine=_file_engine(path))
    h.manager.submit(put_spread("k-1", quantity=3))
    h.service.stop()
    h.sql.dispose()
    h.sql = _file_engine(path)  # a new process would open the file afresh
    h.store = ApprovalStore(h.sql)
    service = h.restart()
    request = service.get("apr-k-1")
    assert request.status is ApprovalStatus.PENDING
    assert request.intent == put_spread("k-1", quantity=3)
    proposed = h.store.intent("k-1")
    assert proposed is not None
    assert proposed.sent_ns is None
    assert service.approve("apr-k-1", "alice").status is ApprovalStatus.APPROVED
    sent = h.store.intent("k-1")
    assert sent is not None
    assert sent.sent_ns is not None

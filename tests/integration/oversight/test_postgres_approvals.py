"""The approval store on PostgreSQL: concurrent decisions happen once, restart keeps the queue.

Each run uses its own table prefix and drops its tables afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from optionswarm.execution import OrderState
from optionswarm.oversight import ApprovalStatus, ApprovalStore, OversightConfig, PolicyConfig
from optionswarm.oversight.testkit import ApprovalHarness, put_spread, race, short_put
from optionswarm.storage.sql import create_sql_engine

pytestmark = pytest.mark.service

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NS = 1_000_000_000
CONFIG = OversightConfig(
    policy=PolicyConfig(max_loss_above=1_000.0, first_trade_in_underlying=False),
    ttl_ns=60 * NS,
    four_eyes_max_loss_above=5_000.0,
)
ACTORS = [f"approver-{i}" for i in range(8)]


@pytest.fixture
def pg() -> Iterator[tuple[sa.Engine, str]]:
    engine = create_sql_engine(URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError:
        engine.dispose()
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    prefix = f"ovt_{uuid.uuid4().hex[:10]}_"
    yield engine, prefix
    ApprovalStore(engine, prefix).drop()
    engine.dispose()


@pytest.mark.parametrize("approve", [[True] * 8, [True, False] * 4])
def test_concurrent_decisions_on_postgres_decide_once(
    pg: tuple[sa.Engine, str], approve: list[bool]
) -> None:
    engine, prefix = pg
    h = ApprovalHarness(CONFIG, engine=engine, prefix=prefix)
    out = race(h, put_spread(quantity=3), ACTORS, approve)
    assert len(out.wins) == 1
    assert out.refusals == ("already_decided",) * 7
    assert out.voters == out.wins
    approved = approve[ACTORS.index(out.wins[0])]
    assert out.status is (ApprovalStatus.APPROVED if approved else ApprovalStatus.REJECTED)
    assert out.sent == (1 if approved else 0)
    assert out.order_state is (OrderState.WORKING if approved else OrderState.DENIED)
    assert out.decision_records == 1
    assert out.audit_ok


def test_concurrent_four_eyes_on_postgres(pg: tuple[sa.Engine, str]) -> None:
    engine, prefix = pg
    h = ApprovalHarness(CONFIG, engine=engine, prefix=prefix)
    out = race(h, short_put(), ["a", "b", "c", "d"], [True] * 4)
    assert len(out.wins) == 2
    assert out.status is ApprovalStatus.APPROVED
    assert sorted(out.approvers) == sorted(out.wins)
    assert out.sent == 1
    assert out.audit_ok


def test_restart_on_postgres_keeps_pending_and_expires_overdue(pg: tuple[sa.Engine, str]) -> None:
    engine, prefix = pg
    h = ApprovalHarness(CONFIG, engine=engine, prefix=prefix)
    h.manager.submit(put_spread("p-1", quantity=3))
    h.manager.submit(short_put("p-2"))
    h.service.stop()
    h.clock.advance_to(h.clock.now_ns() + 30 * NS)
    service = h.restart()
    assert service.get("apr-p-1").status is ApprovalStatus.PENDING
    h.clock.advance_to(h.clock.now_ns() + 31 * NS)  # the re-armed alarm fires
    assert service.get("apr-p-1").status is ApprovalStatus.EXPIRED
    assert h.broker.sent == []


def test_the_first_proposal_of_an_intent_stands_on_postgres(pg: tuple[sa.Engine, str]) -> None:
    engine, prefix = pg
    store = ApprovalStore(engine, prefix)
    store.create()
    assert store.save_intent(put_spread(), "alice", 1)
    assert not store.save_intent(put_spread(quantity=9), "bob", 2)
    proposed = store.intent("ord-1")
    assert proposed is not None
    assert proposed.placed_by == "alice"
    assert proposed.intent.quantity == 1

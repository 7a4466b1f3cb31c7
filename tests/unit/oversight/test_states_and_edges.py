"""The approval table, the public surface, the order-manager target and the queue's edges."""

from __future__ import annotations

from collections import deque

import msgspec
import pytest

from optionswarm import oversight
from optionswarm.audit.kinds import AuditKind
from optionswarm.engine.events import StrategyDecision
from optionswarm.engine.topics import DECISIONS
from optionswarm.execution import OrderState, RiskOutcome, RiskVerdict
from optionswarm.model import OrderIntent
from optionswarm.model.testkit import make_decision, make_view
from optionswarm.oversight import (
    ApprovalRefusedError,
    ApprovalStatus,
    ApprovalTrigger,
    IllegalApprovalTransitionError,
    OrderManagerTarget,
    OversightConfig,
    OversightService,
    PolicyConfig,
    RecordingTarget,
    apply_approval_trigger,
    approval_table,
)
from optionswarm.oversight.testkit import ApprovalHarness, put_spread
from optionswarm.oversight.wiring import _latest_decision_of, in_memory_store
from optionswarm.risk import RISK_TOPICS, TradingState, TradingStateChanged, TradingTrigger
from optionswarm.risk.testkit import standard_chain

NS = 1_000_000_000
CONFIG = OversightConfig(
    policy=PolicyConfig(max_loss_above=1_000.0, first_trade_in_underlying=False),
    ttl_ns=60 * NS,
)
_S = ApprovalStatus
_T = ApprovalTrigger


def test_the_table_holds_exactly_the_documented_moves() -> None:
    table = approval_table()
    assert table[(_S.PENDING, _T.APPROVE_PARTIAL)] is _S.APPROVED_PARTIAL
    assert table[(_S.APPROVED_PARTIAL, _T.APPROVE)] is _S.APPROVED
    assert table[(_S.APPROVED, _T.REJECT)] is _S.REJECTED  # refused at release by the node
    for status in (_S.PENDING, _S.APPROVED_PARTIAL):
        assert table[(status, _T.EXPIRE)] is _S.EXPIRED
        assert table[(status, _T.CANCEL)] is _S.CANCELLED
        assert table[(status, _T.REJECT)] is _S.REJECTED
    assert len(table) == 10
    for status in (_S.REJECTED, _S.EXPIRED, _S.CANCELLED):
        assert not status.is_open
        for trigger in _T:
            with pytest.raises(IllegalApprovalTransitionError, match=status.value):
                apply_approval_trigger(status, trigger)


def test_public_api_is_what_the_package_exports() -> None:
    for name in oversight.__all__:
        assert hasattr(oversight, name), name
    assert {"OversightService", "ApprovalRequest", "PolicyConfig", "ApprovalStore"} <= set(
        oversight.__all__
    )


def test_recording_target_remembers_and_stops_waiting() -> None:
    target = RecordingTarget()
    target.waiting.update({"a", "b"})
    assert target.release("a", "alice")
    assert target.reject("b", "no")
    assert not target.is_waiting("a")
    assert not target.is_waiting("b")
    assert target.released == [("a", "alice")]
    assert target.rejected == [("b", "no")]


def test_order_manager_target_ignores_orders_that_no_longer_wait() -> None:
    h = ApprovalHarness(CONFIG)
    target = OrderManagerTarget(h.manager)
    assert not target.release("nope", "alice")
    assert not target.reject("nope", "why")
    h.manager.submit(put_spread(quantity=1))  # small: straight to the broker
    assert not target.reject("ord-1", "too late")


def test_cancelling_a_waiting_order_cancels_its_request() -> None:
    h = ApprovalHarness(CONFIG)
    h.manager.submit(put_spread(quantity=3))
    h.manager.cancel("ord-1", "trader withdrew it")
    request = h.service.get("apr-ord-1")
    assert request.status is ApprovalStatus.CANCELLED
    assert request.decision_code == "order_cancelled"
    assert h.manager.get("ord-1").state is OrderState.CANCELLED
    assert h.audit_kinds()[-1] == AuditKind.APPROVAL_DENIED


def test_reduce_only_does_not_reject_waiting_requests() -> None:
    h = ApprovalHarness(CONFIG)
    h.manager.submit(put_spread(quantity=3))
    h.risk.controls.order_control = None  # no cancel-all from the engine here
    change = TradingStateChanged(
        previous=TradingState.ACTIVE,
        current=TradingState.REDUCING,
        trigger=TradingTrigger.REDUCE,
        code=None,
        message="drawdown",
        actor="system",
        ts_ns=h.clock.now_ns(),
    )
    h.bus.publish(RISK_TOPICS[TradingStateChanged], change)
    assert h.service.get("apr-ord-1").status is ApprovalStatus.PENDING
    assert h.service.reject_all("test", "sweep") == ["apr-ord-1"]
    assert h.service.reject_all("test", "sweep") == []


def test_recheck_refuses_when_the_package_price_moved() -> None:
    config = msgspec.structs.replace(CONFIG, price_tolerance=0.0005)
    h = ApprovalHarness(config)
    h.manager.submit(put_spread(quantity=3))
    h.risk.on_chain(standard_chain(vol=0.35))  # same spot, dearer options
    with pytest.raises(ApprovalRefusedError) as moved:
        h.service.approve("apr-ord-1", "alice")
    assert moved.value.code == "price_moved"
    assert "package mid moved" in moved.value.message


def test_open_request_without_a_policy_verdict_opens_nothing() -> None:
    h = ApprovalHarness(CONFIG)
    assert h.service.open_request("never-seen") is None
    assert h.service.list_requests() == []


def test_an_order_waiting_without_a_policy_verdict_is_refused() -> None:
    h = ApprovalHarness(CONFIG)
    h.risk.approval_policy = None  # e.g. a gate that asked for approval on its own
    h.manager.gate = _AlwaysApproval()
    h.manager.submit(put_spread(quantity=1))
    record = h.manager.get("ord-1")
    assert record.state is OrderState.DENIED
    assert "approval_unavailable" in record.message
    assert h.broker.sent == []


class _AlwaysApproval:
    def check(self, intent: OrderIntent) -> RiskVerdict:
        return RiskVerdict(
            client_order_id=intent.client_order_id,
            outcome=RiskOutcome.NEEDS_APPROVAL,
            reason_code="approval_required",
            message="a stub gate",
        )


def test_a_store_only_service_decides_without_a_node() -> None:
    h = ApprovalHarness(CONFIG)
    h.manager.submit(put_spread(quantity=3))
    remote = OversightService(CONFIG, h.store, bus=h.bus, clock=h.clock)
    assert remote.sync() == []  # nothing to carry out without a target
    done = remote.approve("apr-ord-1", "alice", "from the CLI")
    assert done.status is ApprovalStatus.APPROVED
    assert h.broker.sent == []  # the node releases it on its sync
    assert h.service.sync() == ["ord-1"]
    assert len(h.broker.sent) == 1


def test_in_memory_store_uses_the_prefix() -> None:
    store = in_memory_store("ovx_")
    store.create()
    assert store.requests.name == "ovx_requests"
    assert store.requests_in() == []


def test_config_refuses_negative_tolerances() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        OversightConfig(price_tolerance=-0.1)


def test_strategy_decisions_carry_the_swarm_consensus_of_the_same_instant() -> None:
    h = ApprovalHarness(CONFIG)
    now = h.clock.now_ns()
    swarm = make_decision([make_view("momentum", ts_ns=now)], ts_ns=now, decision_id="sw-1")
    holder = type("Strategy", (), {"decisions": deque([swarm])})()
    h.service.intake.latest_decision = _latest_decision_of(holder)
    h.bus.publish(DECISIONS, _strategy_decision("strat-1-d", now))
    h.bus.publish(DECISIONS, _strategy_decision("strat-2-d", now + 1))  # no swarm decision then
    info = h.service.intake.decision_of(put_spread(decision_id="strat-1-d"))
    assert info is not None
    assert info.confidence == swarm.confidence
    assert [o.agent_id for o in info.opinions] == ["momentum"]
    assert info.explanation == "opened a spread"
    plain = h.service.intake.decision_of(put_spread(decision_id="strat-2-d"))
    assert plain is not None
    assert plain.confidence is None
    assert _latest_decision_of(object()) is None
    assert _latest_decision_of(type("S", (), {"decisions": deque()})())() is None  # type: ignore[misc]


def _strategy_decision(decision_id: str, ts_ns: int) -> StrategyDecision:
    return StrategyDecision(
        decision_id=decision_id,
        strategy="swarm",
        underlying="SPY",
        ts_ns=ts_ns,
        action="open",
        reason_code="open_vertical",
        explanation="opened a spread",
    )


def test_the_first_proposal_of_an_intent_stands() -> None:
    store = in_memory_store()
    store.create()
    assert store.save_intent(put_spread(), "alice", 1)
    assert not store.save_intent(put_spread(quantity=9), "bob", 2)
    proposed = store.intent("ord-1")
    assert proposed is not None
    assert proposed.placed_by == "alice"
    assert proposed.intent.quantity == 1
    assert store.intent("nope") is None


def test_a_decision_the_order_missed_is_carried_out_on_the_next_sync() -> None:
    h = ApprovalHarness(CONFIG)
    h.manager.submit(put_spread(quantity=3))
    waiting = h.manager.orders.pop("ord-1")  # as if the manager had not recovered it yet
    h.service.reject("apr-ord-1", "bob", "no")
    h.manager.orders["ord-1"] = waiting  # the manager recovers its book
    assert h.manager.get("ord-1").state is OrderState.PENDING_APPROVAL
    assert h.service.sync() == ["ord-1"]
    assert h.manager.get("ord-1").state is OrderState.DENIED

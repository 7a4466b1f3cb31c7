"""The approval queue end to end: risk engine -> PENDING_APPROVAL -> approver -> broker,
with expiry on the simulated clock, four eyes, self-approval, re-check, halt and the audit log."""

from __future__ import annotations

import msgspec
import pytest

from optionswarm.audit.kinds import AuditKind
from optionswarm.execution import OrderState
from optionswarm.model import Decision, Direction, VolView
from optionswarm.model.testkit import make_view
from optionswarm.oversight import (
    APPROVAL_DECIDED,
    APPROVAL_EXPIRED,
    APPROVAL_REQUESTED,
    ApprovalRefusedError,
    ApprovalStatus,
    OversightConfig,
    PolicyConfig,
)
from optionswarm.oversight.testkit import ApprovalHarness, put_spread, short_put
from optionswarm.risk.testkit import standard_chain

NS = 1_000_000_000
POLICY = PolicyConfig(
    max_loss_above=1_000.0,
    notional_above=None,
    confidence_below=None,
    first_trade_in_underlying=False,
    manual_quantity_above=0,
)
CONFIG = OversightConfig(policy=POLICY, ttl_ns=60 * NS, four_eyes_max_loss_above=5_000.0)


@pytest.fixture
def h() -> ApprovalHarness:
    return ApprovalHarness(CONFIG)


def _events(h: ApprovalHarness) -> dict[str, list[object]]:
    seen: dict[str, list[object]] = {"requested": [], "decided": [], "expired": []}
    h.bus.subscribe(APPROVAL_REQUESTED, seen["requested"].append)
    h.bus.subscribe(APPROVAL_DECIDED, seen["decided"].append)
    h.bus.subscribe(APPROVAL_EXPIRED, seen["expired"].append)
    return seen


def test_small_order_passes_without_approval(h: ApprovalHarness) -> None:
    record = h.manager.submit(put_spread(quantity=1))
    assert record.state is OrderState.WORKING
    assert h.service.list_requests() == []
    assert len(h.broker.sent) == 1
    proposed = h.store.intent("ord-1")
    assert proposed is not None
    assert proposed.sent_ns is not None


def test_risky_order_waits_with_everything_the_approver_needs(h: ApprovalHarness) -> None:
    seen = _events(h)
    record = h.manager.submit(put_spread(quantity=3))
    assert record.state is OrderState.PENDING_APPROVAL
    assert h.broker.sent == []
    (request,) = h.service.list_requests(ApprovalStatus.PENDING)
    assert request.client_order_id == "ord-1"
    assert request.intent.quantity == 3
    assert [r.code for r in request.reasons] == ["max_loss_above"]
    assert request.max_loss is not None
    assert 1_000 < request.max_loss < 1_500
    assert request.margin is not None
    assert request.margin > 0
    assert request.greeks_after[0] > request.greeks_before[0]
    assert request.structure != "unknown"
    assert request.spot == 100.0
    assert {c.check for c in request.risk_checks} >= {"max_loss", "margin", "trading_state"}
    assert request.required_approvals == 1
    assert request.expires_ns == request.created_ns + 60 * NS
    assert seen["requested"]
    assert h.audit_kinds() == [AuditKind.APPROVAL_REQUESTED]
    proposed = h.store.intent("ord-1")
    assert proposed is not None
    assert proposed.sent_ns is None


def test_approval_sends_the_order_and_is_audited(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread(quantity=3))
    done = h.service.approve("apr-ord-1", "alice", "looks fine")
    assert done.status is ApprovalStatus.APPROVED
    assert done.decided_by == "alice"
    assert h.manager.get("ord-1").state is OrderState.WORKING
    assert len(h.broker.sent) == 1
    assert h.audit_kinds() == [AuditKind.APPROVAL_REQUESTED, AuditKind.APPROVAL_GRANTED]
    granted = msgspec.json.decode(h.audit.record(1).payload)
    assert granted["actor"] == "alice"
    assert granted["comment"] == "looks fine"
    assert h.audit.verify().ok
    with pytest.raises(ApprovalRefusedError) as again:
        h.service.reject("apr-ord-1", "bob", "too late")
    assert again.value.code == "already_decided"


def test_rejection_denies_the_order_and_is_audited(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread(quantity=3))
    done = h.service.reject("apr-ord-1", "bob", "too big for today")
    assert done.status is ApprovalStatus.REJECTED
    record = h.manager.get("ord-1")
    assert record.state is OrderState.DENIED
    assert "too big for today" in record.message
    assert h.broker.sent == []
    assert h.audit_kinds()[-1] == AuditKind.APPROVAL_DENIED
    assert h.audit.verify().ok
    (vote,) = h.service.votes("apr-ord-1")
    assert vote.actor == "bob"
    assert not vote.approve


def test_unanswered_request_expires_on_the_clock_and_is_never_sent(h: ApprovalHarness) -> None:
    seen = _events(h)
    h.manager.submit(put_spread(quantity=3))
    h.clock.advance_to(h.clock.now_ns() + 59 * NS)
    assert h.service.get("apr-ord-1").status is ApprovalStatus.PENDING
    h.clock.advance_to(h.clock.now_ns() + 1 * NS)  # the alarm fires
    assert h.service.get("apr-ord-1").status is ApprovalStatus.EXPIRED
    assert h.manager.get("ord-1").state is OrderState.DENIED
    assert h.broker.sent == []
    assert len(seen["expired"]) == 1
    assert h.audit_kinds() == [AuditKind.APPROVAL_REQUESTED, AuditKind.APPROVAL_EXPIRED]
    with pytest.raises(ApprovalRefusedError) as late:
        h.service.approve("apr-ord-1", "alice")
    assert late.value.code == "already_decided"


def test_expiry_is_also_checked_lazily_on_access(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread(quantity=3))
    h.clock.cancel("oversight.expire.apr-ord-1")  # as if the timer never fired
    h.clock.advance_to(h.clock.now_ns() + 61 * NS)
    with pytest.raises(ApprovalRefusedError) as late:
        h.service.approve("apr-ord-1", "alice")
    assert late.value.code == "already_decided"
    assert h.service.get("apr-ord-1").status is ApprovalStatus.EXPIRED
    assert h.broker.sent == []


def test_four_eyes_needs_two_different_approvers(h: ApprovalHarness) -> None:
    h.manager.submit(short_put())
    request = h.service.get("apr-ord-1")
    assert request.required_approvals == 2
    first = h.service.approve("apr-ord-1", "alice", "ok")
    assert first.status is ApprovalStatus.APPROVED_PARTIAL
    assert h.broker.sent == []
    with pytest.raises(ApprovalRefusedError) as twice:
        h.service.approve("apr-ord-1", "alice", "me again")
    assert twice.value.code == "same_approver"
    second = h.service.approve("apr-ord-1", "bob", "ok too")
    assert second.status is ApprovalStatus.APPROVED
    assert second.approvers == ("alice", "bob")
    assert len(h.broker.sent) == 1
    kinds = h.audit_kinds()
    assert kinds.count(AuditKind.APPROVAL_GRANTED) == 2
    assert h.audit.verify().ok


def test_whoever_placed_a_manual_order_can_never_approve_it(h: ApprovalHarness) -> None:
    h.service.place_manual(put_spread("man-1", quantity=1), "carol")
    request = h.service.get("apr-man-1")
    assert request.placed_by == "carol"
    assert [r.code for r in request.reasons] == ["manual_order"]
    with pytest.raises(ApprovalRefusedError) as own:
        h.service.approve("apr-man-1", "carol")
    assert own.value.code == "self_approval"
    assert h.service.get("apr-man-1").status is ApprovalStatus.PENDING
    assert h.service.approve("apr-man-1", "dave").status is ApprovalStatus.APPROVED


def test_recheck_refuses_a_stale_approval_after_the_market_moved(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread(quantity=3))
    h.risk.on_chain(standard_chain(spot=97.0))  # the spot fell 3 % since the request
    with pytest.raises(ApprovalRefusedError) as moved:
        h.service.approve("apr-ord-1", "alice")
    assert moved.value.code == "price_moved"
    assert "spot moved" in moved.value.message
    request = h.service.get("apr-ord-1")
    assert request.status is ApprovalStatus.REJECTED
    assert request.decision_code == "price_moved"
    assert h.manager.get("ord-1").state is OrderState.DENIED
    assert h.broker.sent == []
    assert h.audit_kinds()[-1] == AuditKind.APPROVAL_DENIED


def test_recheck_refuses_when_risk_now_fails(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread(quantity=3))
    h.risk.book.equity = 100.0  # the account shrank: no buying power left
    with pytest.raises(ApprovalRefusedError) as failed:
        h.service.approve("apr-ord-1", "alice")
    assert failed.value.code == "risk_recheck_failed"
    assert "insufficient_buying_power" in failed.value.message
    assert h.broker.sent == []


def test_halt_rejects_every_pending_request(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread("a-1", quantity=3))
    h.manager.submit(short_put("a-2"))
    h.service.approve("apr-a-2", "alice")  # partly approved still counts as open
    h.risk.kill("admin", "admin", "fat finger")
    statuses = {r.request_id: r.status for r in h.service.list_requests()}
    assert set(statuses.values()) <= {ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED}
    assert h.broker.sent == []
    for cid in ("a-1", "a-2"):
        assert h.manager.get(cid).state in {OrderState.DENIED, OrderState.CANCELLED}
    assert h.audit.verify().ok


def test_restart_mid_queue_keeps_pending_and_expires_the_overdue(h: ApprovalHarness) -> None:
    h.manager.submit(put_spread("r-1", quantity=3))
    h.clock.advance_to(h.clock.now_ns() + 30 * NS)
    h.manager.submit(short_put("r-2"))  # four eyes
    h.service.stop()  # the process goes away; its alarms with it
    assert not [n for n in h.clock.timer_names() if n.startswith("oversight.")]
    h.clock.advance_to(h.clock.now_ns() + 40 * NS)  # r-1 is now overdue, r-2 is not
    service = h.restart()
    assert service.get("apr-r-1").status is ApprovalStatus.EXPIRED
    assert service.get("apr-r-2").status is ApprovalStatus.PENDING
    assert h.manager.get("r-1").state is OrderState.DENIED
    assert service.approve("apr-r-2", "alice").status is ApprovalStatus.APPROVED_PARTIAL
    service = h.restart()  # a partial approval survives a restart too
    assert service.approve("apr-r-2", "bob").status is ApprovalStatus.APPROVED
    assert [i.client_order_id for i in h.broker.sent] == ["r-2"]


def test_decision_explanation_travels_with_the_request(h: ApprovalHarness) -> None:
    view = make_view(agent_id="calendar", conviction=0.9, direction=Direction.BEARISH)
    decision = Decision(
        decision_id="swarm-1",
        underlying="SPY",
        ts_ns=h.clock.now_ns(),
        direction=Direction.BULLISH,
        vol_view=VolView.FLAT,
        confidence=0.7,
        disagreement=0.2,
        contributions=(),
        reason_code="consensus",
        explanation="momentum and value agree",
    )
    from optionswarm.model import AgentContribution

    decision = msgspec.structs.replace(
        decision,
        contributions=(
            AgentContribution(agent_id="calendar", view=view, weight=0.3, contribution=-0.2),
        ),
    )
    h.service.record_decision(decision, decision_id="strat-d")
    h.manager.submit(put_spread(quantity=1, decision_id="strat-d"))
    request = h.service.get("apr-ord-1")
    assert [r.code for r in request.reasons] == ["veto_flag"]
    assert request.decision is not None
    assert request.decision.confidence == 0.7
    (opinion,) = request.decision.opinions
    assert opinion.agent_id == "calendar"
    assert opinion.weight == 0.3


@pytest.mark.parametrize(
    ("mode", "status", "sent"),
    [("approve_all", "approved", 1), ("reject_all", "rejected", 0)],
)
def test_backtest_mode_stands_in_for_the_human(mode: str, status: str, sent: int) -> None:
    h = ApprovalHarness(msgspec.structs.replace(CONFIG, mode=mode))
    h.manager.submit(short_put())  # four eyes: two automatic approvals in approve_all
    assert h.service.get("apr-ord-1").status.value == status
    assert len(h.broker.sent) == sent
    report = h.service.report()
    assert report["needed"] == 1
    assert report[status] == 1


def test_approve_under_max_loss_mode_applies_its_rule() -> None:
    config = msgspec.structs.replace(
        CONFIG, mode="approve_under_max_loss", auto_approve_max_loss=2_000.0
    )
    h = ApprovalHarness(config)
    h.manager.submit(put_spread("small", quantity=3))
    h.manager.submit(short_put("big"))
    assert h.service.get("apr-small").status is ApprovalStatus.APPROVED
    assert h.service.get("apr-big").status is ApprovalStatus.REJECTED
    assert [i.client_order_id for i in h.broker.sent] == ["small"]


def test_unknown_request_is_refused(h: ApprovalHarness) -> None:
    with pytest.raises(ApprovalRefusedError) as missing:
        h.service.get("apr-nope")
    assert missing.value.code == "not_found"

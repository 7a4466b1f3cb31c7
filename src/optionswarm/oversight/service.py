"""``OversightService``: the approval queue the CLI, the API and the dashboard all call.

* :meth:`policy` is the risk engine's ``approval_policy`` seam: it records the proposed intent,
  measures the order and applies the configured rules; the measured snapshot becomes the
  :class:`ApprovalRequest` when the order manager moves the order to PENDING_APPROVAL.
* :meth:`approve` / :meth:`reject`: four eyes above a threshold, never the manual order's own
  placer, risk re-checked against the market and portfolio of the moment, prices within a
  tolerance; each decision is a conditional update in the store, so it happens at most once.
* Expiry: a clock alarm per request, and a lazy check on every access; an expired order is
  rejected, never executed. A halt or the kill switch rejects every open request.
* Every step is an event on the bus (``oversight.*``) and a record in the audit log.

Errors: :class:`ApprovalRefusedError` (``.code`` says why: ``not_found``, ``already_decided``,
``self_approval``, ``same_approver``, ``risk_recheck_failed``, ``price_moved``, ``expired``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec

from optionswarm.audit.kinds import AuditKind
from optionswarm.bus import MessageBus, Subscription
from optionswarm.engine import Clock, Component, TimeEvent
from optionswarm.engine.recorder import AuditSink
from optionswarm.engine.topics import DECISIONS, ORDERS
from optionswarm.execution import ORDER_EVENTS, OrderEvent, OrderState
from optionswarm.model import Decision, OrderIntent
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.intake import ApprovalIntake, automatic_answers, build_request
from optionswarm.oversight.recheck import recheck_refusal
from optionswarm.oversight.states import ApprovalStatus, ApprovalTrigger, apply_approval_trigger
from optionswarm.oversight.store import ApprovalStore, StoredRequest
from optionswarm.oversight.target import ApprovalTarget
from optionswarm.oversight.types import (
    APPROVAL_REQUESTED,
    ApprovalRequest,
    ApprovalRequested,
    ApprovalVote,
    outcome_event,
)
from optionswarm.risk import (
    RISK_TOPICS,
    KillSwitchEngaged,
    RiskEngine,
    TradingState,
    TradingStateChanged,
)

__all__ = ["ApprovalRefusedError", "OversightService"]

_S = ApprovalStatus
_T = ApprovalTrigger
_OPEN = (_S.PENDING, _S.APPROVED_PARTIAL)
_SETTLED = (_S.APPROVED, _S.REJECTED, _S.EXPIRED)
_AUDIT_KIND = {
    _S.APPROVED_PARTIAL: AuditKind.APPROVAL_GRANTED,
    _S.APPROVED: AuditKind.APPROVAL_GRANTED,
    _S.REJECTED: AuditKind.APPROVAL_DENIED,
    _S.CANCELLED: AuditKind.APPROVAL_DENIED,
    _S.EXPIRED: AuditKind.APPROVAL_EXPIRED,
}


class ApprovalRefusedError(RuntimeError):
    """An approval or rejection that cannot be taken; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class OversightService(Component):
    """Approval policy, queue, decisions and expiry over one :class:`ApprovalStore`."""

    def __init__(
        self,
        config: OversightConfig,
        store: ApprovalStore,
        *,
        bus: MessageBus,
        clock: Clock,
        risk: RiskEngine | None = None,
        target: ApprovalTarget | None = None,
        audit: AuditSink | None = None,
        latest_decision: Callable[[], Decision | None] | None = None,
        name: str = "oversight",
    ) -> None:
        super().__init__(name, bus, clock)
        self.config = config
        self.store = store
        self.risk = risk
        self.target = target
        self.audit = audit
        self._lock = threading.RLock()
        self._audit_lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self.stats: Counter[str] = Counter()
        self._settled: set[str] = set()  # requests whose order this process released/rejected
        store.create()
        checks = () if risk is None else tuple(name for name, _ in risk.checks)
        self.intake = ApprovalIntake(config.policy, store, clock, checks, latest_decision)
        if risk is not None:
            risk.approval_policy = self.intake.policy

    def record_decision(self, decision: Decision, decision_id: str | None = None) -> None:
        """File a swarm decision (its confidence, agents and weights) for the orders it causes."""
        self.intake.record_decision(decision, decision_id)

    def place_manual(self, intent: OrderIntent, actor: str) -> None:
        """A person's order: remember who placed it (they may never approve it), then route it."""
        self.bus.publish(ORDERS, self.intake.manual(intent, actor))

    # -- bus ---------------------------------------------------------------------------------
    def on_start(self) -> None:
        bus = self.bus
        self._subscriptions = [
            bus.subscribe(ORDERS, self.intake.persist),
            bus.subscribe(DECISIONS, self.intake.on_strategy_decision),
            bus.subscribe(ORDER_EVENTS, self._on_order_event),
            bus.subscribe(RISK_TOPICS[TradingStateChanged], self._on_trading_state),
            bus.subscribe(RISK_TOPICS[KillSwitchEngaged], self._on_kill),
        ]
        for request in self.store.requests_in(_OPEN):
            self._arm(request)
        interval = self.config.sync_interval_ns
        if interval is not None:
            self.clock.set_timer(f"{self.name}.sync", interval, self._on_sync)

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []
        for name in self.clock.timer_names():
            if name.startswith((f"{self.name}.expire.", f"{self.name}.sync")):
                self.clock.cancel(name)

    def _on_order_event(self, event: OrderEvent) -> None:
        if event.state is OrderState.PENDING_APPROVAL:
            self.open_request(event.client_order_id)
        elif event.state is OrderState.SUBMITTED:
            self.intake.sent(event.client_order_id, event.ts_ns)
        elif event.previous is OrderState.PENDING_APPROVAL and event.state is OrderState.CANCELLED:
            self._close_open(event.client_order_id, _T.CANCEL, "order_cancelled", event.message)

    def _on_trading_state(self, event: object) -> None:
        if isinstance(event, TradingStateChanged) and event.current is TradingState.HALTED:
            self.reject_all("trading_halted", f"trading halted: {event.message}")

    def _on_kill(self, event: object) -> None:
        if isinstance(event, KillSwitchEngaged):
            self.reject_all("kill_switch", f"kill switch by {event.actor}: {event.reason}")

    # -- opening -----------------------------------------------------------------------------
    def open_request(self, client_order_id: str) -> ApprovalRequest | None:
        """Turn the staged policy verdict of an order into a stored, announced request."""
        with self._lock:
            staged = self.intake.take_staged(client_order_id)
            proposed = self.store.intent(client_order_id)
            if staged is None or proposed is None:
                self.log.warning("approval_without_policy_verdict", order=client_order_id)
                if self.target is not None and self.store.load_by_order(client_order_id) is None:
                    # nothing an approver could be shown: refuse rather than leave it waiting
                    why = "approval_unavailable: no policy verdict was recorded for this order"
                    self.target.reject(client_order_id, why)
                return None
            now = self.clock.now_ns()
            decision = self.intake.decision_of(proposed.intent)
            request = build_request(staged, proposed, decision, now, self.config)
            if not self.store.insert_request(request):
                return None
            self.stats["needed"] += 1
            self._record(AuditKind.APPROVAL_REQUESTED, request, now)
            self.bus.publish(APPROVAL_REQUESTED, ApprovalRequested(request=request))
            self._arm(request)
        self._auto_decide(request)
        return request

    def _auto_decide(self, request: ApprovalRequest) -> None:
        for approve, actor, comment in automatic_answers(self.config, request):
            if approve:
                self.approve(request.request_id, actor, comment)
            else:
                self.reject(request.request_id, actor, comment)

    def _arm(self, request: ApprovalRequest) -> None:
        if request.expires_ns <= self.clock.now_ns():
            self._expire(request.request_id)
            return
        self.clock.set_alarm(
            f"{self.name}.expire.{request.request_id}", request.expires_ns, self._on_alarm
        )

    def _on_alarm(self, event: TimeEvent) -> None:
        self._expire(event.name.rsplit(".expire.", 1)[1])

    # -- queries (each access expires what is overdue) ---------------------------------------
    def list_requests(self, status: ApprovalStatus | None = None) -> list[ApprovalRequest]:
        """Requests, oldest first (optionally one status)."""
        self.expire_due()
        return self.store.requests_in(None if status is None else [status])

    def get(self, request_id: str) -> ApprovalRequest:
        """One request (``ApprovalRefusedError('not_found')`` if none)."""
        stored = self._load(request_id)
        if stored.request.is_open and stored.request.expires_ns <= self.clock.now_ns():
            self._expire(request_id)
            stored = self._load(request_id)
        return stored.request

    def votes(self, request_id: str) -> list[ApprovalVote]:
        """The votes cast on a request."""
        return self.store.votes_of(request_id)

    def expire_due(self) -> list[str]:
        """Expire every open request past its time-to-live; returns their ids."""
        now = self.clock.now_ns()
        due = [r.request_id for r in self.store.requests_in(_OPEN) if r.expires_ns <= now]
        return [rid for rid in due if self._expire(rid)]

    def _load(self, request_id: str) -> StoredRequest:
        stored = self.store.load(request_id)
        if stored is None:
            raise ApprovalRefusedError("not_found", f"no approval request {request_id!r}")
        return stored

    # -- decisions ---------------------------------------------------------------------------
    def approve(self, request_id: str, actor: str, comment: str = "") -> ApprovalRequest:
        """One approver's yes; the order is released once enough different approvers agree."""
        while True:
            stored = self._decidable(request_id, actor)
            request = stored.request
            self._check_approver(request, actor)
            refusal = self._recheck(request)
            if refusal is not None:
                code, message = refusal
                if self._decide(stored, _T.REJECT, actor=actor, code=code, comment=message) is None:
                    continue  # someone decided first: re-read
                raise ApprovalRefusedError(code, message)
            approvers = (*request.approvers, actor)
            trigger = (
                _T.APPROVE if len(approvers) >= request.required_approvals else _T.APPROVE_PARTIAL
            )
            vote = ApprovalVote(
                request_id=request_id,
                actor=actor,
                approve=True,
                comment=comment,
                ts_ns=self.clock.now_ns(),
            )
            done = self._decide(
                stored,
                trigger,
                actor=actor,
                code="approved",
                comment=comment,
                vote=vote,
                approvers=approvers,
            )
            if done is not None:
                return done

    def reject(self, request_id: str, actor: str, comment: str = "") -> ApprovalRequest:
        """An approver's no: the order is rejected and never executed."""
        while True:
            stored = self._decidable(request_id, actor)
            vote = ApprovalVote(
                request_id=request_id,
                actor=actor,
                approve=False,
                comment=comment,
                ts_ns=self.clock.now_ns(),
            )
            done = self._decide(
                stored,
                _T.REJECT,
                actor=actor,
                code="rejected_by_approver",
                comment=comment,
                vote=vote,
            )
            if done is not None:
                return done

    def reject_all(self, code: str, message: str) -> list[str]:
        """Reject every open request (a halt or the kill switch); returns their ids."""
        done = []
        for request in self.store.requests_in(_OPEN):
            if self._close_open(request.client_order_id, _T.REJECT, code, message):
                done.append(request.request_id)
        return done

    def _decidable(self, request_id: str, actor: str) -> StoredRequest:
        self.get(request_id)  # expires lazily
        stored = self._load(request_id)  # one snapshot: the update is conditional on its version
        request = stored.request
        if not request.is_open:
            message = f"request {request_id} is already {request.status.value}"
            raise ApprovalRefusedError("already_decided", message)
        if actor in request.approvers:
            raise ApprovalRefusedError("same_approver", f"{actor} already approved {request_id}")
        return stored

    @staticmethod
    def _check_approver(request: ApprovalRequest, actor: str) -> None:
        if request.placed_by is not None and actor == request.placed_by:
            message = f"{actor} placed order {request.client_order_id} and may not approve it"
            raise ApprovalRefusedError("self_approval", message)

    def _recheck(self, request: ApprovalRequest) -> tuple[str, str] | None:
        if self.risk is None:
            return None
        return recheck_refusal(self.risk, request, self.config)

    def _expire(self, request_id: str) -> bool:
        stored = self.store.load(request_id)
        if stored is None or not stored.request.is_open:
            return False
        self.clock.cancel(f"{self.name}.expire.{request_id}")
        message = "no approver answered within the time-to-live"
        return (
            self._decide(stored, _T.EXPIRE, actor="system", code="expired", comment=message)
            is not None
        )

    def _close_open(
        self, client_order_id: str, trigger: ApprovalTrigger, code: str, why: str
    ) -> bool:
        while True:
            stored = self.store.load_by_order(client_order_id)
            if stored is None or not stored.request.is_open:
                return False
            if self._decide(stored, trigger, actor="system", code=code, comment=why) is not None:
                return True

    def _decide(
        self,
        stored: StoredRequest,
        trigger: ApprovalTrigger,
        *,
        actor: str,
        code: str,
        comment: str,
        vote: ApprovalVote | None = None,
        approvers: tuple[str, ...] | None = None,
    ) -> ApprovalRequest | None:
        """Move the request once (conditional update); act on the order; announce and audit."""
        request = stored.request
        status = apply_approval_trigger(request.status, trigger)
        now = self.clock.now_ns()
        updated = msgspec.structs.replace(
            request,
            status=status,
            approvers=request.approvers if approvers is None else approvers,
            decided_ns=None if status.is_open else now,
            decided_by=None if status.is_open else actor,
            decision_code=code,
            comment=comment,
        )
        if not self.store.replace(stored, updated, vote):
            return None  # someone else moved it first: the caller re-reads
        if not status.is_open:
            self.clock.cancel(f"{self.name}.expire.{request.request_id}")
        self.stats[status.value] += 1
        self._act_on_order(updated)
        self._announce(updated, actor, code, comment, now)
        return updated

    def _on_sync(self, _: TimeEvent) -> None:
        self.sync()

    def sync(self) -> list[str]:
        """Carry out decisions another process (the CLI) wrote to the store; returns order ids.

        Orders still waiting here are released (after this process's risk re-check: if risk
        refuses now, the request moves APPROVED -> REJECTED with the reason) or rejected.
        """
        self.expire_due()
        target = self.target
        if target is None:
            return []
        acted = []
        for request in self.store.requests_in(_SETTLED):
            cid = request.client_order_id
            if request.request_id in self._settled or not target.is_waiting(cid):
                continue
            acted.append(cid)
            refusal = self._recheck(request) if request.status is _S.APPROVED else None
            stored = self.store.load(request.request_id)
            if refusal is not None and stored is not None:
                code, why = refusal
                if self._decide(stored, _T.REJECT, actor="system", code=code, comment=why):
                    continue
            self._act_on_order(request)
        return acted

    def _act_on_order(self, request: ApprovalRequest) -> None:
        target, cid = self.target, request.client_order_id
        if target is None or request.status is _S.APPROVED_PARTIAL:
            return
        if request.status is _S.APPROVED:
            acted = target.release(cid, request.decided_by or "")
        elif request.status is not _S.CANCELLED:
            acted = target.reject(cid, f"{request.decision_code}: {request.comment}")
        else:
            acted = True
        if acted:  # else the order is not (yet) here, e.g. before a restarted manager recovers
            self._settled.add(request.request_id)

    def _announce(
        self, request: ApprovalRequest, actor: str, code: str, comment: str, now: int
    ) -> None:
        topic, event = outcome_event(request, actor, code, comment, now)
        self.bus.publish(topic, event)
        self._record(_AUDIT_KIND[request.status], event, now)

    def _record(self, kind: str, payload: Any, ts_ns: int) -> None:
        if self.audit is not None:
            with self._audit_lock:  # one appending thread at a time per audit log
                self.audit.append_many([(kind, payload, ts_ns)])

    def report(self) -> dict[str, int]:
        """Counts for a backtest report: requests needed and how they ended."""
        return dict(sorted(self.stats.items()))

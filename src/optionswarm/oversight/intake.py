"""What comes into oversight before a request exists: proposed intents, decisions, the policy.

``ApprovalIntake.policy`` is the risk engine's ``approval_policy(order, ctx)`` seam. It records
the proposed intent (so what was proposed, approved and sent stay apart), measures the order
once and applies the rules; when approval is needed it keeps the measured snapshot until the
order manager moves the order to PENDING_APPROVAL (:meth:`take_staged`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from optionswarm.engine import Clock
from optionswarm.engine.events import StrategyDecision
from optionswarm.model import Decision, OrderIntent
from optionswarm.oversight.config import OversightConfig, PolicyConfig
from optionswarm.oversight.policy import (
    OrderFacts,
    OrderMeasures,
    as_deny_reasons,
    evaluate,
    measure,
)
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.oversight.store import ApprovalStore, ProposedIntent
from optionswarm.oversight.types import (
    ApprovalReason,
    ApprovalRequest,
    DecisionInfo,
    RiskCheckLine,
)
from optionswarm.risk import CheckContext, DenyReason

__all__ = ["ApprovalIntake", "StagedVerdict", "automatic_answers", "build_request"]


class StagedVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """The policy's verdict on one order and what was measured, waiting for its request."""

    reasons: tuple[ApprovalReason, ...]
    measures: OrderMeasures
    structure: str
    checks: tuple[RiskCheckLine, ...]
    trading_state: str


class ApprovalIntake:
    """Proposed intents, who placed manual orders, decisions, and the policy seam."""

    def __init__(
        self,
        policy: PolicyConfig,
        store: ApprovalStore,
        clock: Clock,
        check_names: Sequence[str] = (),
        latest_decision: Callable[[], Decision | None] | None = None,
    ) -> None:
        self.rules = policy
        self.store = store
        self.clock = clock
        self.check_names = tuple(check_names)
        self.traded: set[str] = store.traded_underlyings()
        self._staged: dict[str, StagedVerdict] = {}
        self._decisions: dict[str, DecisionInfo] = {}
        self._placed_by: dict[str, str] = {}
        self.latest_decision = latest_decision  # e.g. the swarm strategy's newest consensus

    def policy(self, order: OrderIntent, ctx: CheckContext) -> Sequence[DenyReason]:
        """``approval_policy(order, ctx)``: the rules' reasons (empty: no approval needed)."""
        self.persist(order)
        measures = measure(ctx)
        exposure = ctx.book.exposures.get(order.underlying)
        holds = exposure is not None and bool(exposure.positions)
        facts = OrderFacts(
            source=order.source,
            quantity=order.quantity,
            underlying=order.underlying,
            measures=measures,
            trading_state=ctx.state,
            first_trade=order.underlying not in self.traded and not holds,
            decision=self.decision_of(order),
            position_reducing=ctx.position_reducing,
        )
        reasons = evaluate(self.rules, facts)
        if reasons:
            self._staged[order.client_order_id] = StagedVerdict(
                reasons=reasons,
                measures=measures,
                structure=ctx.structure,
                checks=tuple(RiskCheckLine(check=name, passed=True) for name in self.check_names),
                trading_state=ctx.state.value,
            )
        return as_deny_reasons(reasons)

    def take_staged(self, client_order_id: str) -> StagedVerdict | None:
        """The staged verdict of an order (removed)."""
        return self._staged.pop(client_order_id, None)

    # -- intents ---------------------------------------------------------------------------
    def persist(self, intent: OrderIntent) -> None:
        """Record the intent as proposed (once; later copies change nothing)."""
        placed_by = self._placed_by.get(intent.client_order_id)
        self.store.save_intent(intent, placed_by, self.clock.now_ns())

    def manual(self, intent: OrderIntent, actor: str) -> OrderIntent:
        """A person's order: remember who placed it and record it; returns it as manual."""
        if intent.source != "manual":
            intent = msgspec.structs.replace(intent, source="manual")
        self._placed_by[intent.client_order_id] = actor
        self.persist(intent)
        return intent

    def sent(self, client_order_id: str, ts_ns: int) -> None:
        """The order went to the broker: note it, and its underlying is traded from now on."""
        self.store.mark_sent(client_order_id, ts_ns)
        proposed = self.store.intent(client_order_id)
        if proposed is not None:
            self.traded.add(proposed.intent.underlying)

    # -- decisions -------------------------------------------------------------------------
    def record_decision(self, decision: Decision, decision_id: str | None = None) -> None:
        """File a swarm decision (confidence, agents and weights) for the orders it causes."""
        info = DecisionInfo.of(decision, decision_id)
        self._decisions[info.decision_id] = info

    def on_strategy_decision(self, decision: StrategyDecision) -> None:
        """A strategy's decision on the bus: its explanation, with the swarm's consensus of the
        same instant (confidence, each agent's view and weight) when ``latest_decision`` has it."""
        if decision.decision_id in self._decisions:
            return
        swarm = None if self.latest_decision is None else self.latest_decision()
        if swarm is not None and swarm.ts_ns == decision.ts_ns:
            info = DecisionInfo.of(swarm, decision.decision_id)
            info = msgspec.structs.replace(info, explanation=decision.explanation)
        else:
            info = DecisionInfo(
                decision_id=decision.decision_id,
                explanation=decision.explanation,
                reason_code=decision.reason_code,
            )
        self._decisions[decision.decision_id] = info

    def decision_of(self, order: OrderIntent) -> DecisionInfo | None:
        """The decision behind an order, if known."""
        return None if order.decision_id is None else self._decisions.get(order.decision_id)


def approvals_needed(config: OversightConfig, m: OrderMeasures) -> int:
    """Two different approvers at or above the four-eyes max loss (or unbounded), else one."""
    cap = config.four_eyes_max_loss_above
    if cap is None:
        return 1
    return 2 if (not m.bounded or (m.max_loss is not None and m.max_loss >= cap)) else 1


def build_request(
    staged: StagedVerdict,
    proposed: ProposedIntent,
    decision: DecisionInfo | None,
    now_ns: int,
    config: OversightConfig,
) -> ApprovalRequest:
    """The request an approver sees, captured now from the policy's staged snapshot."""
    m = staged.measures
    cid = proposed.intent.client_order_id
    return ApprovalRequest(
        request_id=f"apr-{cid}",
        client_order_id=cid,
        intent=proposed.intent,
        status=ApprovalStatus.PENDING,
        reasons=staged.reasons,
        structure=staged.structure,
        max_loss=m.max_loss,
        margin=m.margin,
        greeks_before=m.greeks_before,
        greeks_after=m.greeks_after,
        spot=m.spot,
        package_mid=m.package_mid,
        decision=decision,
        risk_checks=staged.checks,
        trading_state=staged.trading_state,
        placed_by=proposed.placed_by,
        required_approvals=approvals_needed(config, m),
        created_ns=now_ns,
        expires_ns=now_ns + config.ttl_ns,
    )


def automatic_answers(
    config: OversightConfig, request: ApprovalRequest
) -> list[tuple[bool, str, str]]:
    """What a backtest's approval mode answers: ``(approve, actor, comment)`` per answer."""
    mode = config.mode
    if mode == "human":
        return []
    actor, comment = f"auto:{mode}", f"backtest mode {mode}"
    approve = mode == "approve_all" or (
        mode == "approve_under_max_loss"
        and request.max_loss is not None
        and request.max_loss < config.auto_approve_max_loss
    )
    if not approve:
        return [(False, actor, comment)]
    return [(True, f"{actor}:{i + 1}", comment) for i in range(request.required_approvals)]

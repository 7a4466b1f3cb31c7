"""The approval policy: which orders a human must approve, each rule with a code and a sentence.

:func:`measure` reads the risk engine's :class:`~optionswarm.risk.CheckContext` once (max loss,
margin, notional, Greeks before and after, prices); :func:`evaluate` applies the rules of
:class:`~optionswarm.oversight.config.PolicyConfig` to those facts. The rules are pure, so each
is tested alone; :class:`~optionswarm.oversight.service.OversightService` plugs them into the
risk engine's ``approval_policy`` seam.
"""

from __future__ import annotations

import math

import msgspec

from optionswarm.oversight.config import PolicyConfig
from optionswarm.oversight.types import ApprovalReason, DecisionInfo
from optionswarm.risk import CheckContext, DenyReason, RiskCode, TradingState
from optionswarm.risk.checks_exposure import order_cost, structure_max_loss
from optionswarm.risk.margin_model import MarginError

__all__ = ["OrderFacts", "OrderMeasures", "as_deny_reasons", "evaluate", "measure"]


class OrderMeasures(msgspec.Struct, frozen=True, kw_only=True):
    """What the order would do, measured at one instant (None where it cannot be measured)."""

    max_loss: float | None  # dollars; None when unbounded or unknown (``bounded`` tells which)
    bounded: bool
    margin: float | None
    notional: float
    greeks_before: tuple[float, float, float, float]
    greeks_after: tuple[float, float, float, float]
    spot: float | None
    package_mid: float | None  # per unit, same sign convention as the limit (debit > 0)


class OrderFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The facts the rules read."""

    source: str
    quantity: int
    underlying: str
    measures: OrderMeasures
    trading_state: TradingState
    first_trade: bool
    decision: DecisionInfo | None
    position_reducing: bool = False  # closes held positions only: size/decision rules skip


def measure(ctx: CheckContext) -> OrderMeasures:
    """Max loss, margin, notional, portfolio Greeks and prices of the order in ``ctx``."""
    before = tuple(ctx.book.total_greeks)
    after = tuple(b + c for b, c in zip(before, ctx.order_greeks, strict=True))
    u = ctx.underlying
    spot = None if u is None else u.spot
    notional = sum(abs(leg.quantity) * leg.multiplier * (spot or 0.0) for leg in ctx.legs)
    max_loss: float | None = None
    bounded = True
    margin: float | None = None
    mid: float | None = None
    if ctx.complete and u is not None:
        loss = structure_max_loss(ctx, ctx.margin_legs, order_cost(ctx))
        bounded = loss.bounded and math.isfinite(loss.amount)
        max_loss = loss.amount if bounded else None
        try:
            margin = ctx.margin.margin(ctx.margin_legs, u.spot, broad_based=u.broad_based).capital
        except MarginError:
            margin = None
        mid = sum(leg.quantity * leg.price for leg in ctx.legs) / ctx.order.quantity
    return OrderMeasures(
        max_loss=max_loss,
        bounded=bounded,
        margin=margin,
        notional=notional,
        greeks_before=(before[0], before[1], before[2], before[3]),
        greeks_after=(after[0], after[1], after[2], after[3]),
        spot=spot,
        package_mid=mid,
    )


def _size_rules(cfg: PolicyConfig, facts: OrderFacts) -> list[ApprovalReason]:
    out: list[ApprovalReason] = []
    m = facts.measures
    if (
        cfg.max_loss_above is not None
        and m.max_loss is not None
        and m.max_loss > cfg.max_loss_above
    ):
        out.append(
            ApprovalReason(
                code="max_loss_above",
                message=f"max loss ${m.max_loss:,.0f} is above ${cfg.max_loss_above:,.0f}",
            )
        )
    if cfg.notional_above is not None and m.notional > cfg.notional_above:
        out.append(
            ApprovalReason(
                code="notional_above",
                message=f"notional ${m.notional:,.0f} is above ${cfg.notional_above:,.0f}",
            )
        )
    if cfg.undefined_risk and not m.bounded:
        out.append(ApprovalReason(code="undefined_risk", message="the loss is unbounded"))
    return out


def _decision_rules(cfg: PolicyConfig, facts: OrderFacts) -> list[ApprovalReason]:
    out: list[ApprovalReason] = []
    decision = facts.decision
    if decision is None:
        return out
    threshold = cfg.confidence_below
    if (
        threshold is not None
        and decision.confidence is not None
        and decision.confidence < threshold
    ):
        out.append(
            ApprovalReason(
                code="low_confidence",
                message=f"consensus confidence {decision.confidence:.2f} is below {threshold:.2f}",
            )
        )
    flagged = sorted(
        o.agent_id
        for o in decision.opinions
        if o.agent_id in cfg.veto_agents and not o.abstained and o.conviction >= cfg.veto_conviction
    )
    if flagged or decision.reason_code == "vetoed":
        who = ", ".join(flagged) or "a veto agent"
        out.append(ApprovalReason(code="veto_flag", message=f"{who} flagged the decision"))
    return out


def _context_rules(cfg: PolicyConfig, facts: OrderFacts) -> list[ApprovalReason]:
    out: list[ApprovalReason] = []
    if cfg.while_reducing and facts.trading_state is TradingState.REDUCING:
        out.append(ApprovalReason(code="reducing_state", message="trading is reduce-only"))
    if cfg.first_trade_in_underlying and facts.first_trade:
        out.append(
            ApprovalReason(
                code="first_trade_in_underlying",
                message=f"first trade in {facts.underlying}",
            )
        )
    limit = cfg.manual_quantity_above
    if facts.source == "manual" and limit is not None and facts.quantity > limit:
        out.append(
            ApprovalReason(
                code="manual_order",
                message=f"manual order of {facts.quantity} unit(s) (above {limit})",
            )
        )
    return out


def evaluate(cfg: PolicyConfig, facts: OrderFacts) -> tuple[ApprovalReason, ...]:
    """Every rule the order trips (empty: no approval needed)."""
    if facts.source == "flatten":
        return ()  # the kill switch's own closing orders never wait for a human
    if facts.position_reducing:  # closing what is held lowers risk: only context rules apply
        return tuple(_context_rules(cfg, facts))
    return tuple(_size_rules(cfg, facts) + _decision_rules(cfg, facts) + _context_rules(cfg, facts))


def as_deny_reasons(reasons: tuple[ApprovalReason, ...]) -> tuple[DenyReason, ...]:
    """The risk engine's form: code ``approval_required``, the rule in ``check``."""
    return tuple(
        DenyReason(code=RiskCode.APPROVAL_REQUIRED, check=f"approval.{r.code}", message=r.message)
        for r in reasons
    )

"""Exposure pre-trade checks: positions, portfolio Greeks, max loss and margin after the order.

They read the book's incremental aggregates and touch only the order's legs. A limit already
breached does not block an order that shrinks the breach ("worsens" = grows in magnitude).
"""

from __future__ import annotations

from collections.abc import Sequence

from optionswarm.risk.book import GREEK_NAMES
from optionswarm.risk.checks import Check
from optionswarm.risk.context import CheckContext, deny
from optionswarm.risk.margin import MarginEngine
from optionswarm.risk.margin_model import MarginError, MarginLeg
from optionswarm.risk.payoff import MaxLoss, max_loss_at_expiry, single_expiry, stress_loss
from optionswarm.risk.quick_margin import quick_capital
from optionswarm.risk.reasons import DenyReason, RiskCode

__all__ = [
    "EXPOSURE_CHECKS",
    "check_greek_limits",
    "check_margin",
    "check_max_loss",
    "check_position_limits",
    "order_cost",
    "structure_max_loss",
]

_PASS: tuple[DenyReason, ...] = ()
_C = RiskCode
_GREEK_CODES = (
    _C.DELTA_LIMIT_EXCEEDED,
    _C.GAMMA_LIMIT_EXCEEDED,
    _C.VEGA_LIMIT_EXCEEDED,
    _C.THETA_LIMIT_EXCEEDED,
)


def check_position_limits(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Absolute contracts per option symbol and per underlying after the order."""
    limits, book = ctx.config.positions, ctx.book
    out: list[DenyReason] = []
    gross_change = 0
    for leg in ctx.legs:
        if not leg.is_option:
            continue
        before = book.positions.get(leg.symbol, 0)
        after = before + leg.quantity
        gross_change += abs(after) - abs(before)
        cap = limits.max_contracts_per_symbol
        if cap is not None and abs(after) > cap and abs(after) > abs(before):
            message = f"{leg.symbol.strip()} would hold {after:+d} contracts (limit {cap})"
            out += deny(_C.POSITION_LIMIT_CONTRACT, "position_limits", message)
    cap = limits.max_contracts_per_underlying
    exposure = book.exposures.get(ctx.order.underlying)
    gross = 0 if exposure is None else exposure.gross_contracts
    if cap is not None and gross_change > 0 and gross + gross_change > cap:
        message = (
            f"{ctx.order.underlying} would hold {gross + gross_change} contracts (limit {cap})"
        )
        out += deny(_C.POSITION_LIMIT_UNDERLYING, "position_limits", message)
    return tuple(out)


def _greek_breaches(
    before: list[float], change: tuple[float, ...], bounds: tuple[float | None, ...], scope: str
) -> list[DenyReason]:
    out: list[DenyReason] = []
    for i, bound in enumerate(bounds):
        if bound is None:
            continue
        after = before[i] + change[i]
        if abs(after) > bound and abs(after) > abs(before[i]):
            message = (
                f"{GREEK_NAMES[i]} ${change[i]:+,.0f} takes {scope} to ${after:+,.0f} "
                f"(limit ${bound:,.0f})"
            )
            out += deny(_GREEK_CODES[i], "greek_limits", message)
    return out


def check_greek_limits(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Dollar delta, gamma, vega, theta per underlying and in total after the order."""
    limits, book = ctx.config.greeks, ctx.book
    exposure = book.exposures.get(ctx.order.underlying)
    before = [0.0, 0.0, 0.0, 0.0] if exposure is None else exposure.greeks
    per = limits.per_underlying
    tot = limits.total
    out = _greek_breaches(
        before, ctx.order_greeks, (per.delta, per.gamma, per.vega, per.theta), ctx.order.underlying
    )
    out += _greek_breaches(
        book.total_greeks, ctx.order_greeks, (tot.delta, tot.gamma, tot.vega, tot.theta), "total"
    )
    return tuple(out)


def order_cost(ctx: CheckContext) -> float:
    """Dollars paid for the order (negative for a credit): at the limit for an all-option
    order, else at the legs' mids."""
    options = [leg for leg in ctx.legs if leg.is_option]
    if ctx.order.limit_price is not None and len(options) == len(ctx.legs):
        return ctx.order.limit_price * ctx.order.quantity * options[0].multiplier
    return sum(leg.quantity * leg.price * leg.multiplier for leg in ctx.legs)


def structure_max_loss(ctx: CheckContext, legs: Sequence[MarginLeg], cost: float) -> MaxLoss:
    """Exact expiry payoff when single-expiry; stress when unbounded or multi-expiry."""
    if single_expiry(legs):
        exact = max_loss_at_expiry(legs, cost)
        if exact.bounded:
            return exact
    u, loss = ctx.underlying, ctx.config.loss
    assert u is not None  # checked by the caller via ctx.complete
    vols = [leg.mark.iv if leg.mark is not None else 0.0 for leg in ctx.legs]
    stressed = stress_loss(
        legs,
        vols,
        cost,
        spot=u.spot,
        rate=u.rate,
        dividend_yield=u.dividend_yield,
        now_ns=ctx.now_ns,
        moves=loss.stress_moves,
        vol_shocks=loss.vol_shocks,
    )
    unbounded_tail = max_loss_at_expiry(legs, cost).bounded is False
    return MaxLoss(
        amount=stressed.amount,
        bounded=not unbounded_tail,
        method="stress",
        worst_price=stressed.worst_price,
    )


def check_max_loss(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Defined risk: exact max loss <= limit. Undefined risk: allowed at all, stress <= limit."""
    if ctx.position_reducing or not ctx.complete:
        return _PASS
    loss = ctx.config.loss
    result = structure_max_loss(ctx, ctx.margin_legs, order_cost(ctx))
    if result.method == "payoff":
        cap = loss.max_loss_per_order
        if cap is not None and result.amount > cap:
            message = f"max loss ${result.amount:,.0f} at expiry > limit ${cap:,.0f}"
            return deny(_C.MAX_LOSS_EXCEEDED, "max_loss", message)
        return _PASS
    if not result.bounded and _covered_by_holdings(ctx):
        return _PASS
    out: list[DenyReason] = []
    if not result.bounded and not loss.allow_undefined_risk:
        out += deny(_C.UNDEFINED_RISK_NOT_ALLOWED, "max_loss", "the loss is unbounded")
    cap = loss.max_stress_loss
    if cap is not None and result.amount > cap:
        message = f"stress loss ${result.amount:,.0f} > limit ${cap:,.0f}"
        out += deny(_C.STRESS_LOSS_EXCEEDED, "max_loss", message)
    return tuple(out)


def _covered_by_holdings(ctx: CheckContext) -> bool:
    """True when held stock and longer-dated long calls keep the right tail from falling."""
    order_slope = sum(
        leg.quantity * (leg.multiplier if leg.is_option else 1)
        for leg in ctx.margin_legs
        if leg.is_call or not leg.is_option
    )
    latest_short = max(
        (leg.expiry_ns for leg in ctx.margin_legs if leg.is_option and leg.quantity < 0),
        default=0,
    )
    exposure = ctx.book.exposures.get(ctx.order.underlying)
    held = 0
    for symbol, quantity in (exposure.positions if exposure else {}).items():
        try:
            leg = ctx.margin_leg_of(symbol, quantity)
        except MarginError:
            return False
        if not leg.is_option:
            held += quantity
        elif leg.is_call and leg.expiry_ns >= latest_short:
            held += quantity * leg.multiplier
    return order_slope + held >= 0


def _incremental_capital(ctx: CheckContext) -> float:
    """Margin capital of the underlying with the order minus without it (exact regroup)."""
    u = ctx.underlying
    assert u is not None
    exposure = ctx.book.exposures.get(ctx.order.underlying)
    merged = dict(exposure.positions) if exposure is not None else {}
    for leg in ctx.legs:
        merged[leg.symbol] = merged.get(leg.symbol, 0) + leg.quantity
    by_symbol = {leg.symbol: leg for leg in ctx.legs}
    legs = [
        by_symbol[s].margin_leg(q) if s in by_symbol else ctx.margin_leg_of(s, q)
        for s, q in merged.items()
        if q
    ]
    after = ctx.margin.margin(legs, u.spot, broad_based=u.broad_based)
    return after.capital - (exposure.margin.capital if exposure is not None else 0.0)


def check_margin(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Buying power: the order alone first (cheap upper bound), then the exact regroup."""
    if ctx.position_reducing or not ctx.complete:
        return _PASS
    u = ctx.underlying
    assert u is not None
    failure = ctx.book.margin_failures.get(ctx.order.underlying)
    if failure is not None:
        message = f"held {ctx.order.underlying} positions cannot be margined: {failure}"
        return deny(_C.MARGIN_UNSUPPORTED, "margin", message)
    available = ctx.book.buying_power
    try:
        # the closed forms are strategy-based: only for the strategy-based engine
        strategy_based = isinstance(ctx.margin, MarginEngine)
        alone = quick_capital(ctx.margin_legs) if strategy_based else None
        if alone is None:
            alone = ctx.margin.margin(ctx.margin_legs, u.spot, broad_based=u.broad_based).capital
        if alone <= available:
            return _PASS
        needed = _incremental_capital(ctx)
    except MarginError as exc:
        return deny(exc.code, "margin", exc.message)
    if needed > available:
        message = f"needs ${needed:,.0f} of margin, ${available:,.0f} buying power available"
        return deny(_C.INSUFFICIENT_BUYING_POWER, "margin", message)
    return _PASS


EXPOSURE_CHECKS: tuple[tuple[str, Check], ...] = (
    ("position_limits", check_position_limits),
    ("greek_limits", check_greek_limits),
    ("max_loss", check_max_loss),
    ("margin", check_margin),
)

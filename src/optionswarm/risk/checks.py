"""Order-level pre-trade checks: each is pure, fits on a screen, and returns its reasons.

A check takes a :class:`CheckContext` and returns a tuple of :class:`DenyReason` (empty = pass).
The engine runs every check in :data:`ORDER_CHECKS` and
:data:`optionswarm.risk.checks_exposure.EXPOSURE_CHECKS` and reports every failure.
"""

from __future__ import annotations

from collections.abc import Callable

from optionswarm.model import NS_PER_DAY
from optionswarm.risk.context import CheckContext, deny
from optionswarm.risk.reasons import DenyReason, RiskCode
from optionswarm.risk.state import TradingState

__all__ = [
    "ORDER_CHECKS",
    "Check",
    "check_expiry",
    "check_instruments",
    "check_liquidity",
    "check_order_size",
    "check_order_type",
    "check_price_collar",
    "check_quote_age",
    "check_scope",
    "check_throttle",
    "check_trading_state",
]

Check = Callable[[CheckContext], tuple[DenyReason, ...]]
_PASS: tuple[DenyReason, ...] = ()
_C = RiskCode


def check_trading_state(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """HALTED denies all but flatten orders; REDUCING denies what does not reduce risk."""
    if ctx.state is TradingState.HALTED:
        flatten = ctx.config.reducing.halted_allows_flatten and ctx.order.source == "flatten"
        if flatten and ctx.position_reducing:
            return _PASS
        return deny(_C.TRADING_HALTED, "trading_state", "trading is halted")
    if ctx.state is TradingState.REDUCING and not ctx.risk_reducing:
        return deny(
            _C.REDUCING_ONLY,
            "trading_state",
            "trading is reduce-only and this order neither closes positions nor reduces Greeks",
        )
    return _PASS


def check_instruments(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Every leg must be a known option of the order's underlying (or the underlying)."""
    if ctx.underlying is None and not ctx.problems:
        return deny(_C.NO_MARKET_DATA, "instruments", f"no price for {ctx.order.underlying}")
    return ctx.problems


def check_scope(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Allowed underlyings and structures."""
    scope = ctx.config.scope
    out: list[DenyReason] = []
    if scope.allowed_underlyings is not None and ctx.order.underlying not in (
        scope.allowed_underlyings
    ):
        out += deny(_C.UNDERLYING_NOT_ALLOWED, "scope", f"{ctx.order.underlying} is not allowed")
    if scope.allowed_structures is not None and ctx.structure not in scope.allowed_structures:
        out += deny(
            _C.STRUCTURE_NOT_ALLOWED, "scope", f"structure {ctx.structure!r} is not allowed"
        )
    return tuple(out)


def check_order_size(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Contracts, premium (|limit| x qty x multiplier) and underlying notional per order."""
    limits = ctx.config.order
    out: list[DenyReason] = []
    options = [leg for leg in ctx.legs if leg.is_option]
    contracts = sum(abs(leg.quantity) for leg in options)
    if limits.max_order_contracts is not None and contracts > limits.max_order_contracts:
        message = f"{contracts} contracts > limit {limits.max_order_contracts}"
        out += deny(_C.ORDER_CONTRACTS_EXCEEDED, "order_size", message)
    multiplier = options[0].multiplier if options else 1
    if ctx.order.limit_price is not None and limits.max_order_premium is not None:
        premium = abs(ctx.order.limit_price) * ctx.order.quantity * multiplier
        if premium > limits.max_order_premium:
            message = f"premium ${premium:,.0f} > limit ${limits.max_order_premium:,.0f}"
            out += deny(_C.ORDER_PREMIUM_EXCEEDED, "order_size", message)
    if ctx.underlying is not None and limits.max_order_notional is not None:
        spot = ctx.underlying.spot
        notional = sum(abs(leg.quantity) * leg.multiplier * spot for leg in ctx.legs)
        if notional > limits.max_order_notional:
            message = f"notional ${notional:,.0f} > limit ${limits.max_order_notional:,.0f}"
            out += deny(_C.ORDER_NOTIONAL_EXCEEDED, "order_size", message)
    return tuple(out)


def check_order_type(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Market orders only where configured."""
    if ctx.order.limit_price is None and not ctx.config.order.allow_market_orders:
        return deny(_C.MARKET_ORDER_NOT_ALLOWED, "order_type", "market orders are not allowed")
    return _PASS


def check_price_collar(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Fat finger: a limit more aggressive than package mid + band is denied."""
    limit = ctx.order.limit_price
    if limit is None or not ctx.complete:
        return _PASS
    quantity = ctx.order.quantity
    mid = gross = half_spreads = 0.0
    for leg in ctx.legs:
        ratio = leg.quantity // quantity
        mid += ratio * leg.price
        gross += abs(ratio) * leg.price
        if leg.mark is not None:
            half_spreads += abs(ratio) * (leg.mark.ask - leg.mark.bid) / 2.0
    collar = ctx.config.collar
    band = max(
        collar.abs_tolerance,
        collar.fraction_of_gross * gross,
        collar.spread_multiple * half_spreads,
    )
    if limit - mid > band:
        message = (
            f"limit {limit:+.2f} is {limit - mid:.2f} above the mid {mid:+.2f} (band {band:.2f})"
        )
        return deny(_C.PRICE_OUTSIDE_COLLAR, "price_collar", message)
    return _PASS


def check_quote_age(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Leg quotes must be fresh enough to trust the collar and the Greeks."""
    max_age = ctx.config.collar.max_quote_age_ns
    if max_age is None:
        return _PASS
    stale = [
        leg.symbol.strip()
        for leg in ctx.legs
        if leg.mark is not None and ctx.now_ns - leg.mark.ts_ns > max_age
    ]
    if stale:
        return deny(_C.STALE_QUOTE, "quote_age", f"quotes older than {max_age} ns: {stale}")
    return _PASS


def check_liquidity(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Opening legs: spread no wider than allowed, open interest at least the minimum."""
    rules = ctx.config.liquidity
    out: list[DenyReason] = []
    for leg, opening in zip(ctx.legs, ctx.opening, strict=True):
        mark = leg.mark
        if mark is None or not opening:
            continue
        spread = mark.ask - mark.bid
        allowed = max(rules.max_spread_abs or 0.0, rules.max_spread_fraction * leg.price)
        if rules.max_spread_abs is not None and spread > allowed:
            message = f"{leg.symbol.strip()} spread {spread:.2f} > {allowed:.2f}"
            out += deny(_C.SPREAD_TOO_WIDE, "liquidity", message)
        if mark.open_interest < rules.min_open_interest:
            message = f"{leg.symbol.strip()} open interest {mark.open_interest}"
            out += deny(_C.OPEN_INTEREST_TOO_LOW, "liquidity", message)
    return tuple(out)


def check_expiry(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """No new option positions under the minimum DTE; no new shorts through ex-dividend."""
    rules = ctx.config.expiry
    out: list[DenyReason] = []
    ex_div = None if ctx.underlying is None else ctx.underlying.ex_dividend_ns
    for leg, opening in zip(ctx.legs, ctx.opening, strict=True):
        if not leg.is_option or not opening:
            continue
        days = (leg.expiry_ns - ctx.now_ns) / NS_PER_DAY
        if days < rules.min_days_to_expiry:
            message = f"{leg.symbol.strip()} expires in {days:.2f} days"
            out += deny(_C.DTE_BELOW_MINIMUM, "expiry", message)
        through = ex_div is not None and ctx.now_ns < ex_div < leg.expiry_ns
        if rules.block_short_through_ex_dividend and leg.quantity < 0 and through:
            message = f"short {leg.symbol.strip()} would be held through the ex-dividend date"
            out += deny(_C.SHORT_THROUGH_EX_DIVIDEND, "expiry", message)
    return tuple(out)


def check_throttle(ctx: CheckContext) -> tuple[DenyReason, ...]:
    """Duplicate ids or contents, and orders per second / minute."""
    status, limits = ctx.throttle, ctx.config.throttle
    out: list[DenyReason] = []
    if status.duplicate_id:
        message = f"client order id {ctx.order.client_order_id!r} was already checked"
        out += deny(_C.DUPLICATE_ORDER, "throttle", message)
    elif status.duplicate_content:
        out += deny(_C.DUPLICATE_ORDER, "throttle", "the same order passed moments ago")
    per_second, per_minute = limits.max_orders_per_second, limits.max_orders_per_minute
    if per_second is not None and status.orders_last_second >= per_second:
        out += deny(_C.ORDER_RATE_EXCEEDED, "throttle", f"more than {per_second} orders/second")
    if per_minute is not None and status.orders_last_minute >= per_minute:
        out += deny(_C.ORDER_RATE_EXCEEDED, "throttle", f"more than {per_minute} orders/minute")
    return tuple(out)


ORDER_CHECKS: tuple[tuple[str, Check], ...] = (
    ("trading_state", check_trading_state),
    ("instruments", check_instruments),
    ("scope", check_scope),
    ("order_type", check_order_type),
    ("order_size", check_order_size),
    ("price_collar", check_price_collar),
    ("quote_age", check_quote_age),
    ("liquidity", check_liquidity),
    ("expiry", check_expiry),
    ("throttle", check_throttle),
)

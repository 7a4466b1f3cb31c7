"""Reason codes of the risk engine: every denial, trip and refusal names one, with a sentence.

A code is a lower-case snake_case string (it reads well in JSON and in the audit log); the
catalogue below gives each a generic sentence, and a :class:`DenyReason` carries the specific one
("order delta $+61,000 would take SPY to $+212,000 > limit $200,000").
"""

from __future__ import annotations

import enum
from typing import Final

import msgspec

__all__ = ["RISK_REASONS", "DenyReason", "RiskCode"]


class RiskCode(enum.StrEnum):
    """Machine-readable reason codes of the risk subsystem."""

    # -- trading state --
    TRADING_HALTED = "trading_halted"
    REDUCING_ONLY = "reducing_only"
    # -- instrument and scope --
    UNKNOWN_INSTRUMENT = "unknown_instrument"
    UNDERLYING_MISMATCH = "underlying_mismatch"
    NO_MARKET_DATA = "no_market_data"
    STALE_QUOTE = "stale_quote"
    UNDERLYING_NOT_ALLOWED = "underlying_not_allowed"
    STRUCTURE_NOT_ALLOWED = "structure_not_allowed"
    # -- order size and price --
    ORDER_CONTRACTS_EXCEEDED = "order_contracts_exceeded"
    ORDER_PREMIUM_EXCEEDED = "order_premium_exceeded"
    ORDER_NOTIONAL_EXCEEDED = "order_notional_exceeded"
    MARKET_ORDER_NOT_ALLOWED = "market_order_not_allowed"
    PRICE_OUTSIDE_COLLAR = "price_outside_collar"
    # -- throttles --
    DUPLICATE_ORDER = "duplicate_order"
    ORDER_RATE_EXCEEDED = "order_rate_exceeded"
    # -- positions and exposure --
    POSITION_LIMIT_CONTRACT = "position_limit_contract"
    POSITION_LIMIT_UNDERLYING = "position_limit_underlying"
    DELTA_LIMIT_EXCEEDED = "delta_limit_exceeded"
    GAMMA_LIMIT_EXCEEDED = "gamma_limit_exceeded"
    VEGA_LIMIT_EXCEEDED = "vega_limit_exceeded"
    THETA_LIMIT_EXCEEDED = "theta_limit_exceeded"
    # -- loss and margin --
    MAX_LOSS_EXCEEDED = "max_loss_exceeded"
    UNDEFINED_RISK_NOT_ALLOWED = "undefined_risk_not_allowed"
    STRESS_LOSS_EXCEEDED = "stress_loss_exceeded"
    INSUFFICIENT_BUYING_POWER = "insufficient_buying_power"
    MARGIN_UNSUPPORTED = "margin_unsupported"
    NAKED_NOT_PERMITTED = "naked_not_permitted"
    # -- expiry --
    DTE_BELOW_MINIMUM = "dte_below_minimum"
    SHORT_THROUGH_EX_DIVIDEND = "short_through_ex_dividend"
    # -- liquidity --
    SPREAD_TOO_WIDE = "spread_too_wide"
    OPEN_INTEREST_TOO_LOW = "open_interest_too_low"
    # -- circuit breakers --
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    DRAWDOWN_LIMIT = "drawdown_limit"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    STALE_MARKET_DATA = "stale_market_data"
    BROKER_ERRORS = "broker_errors"
    STORAGE_ERRORS = "storage_errors"
    ORDER_LATENCY = "order_latency"
    VOLATILITY_SHOCK = "volatility_shock"
    POSITION_MISMATCH = "position_mismatch"
    KILL_SWITCH = "kill_switch"
    # -- actions --
    ROLE_NOT_PERMITTED = "role_not_permitted"
    BREAKERS_STILL_TRIPPED = "breakers_still_tripped"
    NOT_TRIPPED = "not_tripped"
    # -- oversight (the approval policy seam; the rule is named in ``DenyReason.check``) --
    APPROVAL_REQUIRED = "approval_required"


_C = RiskCode
RISK_REASONS: Final[dict[RiskCode, str]] = {
    _C.TRADING_HALTED: "trading is halted; no order may be sent",
    _C.REDUCING_ONLY: "trading is reduce-only; the order does not reduce risk",
    _C.UNKNOWN_INSTRUMENT: "a leg's symbol is neither a valid option symbol nor the underlying",
    _C.UNDERLYING_MISMATCH: "a leg belongs to another underlying than the order",
    _C.NO_MARKET_DATA: "no current quote for a leg or the underlying",
    _C.STALE_QUOTE: "a leg's quote is older than the configured limit",
    _C.UNDERLYING_NOT_ALLOWED: "the underlying is not on the allowed list",
    _C.STRUCTURE_NOT_ALLOWED: "the legs form a structure that is not allowed",
    _C.ORDER_CONTRACTS_EXCEEDED: "the order has more contracts than allowed",
    _C.ORDER_PREMIUM_EXCEEDED: "the order's premium exceeds the limit",
    _C.ORDER_NOTIONAL_EXCEEDED: "the order's underlying notional exceeds the limit",
    _C.MARKET_ORDER_NOT_ALLOWED: "market orders are not allowed",
    _C.PRICE_OUTSIDE_COLLAR: "the limit price is further from the mid than the collar allows",
    _C.DUPLICATE_ORDER: "the order repeats an id or an order seen moments ago",
    _C.ORDER_RATE_EXCEEDED: "too many orders in the time window",
    _C.POSITION_LIMIT_CONTRACT: "the position in one contract would exceed its limit",
    _C.POSITION_LIMIT_UNDERLYING: "the contracts on the underlying would exceed the limit",
    _C.DELTA_LIMIT_EXCEEDED: "dollar delta would exceed its limit",
    _C.GAMMA_LIMIT_EXCEEDED: "dollar gamma would exceed its limit",
    _C.VEGA_LIMIT_EXCEEDED: "dollar vega would exceed its limit",
    _C.THETA_LIMIT_EXCEEDED: "dollar theta would exceed its limit",
    _C.MAX_LOSS_EXCEEDED: "the structure's maximum loss exceeds the limit",
    _C.UNDEFINED_RISK_NOT_ALLOWED: "the structure's loss is unbounded and undefined risk is off",
    _C.STRESS_LOSS_EXCEEDED: "the structure loses more than the limit in the stress scenarios",
    _C.INSUFFICIENT_BUYING_POWER: "the margin the order needs exceeds the buying power",
    _C.MARGIN_UNSUPPORTED: "the margin engine cannot group these legs under the broker profile",
    _C.NAKED_NOT_PERMITTED: "the broker profile does not permit this uncovered short",
    _C.DTE_BELOW_MINIMUM: "the order opens a position too close to expiry",
    _C.SHORT_THROUGH_EX_DIVIDEND: "a short option would be held through an ex-dividend date",
    _C.SPREAD_TOO_WIDE: "a leg's bid-ask spread is wider than allowed",
    _C.OPEN_INTEREST_TOO_LOW: "a leg's open interest is below the minimum",
    _C.DAILY_LOSS_LIMIT: "the day's loss reached the limit",
    _C.DRAWDOWN_LIMIT: "equity fell from its peak by more than the limit",
    _C.CONSECUTIVE_LOSSES: "too many losing trades in a row",
    _C.STALE_MARKET_DATA: "market data stopped arriving",
    _C.BROKER_ERRORS: "too many broker errors in the time window",
    _C.STORAGE_ERRORS: "the transactional store refused writes (orders, fills, breakers)",
    _C.ORDER_LATENCY: "order-to-fill latency is above the limit",
    _C.VOLATILITY_SHOCK: "the underlying or the VIX moved more than the limit",
    _C.POSITION_MISMATCH: "internal and broker positions disagree",
    _C.KILL_SWITCH: "the kill switch was engaged",
    _C.ROLE_NOT_PERMITTED: "the actor's role may not perform this action",
    _C.BREAKERS_STILL_TRIPPED: "a tripped breaker still forces this trading state",
    _C.NOT_TRIPPED: "the breaker is not tripped",
    _C.APPROVAL_REQUIRED: "the approval policy requires a human to approve the order",
}


class DenyReason(msgspec.Struct, frozen=True, kw_only=True):
    """Why something was denied: a code, the check that found it and a specific sentence."""

    code: RiskCode
    check: str
    message: str

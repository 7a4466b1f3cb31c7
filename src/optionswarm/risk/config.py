"""Frozen, keyword-only configuration of the risk engine and its circuit breakers.

Every struct rejects unknown fields. Money is in dollars, Greeks in dollar terms (see
:mod:`optionswarm.risk.market`), times in nanoseconds, fractions as 0.05 for 5 %. ``None`` turns a
limit off.
"""

from __future__ import annotations

import msgspec

from optionswarm.risk.margin_model import REG_T, BrokerProfile
from optionswarm.risk.state import TradingState

__all__ = [
    "BreakersConfig",
    "BrokerErrorConfig",
    "CollarConfig",
    "ConsecutiveLossConfig",
    "DailyLossConfig",
    "DrawdownConfig",
    "ExpiryRules",
    "GreekBounds",
    "GreekLimits",
    "InconsistencyConfig",
    "LatencyConfig",
    "LiquidityRules",
    "LossLimits",
    "OrderLimits",
    "PositionLimits",
    "ReducingRules",
    "RiskConfig",
    "ScopeRules",
    "StaleDataConfig",
    "ThrottleConfig",
    "VolatilityShockConfig",
]

_SECOND = 1_000_000_000
DEFAULT_BROAD_BASED = frozenset({"SPX", "XSP", "NDX", "RUT", "DJX", "OEX", "XEO", "VIX"})


class _Frozen(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class OrderLimits(_Frozen, frozen=True, kw_only=True):
    """Per-order size limits (15c3-5 credit thresholds)."""

    max_order_contracts: int | None = 500
    max_order_premium: float | None = 250_000.0  # |limit| x quantity x multiplier
    max_order_notional: float | None = 10_000_000.0  # sum |contracts| x multiplier x spot
    allow_market_orders: bool = False


class CollarConfig(_Frozen, frozen=True, kw_only=True):
    """Fat-finger price collar around the package mid, and the oldest quote it trusts.

    Per package unit the band is the largest of ``abs_tolerance``, ``fraction_of_gross`` x the
    sum of |ratio| x leg mid, and ``spread_multiple`` x the sum of |ratio| x leg half-spread (so
    paying the natural price is never a fat finger). A limit more aggressive than ``mid + band``
    is denied; a passive limit never is.
    """

    abs_tolerance: float = 0.10
    fraction_of_gross: float = 0.10
    spread_multiple: float = 1.5
    max_quote_age_ns: int | None = 10 * _SECOND


class ThrottleConfig(_Frozen, frozen=True, kw_only=True):
    """Order-rate throttle and duplicate detection, on the injected clock."""

    max_orders_per_second: int | None = 10
    max_orders_per_minute: int | None = 120
    duplicate_window_ns: int = 2 * _SECOND


class PositionLimits(_Frozen, frozen=True, kw_only=True):
    """Maximum absolute contracts per contract and per underlying (options only)."""

    max_contracts_per_symbol: int | None = 1_000
    max_contracts_per_underlying: int | None = 5_000


class GreekBounds(_Frozen, frozen=True, kw_only=True):
    """Absolute dollar bounds (``None`` = unbounded)."""

    delta: float | None = None
    gamma: float | None = None
    vega: float | None = None
    theta: float | None = None


class GreekLimits(_Frozen, frozen=True, kw_only=True):
    """Portfolio Greek limits after the order, per underlying and in total."""

    per_underlying: GreekBounds = msgspec.field(default_factory=GreekBounds)
    total: GreekBounds = msgspec.field(default_factory=GreekBounds)


class LossLimits(_Frozen, frozen=True, kw_only=True):
    """Max loss of a structure: exact for defined risk, by stress for undefined risk.

    Stress: every ``(move, vol shock)`` pair, spot x (1 + move), vol + shock (floored at 1 %),
    priced with Black-Scholes at the current time to expiry.
    """

    max_loss_per_order: float | None = 50_000.0
    allow_undefined_risk: bool = False
    max_stress_loss: float | None = 50_000.0
    stress_moves: tuple[float, ...] = (-0.20, -0.10, -0.05, 0.0, 0.05, 0.10, 0.20)
    vol_shocks: tuple[float, ...] = (-0.05, 0.0, 0.10)


class ExpiryRules(_Frozen, frozen=True, kw_only=True):
    """DTE rules for opening legs."""

    min_days_to_expiry: float = 1.0
    block_short_through_ex_dividend: bool = False


class LiquidityRules(_Frozen, frozen=True, kw_only=True):
    """Per-leg liquidity: spread allowed is ``max(max_spread_abs, max_spread_fraction x mid)``."""

    max_spread_abs: float | None = 0.50
    max_spread_fraction: float = 0.25
    min_open_interest: int = 0


class ScopeRules(_Frozen, frozen=True, kw_only=True):
    """What may be traded at all (``None`` = anything)."""

    allowed_underlyings: frozenset[str] | None = None
    allowed_structures: frozenset[str] | None = None


class ReducingRules(_Frozen, frozen=True, kw_only=True):
    """What counts as risk-reducing, and what a halt still lets through.

    Position-reducing: every leg trades against an existing position without crossing zero.
    Greek hedge (if allowed): none of ``hedge_greeks`` grows in magnitude for the underlying and
    at least one shrinks.
    """

    allow_greek_hedges: bool = True
    hedge_greeks: tuple[str, ...] = ("delta", "gamma", "vega")
    halted_allows_flatten: bool = True  # position-reducing orders with source "flatten"


class DailyLossConfig(_Frozen, frozen=True, kw_only=True):
    """Trip when the day's P&L falls to ``-max_loss`` dollars."""

    max_loss: float = 5_000.0
    forces: TradingState = TradingState.HALTED


class DrawdownConfig(_Frozen, frozen=True, kw_only=True):
    """Trip when equity is ``max_drawdown`` below its peak (5 % by default)."""

    max_drawdown: float = 0.05
    forces: TradingState = TradingState.HALTED


class ConsecutiveLossConfig(_Frozen, frozen=True, kw_only=True):
    """Trip after ``max_losses`` losing closed trades in a row."""

    max_losses: int = 5
    forces: TradingState = TradingState.REDUCING


class StaleDataConfig(_Frozen, frozen=True, kw_only=True):
    """Trip when a watched symbol (all seen symbols if empty) has no quote for ``max_age_ns``."""

    max_age_ns: int = 30 * _SECOND
    symbols: frozenset[str] = msgspec.field(default_factory=frozenset)
    forces: TradingState = TradingState.HALTED


class BrokerErrorConfig(_Frozen, frozen=True, kw_only=True):
    """Trip on ``max_errors`` broker errors within ``window_ns``."""

    max_errors: int = 5
    window_ns: int = 60 * _SECOND
    forces: TradingState = TradingState.HALTED


class StorageErrorConfig(_Frozen, frozen=True, kw_only=True):
    """Trip on ``max_errors`` failed transactional-store writes within ``window_ns`` (the first,
    by default: an order whose state was not stored must not be followed by new ones)."""

    max_errors: int = 1
    window_ns: int = 60 * _SECOND
    forces: TradingState = TradingState.HALTED


class LatencyConfig(_Frozen, frozen=True, kw_only=True):
    """Trip after ``breaches`` consecutive order-to-fill latencies above ``max_latency_ns``."""

    max_latency_ns: int = 2 * _SECOND
    breaches: int = 3
    forces: TradingState = TradingState.REDUCING


class VolatilityShockConfig(_Frozen, frozen=True, kw_only=True):
    """Trip on an underlying move over ``max_move`` or a VIX rise over ``max_vix_rise``
    (fractions) within ``window_ns``."""

    max_move: float = 0.05
    max_vix_rise: float = 0.25
    vix_symbol: str = "VIX"
    window_ns: int = 300 * _SECOND
    forces: TradingState = TradingState.REDUCING


class InconsistencyConfig(_Frozen, frozen=True, kw_only=True):
    """Trip on any internal inconsistency (a position mismatch)."""

    forces: TradingState = TradingState.HALTED


class BreakersConfig(_Frozen, frozen=True, kw_only=True):
    """Which breakers run (``None`` = off) and who may reset them."""

    daily_loss: DailyLossConfig | None = msgspec.field(default_factory=DailyLossConfig)
    drawdown: DrawdownConfig | None = msgspec.field(default_factory=DrawdownConfig)
    consecutive_losses: ConsecutiveLossConfig | None = msgspec.field(
        default_factory=ConsecutiveLossConfig
    )
    stale_data: StaleDataConfig | None = msgspec.field(default_factory=StaleDataConfig)
    broker_errors: BrokerErrorConfig | None = msgspec.field(default_factory=BrokerErrorConfig)
    storage_errors: StorageErrorConfig | None = msgspec.field(default_factory=StorageErrorConfig)
    latency: LatencyConfig | None = msgspec.field(default_factory=LatencyConfig)
    volatility_shock: VolatilityShockConfig | None = msgspec.field(
        default_factory=VolatilityShockConfig
    )
    inconsistency: InconsistencyConfig | None = msgspec.field(default_factory=InconsistencyConfig)
    reset_roles: frozenset[str] = frozenset({"admin"})


class RiskConfig(_Frozen, frozen=True, kw_only=True):
    """The one configuration of the risk engine."""

    order: OrderLimits = msgspec.field(default_factory=OrderLimits)
    collar: CollarConfig = msgspec.field(default_factory=CollarConfig)
    throttle: ThrottleConfig = msgspec.field(default_factory=ThrottleConfig)
    positions: PositionLimits = msgspec.field(default_factory=PositionLimits)
    greeks: GreekLimits = msgspec.field(default_factory=GreekLimits)
    loss: LossLimits = msgspec.field(default_factory=LossLimits)
    expiry: ExpiryRules = msgspec.field(default_factory=ExpiryRules)
    liquidity: LiquidityRules = msgspec.field(default_factory=LiquidityRules)
    scope: ScopeRules = msgspec.field(default_factory=ScopeRules)
    reducing: ReducingRules = msgspec.field(default_factory=ReducingRules)
    breakers: BreakersConfig = msgspec.field(default_factory=BreakersConfig)
    margin_profile: BrokerProfile = REG_T
    starting_equity: float = 100_000.0
    broad_based_indexes: frozenset[str] = DEFAULT_BROAD_BASED
    # anyone who trades or oversees trading may stop it; only an admin may restart it
    kill_roles: frozenset[str] = frozenset({"trader", "approver", "admin"})
    release_roles: frozenset[str] = frozenset({"admin"})
    trip_roles: frozenset[str] = frozenset({"admin"})  # who may trip a breaker by hand
    flatten_on_kill: bool = False
    heartbeat_ns: int = _SECOND
    publish_verdicts: bool = True

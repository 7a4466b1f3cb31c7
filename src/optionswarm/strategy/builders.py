"""Build each ``StructureKind`` from a live chain: legs by target delta, expiry by target DTE.

Max loss and max profit per unit come from the payoff at expiry (piecewise linear in the
underlying, so its extremes lie at 0, at a strike, or in the slope beyond the highest strike);
a calendar's max loss is its debit; a structure with unbounded loss (naked short call) is
measured at a ``naked_stress_move`` rise of the underlying.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from optionswarm.model import ChainSnapshot, Side
from optionswarm.strategy.structures import (
    MULTIPLIER,
    ExpiryRows,
    PlannedLeg,
    StructureConfig,
    StructureKind,
    StructurePlan,
    pick_expiry,
)

__all__ = ["build_structure", "payoff_extremes"]

_Builder = Callable[[ChainSnapshot, "ExpiryRows", StructureConfig], list[PlannedLeg] | None]


def _multiplier(leg: PlannedLeg) -> int:
    return MULTIPLIER if leg.is_option else 1


def _value_at(legs: tuple[PlannedLeg, ...], price: float) -> float:
    total = 0.0
    for leg in legs:
        if not leg.is_option:
            payoff = price
        elif leg.is_call:
            payoff = max(price - leg.strike, 0.0)
        else:
            payoff = max(leg.strike - price, 0.0)
        total += leg.side.sign * leg.ratio * _multiplier(leg) * payoff
    return total


def payoff_extremes(
    legs: tuple[PlannedLeg, ...], cost: float, spot: float, stress_move: float
) -> tuple[float, float]:
    """(max loss >= 0, max profit) in $ per unit at expiry; ``cost`` is the $ paid (< 0 credit).

    An unbounded loss is replaced by the loss at ``spot * (1 + stress_move)`` (or beyond the
    highest strike by that much); an unbounded profit is ``inf``.
    """
    strikes = sorted({leg.strike for leg in legs if leg.is_option})
    top = max([spot, *strikes])
    points = [0.0, *strikes, top]
    pnl = [_value_at(legs, p) - cost for p in points]
    slope = sum(
        leg.side.sign * leg.ratio * _multiplier(leg)
        for leg in legs
        if leg.is_call or not leg.is_option
    )
    worst, best = min(pnl), max(pnl)
    if slope < 0:
        worst = min(worst, _value_at(legs, top * (1.0 + stress_move)) - cost)
    profit = math.inf if slope > 0 else best
    return max(-worst, 0.0), profit


def _long_single(is_call: bool) -> _Builder:
    def build(chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig) -> list[PlannedLeg] | None:
        i = e.pick(is_call, cfg.long_delta)
        return None if i is None else [e.leg(i, Side.BUY)]

    return build


def _debit_vertical(is_call: bool) -> _Builder:
    def build(chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig) -> list[PlannedLeg] | None:
        long_i = e.pick(is_call, cfg.long_delta)
        if long_i is None:
            return None
        strike = e.leg(long_i, Side.BUY).strike
        above, below = (strike, None) if is_call else (None, strike)
        short_i = e.pick(is_call, cfg.debit_short_delta, above=above, below=below, need_bid=True)
        if short_i is None:
            return None
        return [e.leg(long_i, Side.BUY), e.leg(short_i, Side.SELL)]

    return build


def _credit_vertical(is_call: bool) -> _Builder:
    def build(chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig) -> list[PlannedLeg] | None:
        short_i = e.pick(is_call, cfg.short_delta, need_bid=True)
        if short_i is None:
            return None
        strike = e.leg(short_i, Side.SELL).strike
        above, below = (strike, None) if is_call else (None, strike)
        wing_i = e.pick(is_call, cfg.wing_delta, above=above, below=below)
        if wing_i is None:
            return None
        return [e.leg(short_i, Side.SELL), e.leg(wing_i, Side.BUY)]

    return build


def _iron_condor(
    chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig
) -> list[PlannedLeg] | None:
    puts = _credit_vertical(False)(chain, e, cfg)
    calls = _credit_vertical(True)(chain, e, cfg)
    if puts is None or calls is None:
        return None
    return [*puts, *calls]


def _pair(delta_of: Callable[[StructureConfig], float], side: Side, need_bid: bool) -> _Builder:
    def build(chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig) -> list[PlannedLeg] | None:
        call_i = e.pick(True, delta_of(cfg), need_bid=need_bid)
        put_i = e.pick(False, delta_of(cfg), need_bid=need_bid)
        if call_i is None or put_i is None:
            return None
        return [e.leg(call_i, side), e.leg(put_i, side)]

    return build


def _cash_secured_put(
    chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig
) -> list[PlannedLeg] | None:
    i = e.pick(False, cfg.short_delta, need_bid=True)
    return None if i is None else [e.leg(i, Side.SELL)]


def _covered_call(
    chain: ChainSnapshot, e: ExpiryRows, cfg: StructureConfig
) -> list[PlannedLeg] | None:
    i = e.pick(True, cfg.short_delta, need_bid=True)
    if i is None:
        return None
    stock = PlannedLeg(
        symbol=chain.underlying,
        side=Side.BUY,
        ratio=MULTIPLIER,
        price=float(chain.spot),
        strike=0.0,
        expiry_ns=e.expiry_ns,
        is_call=False,
        is_option=False,
        delta=1.0,
    )
    return [stock, e.leg(i, Side.SELL)]


_BUILDERS: dict[StructureKind, _Builder] = {
    StructureKind.LONG_CALL: _long_single(True),
    StructureKind.LONG_PUT: _long_single(False),
    StructureKind.BULL_CALL_SPREAD: _debit_vertical(True),
    StructureKind.BEAR_PUT_SPREAD: _debit_vertical(False),
    StructureKind.BULL_PUT_SPREAD: _credit_vertical(False),
    StructureKind.BEAR_CALL_SPREAD: _credit_vertical(True),
    StructureKind.IRON_CONDOR: _iron_condor,
    StructureKind.LONG_STRADDLE: _pair(lambda c: c.long_delta, Side.BUY, False),
    StructureKind.LONG_STRANGLE: _pair(lambda c: c.strangle_delta, Side.BUY, False),
    StructureKind.SHORT_STRANGLE: _pair(lambda c: c.short_delta, Side.SELL, True),
    StructureKind.CASH_SECURED_PUT: _cash_secured_put,
    StructureKind.COVERED_CALL: _covered_call,
}


def _calendar(chain: ChainSnapshot, cfg: StructureConfig) -> StructurePlan | None:
    near = pick_expiry(chain, cfg.target_dte, cfg.max_dte_error, min_dte=cfg.min_dte)
    far = pick_expiry(chain, cfg.far_dte, cfg.max_dte_error * 2, min_dte=cfg.target_dte + 14)
    if near is None or far is None or far <= near:
        return None
    e_near, e_far = ExpiryRows(chain, near), ExpiryRows(chain, far)
    near_i = e_near.pick(True, cfg.long_delta, need_bid=True)
    if near_i is None:
        return None
    short = e_near.leg(near_i, Side.SELL)
    far_i = e_far.pick(True, cfg.long_delta, above=short.strike - 1e-6, below=short.strike + 1e-6)
    if far_i is None:
        return None
    legs = (short, e_far.leg(far_i, Side.BUY))
    cost = sum(leg.side.sign * leg.price * MULTIPLIER for leg in legs)
    if cost <= 0.0:
        return None
    return StructurePlan(
        kind=StructureKind.CALENDAR,
        legs=legs,
        net_price=cost / MULTIPLIER,
        max_loss=cost,
        max_profit=math.inf,
        expiry_ns=near,
    )


def build_structure(
    kind: StructureKind, chain: ChainSnapshot, config: StructureConfig
) -> StructurePlan | None:
    """The priced structure on ``chain``, or None when the chain cannot give one."""
    if kind is StructureKind.CALENDAR:
        return _calendar(chain, config)
    expiry = pick_expiry(chain, config.target_dte, config.max_dte_error, min_dte=config.min_dte)
    if expiry is None:
        return None
    legs = _BUILDERS[kind](chain, ExpiryRows(chain, expiry), config)
    if not legs or any(not math.isfinite(leg.price) for leg in legs):
        return None
    frozen = tuple(legs)
    cost = sum(leg.side.sign * leg.ratio * _multiplier(leg) * leg.price for leg in frozen)
    max_loss, max_profit = payoff_extremes(frozen, cost, chain.spot, config.naked_stress_move)
    if max_loss <= 0.0:
        return None  # an arbitrage quote or a degenerate structure: refuse rather than size it
    return StructurePlan(
        kind=kind,
        legs=frozen,
        net_price=cost / MULTIPLIER,
        max_loss=max_loss,
        max_profit=max_profit,
        expiry_ns=expiry,
    )

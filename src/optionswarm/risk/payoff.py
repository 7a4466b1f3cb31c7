"""Maximum loss of a structure: exact from the payoff at expiry, or by stress when unbounded.

At one expiry the P&L of options and stock is piecewise linear in the underlying price S, with
kinks only at the strikes. Its minimum over S >= 0 is therefore at S = 0, at a strike, or - when
the slope beyond the highest strike (calls + shares) is negative - unbounded as S grows.
Legs of several expiries (calendars) have no single expiry payoff; they, and unbounded
structures, are measured by a stress grid priced with Black-Scholes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np

from optionswarm.model import NS_PER_YEAR
from optionswarm.pricing import bsm_price
from optionswarm.risk.margin_model import MarginLeg

__all__ = ["MaxLoss", "expiry_pnl", "max_loss_at_expiry", "stress_loss"]


class MaxLoss(msgspec.Struct, frozen=True, kw_only=True):
    """The worst loss in dollars (>= 0, ``inf`` if unbounded) and how it was measured."""

    amount: float
    bounded: bool
    method: str  # "payoff" (exact, one expiry) or "stress"
    worst_price: float | None = None


def expiry_pnl(legs: Sequence[MarginLeg], cost: float, price: float) -> float:
    """Dollar P&L at expiry if the underlying settles at ``price`` (``cost`` paid up front)."""
    value = 0.0
    for leg in legs:
        if not leg.is_option:
            value += leg.quantity * price
        elif leg.is_call:
            value += leg.quantity * leg.multiplier * max(price - leg.strike, 0.0)
        else:
            value += leg.quantity * leg.multiplier * max(leg.strike - price, 0.0)
    return value - cost


def single_expiry(legs: Sequence[MarginLeg]) -> bool:
    """True when all option legs share one expiry (the payoff at expiry is then exact)."""
    expiry = None
    for leg in legs:
        if leg.is_option:
            if expiry is None:
                expiry = leg.expiry_ns
            elif leg.expiry_ns != expiry:
                return False
    return True


def _value_at(
    price: float, shares: float, calls: list[tuple[float, float]], puts: list[tuple[float, float]]
) -> float:
    value = shares * price
    for strike, units in calls:
        if price > strike:
            value += units * (price - strike)
    for strike, units in puts:
        if price < strike:
            value += units * (strike - price)
    return value


def max_loss_at_expiry(legs: Sequence[MarginLeg], cost: float) -> MaxLoss:
    """Exact worst loss at expiry of single-expiry legs; unbounded if the right tail falls."""
    calls: list[tuple[float, float]] = []  # (strike, units x multiplier)
    puts: list[tuple[float, float]] = []
    shares = 0.0
    for leg in legs:
        if not leg.is_option:
            shares += leg.quantity
        elif leg.is_call:
            calls.append((leg.strike, leg.quantity * leg.multiplier))
        else:
            puts.append((leg.strike, leg.quantity * leg.multiplier))
    if shares + sum(units for _, units in calls) < 0:
        return MaxLoss(amount=math.inf, bounded=False, method="payoff")
    worst_price, worst = 0.0, math.inf
    for price in (0.0, *(k for k, _ in calls), *(k for k, _ in puts)):
        pnl = _value_at(price, shares, calls, puts) - cost
        if pnl < worst:
            worst_price, worst = price, pnl
    return MaxLoss(amount=max(-worst, 0.0), bounded=True, method="payoff", worst_price=worst_price)


def stress_loss(
    legs: Sequence[MarginLeg],
    vols: Sequence[float],
    cost: float,
    *,
    spot: float,
    rate: float,
    dividend_yield: float,
    now_ns: int,
    moves: Sequence[float],
    vol_shocks: Sequence[float],
) -> MaxLoss:
    """Worst loss over spot x (1 + move) and vol + shock, repriced now with Black-Scholes."""
    options = [(leg, vol) for leg, vol in zip(legs, vols, strict=True) if leg.is_option]
    shares = sum(leg.quantity for leg in legs if not leg.is_option)
    scen_s = spot * (1.0 + np.asarray(moves, dtype=np.float64))[:, None]  # (moves, 1)
    shocks = np.asarray(vol_shocks, dtype=np.float64)
    value = np.repeat(shares * scen_s, len(shocks), axis=1)  # (moves, shocks)
    for leg, vol in options:
        t = max(leg.expiry_ns - now_ns, 0) / NS_PER_YEAR
        sigma = np.maximum(vol + shocks, 0.01)[None, :]
        price = bsm_price(scen_s, leg.strike, t, rate, dividend_yield, sigma, leg.is_call)
        value = value + leg.quantity * leg.multiplier * price
    pnl = value - cost
    if not np.all(np.isfinite(pnl)):
        return MaxLoss(amount=math.inf, bounded=False, method="stress")
    i, _ = np.unravel_index(int(np.argmin(pnl)), pnl.shape)
    worst = float(pnl.min())
    return MaxLoss(
        amount=max(-worst, 0.0), bounded=True, method="stress", worst_price=float(scen_s[i, 0])
    )

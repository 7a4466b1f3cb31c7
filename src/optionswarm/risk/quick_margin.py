"""Closed-form margin capital for the commonest small structures (the pre-trade fast path).

For long options, one vertical and one iron condor these formulas give exactly what the
grouping in :mod:`optionswarm.risk.grouping` gives (a test asserts it on random structures);
anything else returns None and goes through the full grouping.
"""

from __future__ import annotations

from collections.abc import Sequence

from optionswarm.risk.margin_model import MarginLeg

__all__ = ["quick_capital"]


def _vertical(short: MarginLeg, long: MarginLeg) -> float | None:
    """Per-share capital of one vertical (long expiring on or after the short), or None."""
    if (
        short.is_call != long.is_call
        or short.multiplier != long.multiplier
        or long.expiry_ns < short.expiry_ns
    ):
        return None
    credit = long.strike > short.strike if short.is_call else long.strike < short.strike
    width = abs(long.strike - short.strike) if credit else 0.0
    return max(width + long.price - short.price, 0.0)


def _condor(legs: Sequence[MarginLeg]) -> float | None:
    expiry, multiplier = legs[0].expiry_ns, legs[0].multiplier
    puts: list[MarginLeg] = []
    calls: list[MarginLeg] = []
    for leg in legs:
        if leg.expiry_ns != expiry or leg.multiplier != multiplier:
            return None
        (calls if leg.is_call else puts).append(leg)
    if len(puts) != 2:
        return None
    long_put, short_put = puts if puts[0].strike < puts[1].strike else (puts[1], puts[0])
    short_call, long_call = calls if calls[0].strike < calls[1].strike else (calls[1], calls[0])
    shape = (
        long_put.quantity > 0 > short_put.quantity and long_call.quantity > 0 > short_call.quantity
    )
    if not shape or short_put.strike > short_call.strike:
        return None
    width = max(short_put.strike - long_put.strike, long_call.strike - short_call.strike)
    premium = long_put.price + long_call.price - short_put.price - short_call.price
    return max(width + premium, 0.0)


def quick_capital(legs: Sequence[MarginLeg]) -> float | None:
    """Capital in dollars of all-long, one-vertical or one-iron-condor option legs, else None."""
    if not legs or any(not leg.is_option for leg in legs):
        return None
    if all(leg.quantity > 0 for leg in legs):
        return sum(leg.quantity * leg.multiplier * leg.price for leg in legs)
    units = abs(legs[0].quantity)
    if any(abs(leg.quantity) != units for leg in legs):
        return None
    per_share: float | None = None
    if len(legs) == 2 and (legs[0].quantity > 0) != (legs[1].quantity > 0):
        short, long = (legs[0], legs[1]) if legs[0].quantity < 0 else (legs[1], legs[0])
        per_share = _vertical(short, long)
    elif len(legs) == 4:
        per_share = _condor(legs)
    return None if per_share is None else per_share * units * legs[0].multiplier

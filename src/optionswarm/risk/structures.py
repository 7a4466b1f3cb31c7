"""Name the structure an order's legs form (for the allowed-structures rule and the audit)."""

from __future__ import annotations

from collections.abc import Sequence

from optionswarm.risk.legs import ResolvedLeg

__all__ = ["classify_structure"]


def _two(a: ResolvedLeg, b: ResolvedLeg) -> str:
    same_expiry = a.expiry_ns == b.expiry_ns
    opposite = (a.quantity > 0) != (b.quantity > 0)
    if a.is_call == b.is_call:
        if not opposite:
            return "custom"
        if not same_expiry:
            return "calendar" if a.strike == b.strike else "diagonal"
        return "vertical" if abs(a.quantity) == abs(b.quantity) else "ratio_spread"
    if not same_expiry or abs(a.quantity) != abs(b.quantity):
        return "custom"
    if opposite:
        return "risk_reversal"
    return "straddle" if a.strike == b.strike else "strangle"


def _four(legs: Sequence[ResolvedLeg]) -> str:
    if len({leg.expiry_ns for leg in legs}) != 1 or len({abs(leg.quantity) for leg in legs}) != 1:
        return "custom"
    puts = sorted((leg for leg in legs if not leg.is_call), key=lambda leg: leg.strike)
    calls = sorted((leg for leg in legs if leg.is_call), key=lambda leg: leg.strike)
    if len(puts) != 2 or len(calls) != 2:
        return "custom"
    if puts[0].quantity > 0 > puts[1].quantity and calls[0].quantity < 0 < calls[1].quantity:
        return "iron_butterfly" if puts[1].strike == calls[0].strike else "iron_condor"
    if puts[0].quantity < 0 < puts[1].quantity and calls[0].quantity > 0 > calls[1].quantity:
        return "reverse_iron_condor"
    return "custom"


def _butterfly(legs: Sequence[ResolvedLeg]) -> str:
    ordered = sorted(legs, key=lambda leg: leg.strike)
    rights = {leg.is_call for leg in legs}
    expiries = {leg.expiry_ns for leg in legs}
    lo, mid, hi = (leg.quantity for leg in ordered)
    if len(rights) == 1 and len(expiries) == 1 and lo == hi and mid == -2 * lo:
        return "butterfly"
    return "custom"


def _with_stock(stock: ResolvedLeg, options: Sequence[ResolvedLeg]) -> str:
    if stock.quantity <= 0:
        return "custom"
    kinds = sorted(("call" if leg.is_call else "put", leg.quantity > 0) for leg in options)
    if kinds == [("call", False)]:
        return "covered_call"
    if kinds == [("put", True)]:
        return "protective_put"
    if kinds == [("call", False), ("put", True)]:
        return "collar"
    return "custom"


_BY_COUNT = {2: lambda o: _two(o[0], o[1]), 3: _butterfly, 4: _four}


def classify_structure(legs: Sequence[ResolvedLeg]) -> str:
    """``single``, ``vertical``, ``iron_condor``, ``straddle``, ``covered_call``... ``custom``."""
    options = [leg for leg in legs if leg.is_option]
    stock = [leg for leg in legs if not leg.is_option]
    if stock:
        if not options:
            return "stock"
        return _with_stock(stock[0], options) if len(stock) == 1 else "custom"
    if len(options) == 1:
        return "single"
    namer = _BY_COUNT.get(len(options))
    return "custom" if namer is None else namer(options)

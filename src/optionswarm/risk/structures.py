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


def _split_pairs(
    legs: Sequence[ResolvedLeg],
) -> tuple[list[ResolvedLeg], list[ResolvedLeg]] | None:
    """Two puts and two calls of one expiry and size, each pair sorted by strike; else None."""
    expiry, units = legs[0].expiry_ns, abs(legs[0].quantity)
    puts: list[ResolvedLeg] = []
    calls: list[ResolvedLeg] = []
    for leg in legs:
        if leg.expiry_ns != expiry or abs(leg.quantity) != units:
            return None
        (calls if leg.is_call else puts).append(leg)
    if len(puts) != 2:
        return None
    if puts[0].strike > puts[1].strike:
        puts.reverse()
    if calls[0].strike > calls[1].strike:
        calls.reverse()
    return puts, calls


def _four(legs: Sequence[ResolvedLeg]) -> str:
    pairs = _split_pairs(legs)
    if pairs is None:
        return "custom"
    puts, calls = pairs
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

"""Tick sizes and tick-aware price arithmetic: prices are never compared for float equality.

US listed equity and index options (the rules this module encodes; see ``TickRule``):

* ``NON_PENNY`` -- classes outside the Penny Interval Program: $0.05 below $3.00, $0.10 at/above.
  This is also Cboe's rule for SPX/SPXW (whose complex-order net price trades in $0.05), and the
  default for an unknown root: a price on the coarser grid is valid under every rule.
* ``PENNY`` -- Penny Interval Program classes: $0.01 below $3.00, $0.05 at/above.
* ``ALL_PENNY`` -- the few classes quoted in $0.01 at every price (SPY, QQQ, IWM).

Note: SPX is *not* a penny class (Cboe SPX specification: "0.05 below 3.00, 0.10 for all other
series"); SPY is all-penny. ``TickRule.package`` is the increment of a multi-leg net limit price
($0.01 for penny classes, $0.05 otherwise, the conservative choice). Listings change, so
``tick_rule_for_root`` takes the set of penny roots as a parameter with a small documented default.
"""

from __future__ import annotations

import math

from optionswarm.model._base import DomainStruct
from optionswarm.model._errors import ModelValidationError

__all__ = [
    "ALL_PENNY",
    "ALL_PENNY_ROOTS",
    "DEFAULT_PENNY_ROOTS",
    "NON_PENNY",
    "PENNY",
    "TickRule",
    "ceil_to_tick",
    "floor_to_tick",
    "is_on_tick",
    "option_tick_size",
    "price_compare",
    "prices_equal",
    "round_to_tick",
    "tick_rule_for_root",
]

# Digits kept after snapping to a tick, to remove binary noise such as 1.1500000000000001.
_CLEAN_DIGITS = 10
# A price within this fraction of a tick from a grid point counts as on the grid.
_GRID_TOLERANCE = 1e-6


def _check_tick(tick: float) -> None:
    if not (math.isfinite(tick) and tick > 0.0):
        raise ModelValidationError("tick", f"must be a finite number > 0, got {tick!r}")


def _check_price(price: float, field: str = "price") -> None:
    if not math.isfinite(price):
        raise ModelValidationError(field, f"must be finite, got {price!r}")


def round_to_tick(price: float, tick: float) -> float:
    """Nearest multiple of ``tick`` (halves away from zero), cleaned of binary noise."""
    _check_tick(tick)
    _check_price(price)
    steps = abs(price) / tick
    snapped = math.floor(steps + 0.5 + _GRID_TOLERANCE) * tick
    return round(math.copysign(snapped, price), _CLEAN_DIGITS) + 0.0


def floor_to_tick(price: float, tick: float) -> float:
    """Largest multiple of ``tick`` <= ``price`` (a price already on the grid stays put)."""
    _check_tick(tick)
    _check_price(price)
    return round(math.floor(price / tick + _GRID_TOLERANCE) * tick, _CLEAN_DIGITS) + 0.0


def ceil_to_tick(price: float, tick: float) -> float:
    """Smallest multiple of ``tick`` >= ``price`` (a price already on the grid stays put)."""
    _check_tick(tick)
    _check_price(price)
    return round(math.ceil(price / tick - _GRID_TOLERANCE) * tick, _CLEAN_DIGITS) + 0.0


def is_on_tick(price: float, tick: float) -> bool:
    """True if ``price`` is a multiple of ``tick`` (within a millionth of a tick)."""
    _check_tick(tick)
    _check_price(price)
    steps = price / tick
    return abs(steps - round(steps)) <= _GRID_TOLERANCE


def prices_equal(a: float, b: float, tick: float) -> bool:
    """True if ``a`` and ``b`` are within half a tick of each other (same grid point)."""
    _check_tick(tick)
    _check_price(a, "a")
    _check_price(b, "b")
    return abs(a - b) < tick / 2.0


def price_compare(a: float, b: float, tick: float) -> int:
    """-1, 0 or +1 as ``a`` is below, at (within half a tick) or above ``b``."""
    if prices_equal(a, b, tick):
        return 0
    return -1 if a < b else 1


class TickRule(DomainStruct, frozen=True, kw_only=True):
    """Minimum increment: ``below`` under ``threshold``, ``at_or_above`` from it up.

    ``package`` is the increment of a multi-leg order's net price.
    """

    below: float
    at_or_above: float
    threshold: float = 3.0
    package: float = 0.05

    def __post_init__(self) -> None:
        for name in ("below", "at_or_above", "threshold", "package"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ModelValidationError(name, f"must be a number, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ModelValidationError(name, f"must be a finite number > 0, got {value!r}")

    def tick_for(self, price: float) -> float:
        """The tick that applies to a (per-contract, per-share) option price."""
        _check_price(price)
        return self.below if abs(price) < self.threshold - 1e-9 else self.at_or_above

    def round(self, price: float) -> float:
        """``price`` rounded to the nearest valid tick under this rule."""
        return round_to_tick(price, self.tick_for(price))

    def round_package(self, net_price: float) -> float:
        """A multi-leg net price (debit > 0, credit < 0) rounded to ``package``."""
        return round_to_tick(net_price, self.package)


NON_PENNY = TickRule(below=0.05, at_or_above=0.10, package=0.05)
PENNY = TickRule(below=0.01, at_or_above=0.05, package=0.01)
ALL_PENNY = TickRule(below=0.01, at_or_above=0.01, package=0.01)

ALL_PENNY_ROOTS: frozenset[str] = frozenset({"SPY", "QQQ", "IWM"})
# A small, documented sample of Penny Interval Program classes; pass your own set for production.
DEFAULT_PENNY_ROOTS: frozenset[str] = frozenset(
    {"AAPL", "AMZN", "AMD", "BAC", "DIA", "EEM", "GLD", "META", "MSFT", "NVDA", "TSLA", "XLF"}
)


def tick_rule_for_root(
    root: str,
    *,
    penny_roots: frozenset[str] = DEFAULT_PENNY_ROOTS,
    all_penny_roots: frozenset[str] = ALL_PENNY_ROOTS,
) -> TickRule:
    """The tick rule of an option class: all-penny, penny, or non-penny (the default)."""
    if root in all_penny_roots:
        return ALL_PENNY
    if root in penny_roots:
        return PENNY
    return NON_PENNY


def option_tick_size(price: float, *, penny: bool) -> float:
    """Standard US option tick: penny class $0.01/$0.05, otherwise $0.05/$0.10 (split at $3)."""
    return (PENNY if penny else NON_PENNY).tick_for(price)

"""Strategy-based (Reg T / Cboe) margin: value types, broker profiles and the margin engine.

Requirements follow the Cboe Margin Manual, per unit of multiplier x contracts:

* long option: paid in full (premium);
* naked short: premium + max(rate x S - out-of-the-money amount, 10 % x S for calls or 10 % x K
  for puts); rate 20 % (15 % for broad-based indexes);
* short straddle/strangle: the greater side's naked requirement + the other side's premium;
* vertical spread (long expiring on or after the short): debit - the long paid in full;
  credit - the strike width plus the long paid in full (never capped at the naked requirement,
  so a spread's margin is always at least its maximum loss);
* iron condor / butterfly (credit put spread + credit call spread, one expiry, short put strike
  <= short call strike): the wider wing's width plus both longs paid in full - the two wings
  cannot both lose, but the margin covers the loss of the whole structure, not the narrower wing;
* covered call: the stock's requirement only; cash-secured put: the strike in cash;
* stock: ``stock_rate`` of its value long, ``short_stock_rate`` short (Reg T 50 % / 150 %).

Short premium received (``proceeds``) may be applied, so the capital a group ties up is
``requirement - proceeds`` (never below zero). Legs are matched into groups to minimise the
requirement (:mod:`optionswarm.risk.grouping`); a leg the profile cannot margin raises
:class:`MarginError` with a reason code - there is no silent fallback.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from optionswarm.risk.grouping import group_legs
from optionswarm.risk.margin_model import (
    CASH_ACCOUNT,
    EMPTY_MARGIN,
    REG_T,
    BrokerProfile,
    MarginError,
    MarginGroup,
    MarginLeg,
    MarginResult,
    StrategyKind,
    naked_requirement,
)
from optionswarm.risk.reasons import RiskCode

__all__ = [
    "CASH_ACCOUNT",
    "REG_T",
    "BrokerProfile",
    "MarginEngine",
    "MarginError",
    "MarginGroup",
    "MarginLeg",
    "MarginModel",
    "MarginResult",
    "StrategyKind",
    "naked_requirement",
]


@runtime_checkable
class MarginModel(Protocol):
    """What the risk engine needs of a margin model (strategy-based now; portfolio margin later)."""

    def margin(
        self, legs: Sequence[MarginLeg], spot: float, *, broad_based: bool = False
    ) -> MarginResult:
        """The requirement of one underlying's legs; raises MarginError when it cannot."""
        ...


class MarginEngine:
    """Strategy-based margin under one broker profile (portfolio margin can follow behind it)."""

    def __init__(self, profile: BrokerProfile = REG_T) -> None:
        self.profile = profile

    def margin(
        self, legs: Sequence[MarginLeg], spot: float, *, broad_based: bool = False
    ) -> MarginResult:
        """Group ``legs`` (one underlying) to minimise the requirement; raises MarginError."""
        live = [leg for leg in legs if leg.quantity != 0]
        if not live:
            return EMPTY_MARGIN
        if not (math.isfinite(spot) and spot > 0):
            raise MarginError(RiskCode.NO_MARKET_DATA, f"underlying price {spot!r} is not usable")
        _check_legs(live)
        return MarginResult.of(group_legs(live, spot, self.profile, broad_based))


def _check_legs(legs: Sequence[MarginLeg]) -> None:
    for leg in legs:
        if leg.is_option and not (leg.strike > 0 and leg.multiplier >= 1):
            raise MarginError(
                RiskCode.MARGIN_UNSUPPORTED, f"{leg.symbol}: option without strike or multiplier"
            )
        if leg.is_option and not (math.isfinite(leg.price) and leg.price >= 0):
            raise MarginError(RiskCode.NO_MARKET_DATA, f"{leg.symbol}: no usable option price")

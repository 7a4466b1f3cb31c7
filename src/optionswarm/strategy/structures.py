"""Decision -> option structure: which structure, which strikes and expiry, what it can lose.

``choose_structure`` maps (direction, vol view) to a structure (table below); ``build_structure``
picks the expiry nearest ``target_dte`` and strikes by target |delta| (deltas from the pricing
library via ``chain_deltas``), prices the package at the fill side (buy at the ask, sell at the
bid) and computes max loss and max profit per unit in dollars.

* bullish: vol rising -> long call; flat -> bull call (debit) spread; falling -> bull put
  (credit) spread, or a cash-secured put / covered call when configured;
* bearish: rising -> long put; flat -> bear put (debit) spread; falling -> bear call spread;
* neutral: rising -> long straddle (strangle if preferred); flat -> call calendar; falling ->
  iron condor, or a naked short strangle only when ``allow_naked_short``.
"""

from __future__ import annotations

import enum
import math

import msgspec
import numpy as np
import numpy.typing as npt

from optionswarm.engine.contracts import contract_symbol
from optionswarm.features.chain import distinct_expiries
from optionswarm.model import NS_PER_DAY, ChainSnapshot, Direction, Side, VolView
from optionswarm.strategy.selection import chain_deltas

__all__ = [
    "MULTIPLIER",
    "ExpiryRows",
    "PlannedLeg",
    "StructureConfig",
    "StructureKind",
    "StructurePlan",
    "choose_structure",
    "pick_expiry",
]

MULTIPLIER = 100


class StructureKind(enum.StrEnum):
    """The option structures the swarm strategy trades."""

    LONG_CALL = "long_call"
    LONG_PUT = "long_put"
    BULL_CALL_SPREAD = "bull_call_spread"
    BEAR_PUT_SPREAD = "bear_put_spread"
    BULL_PUT_SPREAD = "bull_put_spread"
    BEAR_CALL_SPREAD = "bear_call_spread"
    IRON_CONDOR = "iron_condor"
    LONG_STRADDLE = "long_straddle"
    LONG_STRANGLE = "long_strangle"
    CALENDAR = "calendar"
    COVERED_CALL = "covered_call"
    CASH_SECURED_PUT = "cash_secured_put"
    SHORT_STRANGLE = "short_strangle"


class StructureConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Targets for strikes and expiries, and which optional structures are allowed."""

    target_dte: int = 35
    max_dte_error: int = 12
    min_dte: int = 8
    far_dte: int = 70  # the calendar's long leg
    long_delta: float = 0.50  # long call / put / straddle: at the money
    debit_short_delta: float = 0.25  # the sold leg of a debit spread
    short_delta: float = 0.20  # the sold leg of credit spreads, condors, strangles
    wing_delta: float = 0.08  # the bought wing of credit spreads and condors
    strangle_delta: float = 0.25  # long strangle legs
    prefer_strangle: bool = False
    use_cash_secured_put: bool = False
    use_covered_call: bool = False
    allow_naked_short: bool = False  # short strangle instead of the condor
    naked_stress_move: float = 0.25  # loss of a naked structure measured at a +-25% move


_TABLE: dict[tuple[Direction, VolView], StructureKind] = {
    (Direction.BULLISH, VolView.RISING): StructureKind.LONG_CALL,
    (Direction.BULLISH, VolView.FLAT): StructureKind.BULL_CALL_SPREAD,
    (Direction.BULLISH, VolView.FALLING): StructureKind.BULL_PUT_SPREAD,
    (Direction.BEARISH, VolView.RISING): StructureKind.LONG_PUT,
    (Direction.BEARISH, VolView.FLAT): StructureKind.BEAR_PUT_SPREAD,
    (Direction.BEARISH, VolView.FALLING): StructureKind.BEAR_CALL_SPREAD,
    (Direction.NEUTRAL, VolView.RISING): StructureKind.LONG_STRADDLE,
    (Direction.NEUTRAL, VolView.FLAT): StructureKind.CALENDAR,
    (Direction.NEUTRAL, VolView.FALLING): StructureKind.IRON_CONDOR,
}


def choose_structure(
    direction: Direction, vol_view: VolView, config: StructureConfig
) -> StructureKind:
    """The structure for a (direction, vol view) pair, honouring the optional-structure flags."""
    kind = _TABLE[(Direction(direction), VolView(vol_view))]
    if kind is StructureKind.BULL_PUT_SPREAD:
        if config.use_covered_call:
            return StructureKind.COVERED_CALL
        if config.use_cash_secured_put:
            return StructureKind.CASH_SECURED_PUT
    if kind is StructureKind.LONG_STRADDLE and config.prefer_strangle:
        return StructureKind.LONG_STRANGLE
    if kind is StructureKind.IRON_CONDOR and config.allow_naked_short:
        return StructureKind.SHORT_STRANGLE
    return kind


def pick_expiry(
    chain: ChainSnapshot, target_dte: float, max_error_days: float, min_dte: float = 1.0
) -> int | None:
    """The listed expiry nearest ``target_dte`` days (ties: the earlier), or None.

    Same rule as ``selection.select_expiry``, on the chain's cached distinct expiries.
    """
    expiries = distinct_expiries(chain)
    dte = (expiries - chain.ts_ns) / NS_PER_DAY
    error = np.where(dte >= min_dte, np.abs(dte - target_dte), np.inf)
    if error.shape[0] == 0:
        return None
    best = int(np.argmin(error))
    if not error[best] <= max_error_days:
        return None
    return int(expiries[best])


class PlannedLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One leg as planned: the contract (or the underlying), side, ratio and fill-side price."""

    symbol: str
    side: Side
    ratio: int
    price: float  # ask for a buy, bid for a sell (per share)
    strike: float
    expiry_ns: int
    is_call: bool
    is_option: bool
    delta: float


class StructurePlan(msgspec.Struct, frozen=True, kw_only=True):
    """A priced structure: ``net_price`` per unit (> 0 debit, < 0 credit); losses in $/unit."""

    kind: StructureKind
    legs: tuple[PlannedLeg, ...]
    net_price: float
    max_loss: float
    max_profit: float  # inf when unbounded
    expiry_ns: int  # the nearest expiry among the legs

    def describe(self, spot: float, ts_ns: int) -> str:
        """One sentence: legs, expiry, price, max loss and max profit."""
        parts = []
        for leg in self.legs:
            if leg.is_option:
                right = "C" if leg.is_call else "P"
                dte = (leg.expiry_ns - ts_ns) / NS_PER_DAY
                parts.append(
                    f"{leg.side.value} {leg.ratio}x {leg.strike:.0f}{right} {dte:.0f}DTE "
                    f"@{leg.price:.2f} (delta {leg.delta:+.2f})"
                )
            else:
                parts.append(f"{leg.side.value} {leg.ratio} units @{leg.price:.2f}")
        kind = "debit" if self.net_price > 0 else "credit"
        profit = "unbounded" if math.isinf(self.max_profit) else f"{self.max_profit:,.0f}"
        return (
            f"{self.kind.value} on spot {spot:.2f}: " + "; ".join(parts) + f". Net {kind} "
            f"{abs(self.net_price):.2f}, max loss {self.max_loss:,.0f}, max profit {profit} "
            "per unit."
        )


class ExpiryRows:
    """Rows of one expiry with their deltas, computed once and shared by every leg."""

    def __init__(self, chain: ChainSnapshot, expiry_ns: int) -> None:
        self.chain = chain
        self.expiry_ns = expiry_ns
        mask = (chain.expiry_ns == expiry_ns) & np.isfinite(chain.ask) & (chain.ask > 0.0)
        self.rows: npt.NDArray[np.int64] = np.flatnonzero(mask).astype(np.int64)
        self.delta = chain_deltas(chain, self.rows) if len(self.rows) else np.empty(0)

    def pick(
        self,
        is_call: bool,
        target_abs_delta: float,
        *,
        above: float | None = None,
        below: float | None = None,
        need_bid: bool = False,
    ) -> int | None:
        """Index into ``rows`` of the contract with |delta| nearest the target, or None."""
        chain, rows = self.chain, self.rows
        ok = (chain.is_call[rows] == is_call) & np.isfinite(self.delta)
        if above is not None:
            ok &= chain.strike[rows] > above + 1e-9
        if below is not None:
            ok &= chain.strike[rows] < below - 1e-9
        if need_bid:
            ok &= np.nan_to_num(chain.bid[rows], nan=0.0) > 0.0
        if not ok.any():
            return None
        error = np.where(ok, np.abs(np.abs(self.delta) - target_abs_delta), np.inf)
        return int(np.argmin(error))

    def leg(self, index: int, side: Side, ratio: int = 1) -> PlannedLeg:
        chain, row = self.chain, int(self.rows[index])
        price = float(chain.ask[row] if side is Side.BUY else chain.bid[row])
        return PlannedLeg(
            symbol=contract_symbol(chain, row),
            side=side,
            ratio=ratio,
            price=price,
            strike=float(chain.strike[row]),
            expiry_ns=int(chain.expiry_ns[row]),
            is_call=bool(chain.is_call[row]),
            is_option=True,
            delta=float(self.delta[index]),
        )

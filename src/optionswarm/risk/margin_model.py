"""Value types of the strategy-based margin engine: legs, groups, results, broker profiles."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import msgspec

from optionswarm.risk.reasons import RiskCode

__all__ = [
    "CASH_ACCOUNT",
    "EMPTY_MARGIN",
    "REG_T",
    "BrokerProfile",
    "MarginError",
    "MarginGroup",
    "MarginLeg",
    "MarginResult",
    "StrategyKind",
    "naked_requirement",
]


class MarginError(ValueError):
    """Legs the profile cannot margin; ``code`` is a :class:`RiskCode`."""

    def __init__(self, code: RiskCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class StrategyKind(enum.StrEnum):
    """The strategy groups the margin engine knows."""

    LONG_OPTION = "long_option"
    NAKED_CALL = "naked_call"
    NAKED_PUT = "naked_put"
    SHORT_STRADDLE = "short_straddle"  # straddle or strangle
    DEBIT_SPREAD = "debit_spread"
    CREDIT_SPREAD = "credit_spread"
    IRON_CONDOR = "iron_condor"  # also iron butterfly
    COVERED_CALL = "covered_call"
    CASH_SECURED_PUT = "cash_secured_put"
    LONG_STOCK = "long_stock"
    SHORT_STOCK = "short_stock"


class BrokerProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A broker's strategy-based margin parameters (frozen; pick or build one per account)."""

    name: str
    naked_rate: float = 0.20
    naked_rate_broad_index: float = 0.15
    naked_min_call_rate: float = 0.10  # of the underlying value
    naked_min_put_rate: float = 0.10  # of the strike
    stock_rate: float = 0.50
    short_stock_rate: float = 1.50
    allow_naked_calls: bool = True
    allow_naked_puts: bool = True  # False: short puts must be cash-secured
    allow_short_stock: bool = True
    # Cboe lets a spread be margined as the lesser of its width or the short's naked requirement;
    # off by default so that every pairable short is charged at least the spread's max loss.
    spread_at_most_naked: bool = False


REG_T = BrokerProfile(name="reg_t")
CASH_ACCOUNT = BrokerProfile(
    name="cash",
    stock_rate=1.0,
    allow_naked_calls=False,
    allow_naked_puts=False,
    allow_short_stock=False,
)


class MarginLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One holding or order leg: signed ``quantity`` of contracts (options) or shares (stock).

    ``price`` is the option premium per share (mark or entry); ignored for stock.
    """

    symbol: str
    quantity: int
    is_option: bool = True
    is_call: bool = True
    strike: float = 0.0
    expiry_ns: int = 0
    multiplier: int = 100
    price: float = 0.0


class MarginGroup(msgspec.Struct, frozen=True, kw_only=True):
    """Legs margined together: ``(symbol, signed quantity)`` pairs and dollar amounts."""

    kind: StrategyKind
    legs: tuple[tuple[str, int], ...]
    requirement: float
    proceeds: float

    @property
    def capital(self) -> float:
        """Dollars of buying power the group ties up: requirement - proceeds, at least 0."""
        return max(self.requirement - self.proceeds, 0.0)


class MarginResult(msgspec.Struct, frozen=True, kw_only=True):
    """The grouping that minimised the requirement, and its totals."""

    groups: tuple[MarginGroup, ...]
    requirement: float
    proceeds: float
    capital: float

    @classmethod
    def of(cls, groups: Iterable[MarginGroup]) -> MarginResult:
        """Totals over ``groups``."""
        groups = tuple(groups)
        return cls(
            groups=groups,
            requirement=sum(g.requirement for g in groups),
            proceeds=sum(g.proceeds for g in groups),
            capital=sum(g.capital for g in groups),
        )


EMPTY_MARGIN = MarginResult(groups=(), requirement=0.0, proceeds=0.0, capital=0.0)


def naked_requirement(
    profile: BrokerProfile, spot: float, leg: MarginLeg, broad_based: bool
) -> float:
    """Per-share naked requirement of a short option: premium + the Cboe percentage term."""
    rate = profile.naked_rate_broad_index if broad_based else profile.naked_rate
    if leg.is_call:
        otm = max(leg.strike - spot, 0.0)
        term = max(rate * spot - otm, profile.naked_min_call_rate * spot)
    else:
        otm = max(spot - leg.strike, 0.0)
        term = max(rate * spot - otm, profile.naked_min_put_rate * leg.strike)
    return leg.price + term

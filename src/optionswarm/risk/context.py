"""The immutable input of every pre-trade check: the order, its resolved legs and the book."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from optionswarm.model import OrderIntent
from optionswarm.risk.book import RiskBook
from optionswarm.risk.config import RiskConfig
from optionswarm.risk.legs import ResolvedLeg
from optionswarm.risk.margin import MarginModel
from optionswarm.risk.margin_model import MarginLeg
from optionswarm.risk.market import UnderlyingMark
from optionswarm.risk.reasons import DenyReason, RiskCode
from optionswarm.risk.state import TradingState
from optionswarm.risk.throttle import ThrottleStatus

__all__ = ["CheckContext", "deny"]


class CheckContext(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a check reads; built once per order by the engine.

    ``problems`` are legs that could not be resolved (checks needing every leg skip when set).
    ``position_reducing``: every leg trades against an existing position without crossing
    zero; ``risk_reducing`` adds Greek hedges (see ``ReducingRules``).
    """

    order: OrderIntent
    now_ns: int
    config: RiskConfig
    state: TradingState
    legs: tuple[ResolvedLeg, ...]
    problems: tuple[DenyReason, ...]
    underlying: UnderlyingMark | None
    book: RiskBook
    margin: MarginModel
    structure: str
    position_reducing: bool
    risk_reducing: bool
    order_greeks: tuple[float, float, float, float]
    throttle: ThrottleStatus
    margin_leg_of: Callable[[str, int], MarginLeg]  # a held symbol as a margin leg at its mark
    opening: tuple[bool, ...]  # per leg: does it increase the absolute position?

    @property
    def margin_legs(self) -> tuple[MarginLeg, ...]:
        """The order's legs as margin and payoff input (priced at the mids)."""
        return self.legs

    @property
    def complete(self) -> bool:
        """True when every leg resolved and the underlying has a price."""
        return not self.problems and self.underlying is not None


def deny(code: RiskCode, check: str, message: str) -> tuple[DenyReason]:
    """A one-reason result."""
    return (DenyReason(code=code, check=check, message=message),)

"""Strategies: the ``Strategy`` protocol, strike/expiry selection and the reference strategies."""

from optionswarm.strategy.base import Strategy, StrategyComponent
from optionswarm.strategy.options import CoveredCall, ShortPutSpread
from optionswarm.strategy.selection import chain_deltas, select_expiry, select_strike_by_delta
from optionswarm.strategy.underlying import BuyAndHold, SmaCrossover

__all__ = [
    "BuyAndHold",
    "CoveredCall",
    "ShortPutSpread",
    "SmaCrossover",
    "Strategy",
    "StrategyComponent",
    "chain_deltas",
    "select_expiry",
    "select_strike_by_delta",
]

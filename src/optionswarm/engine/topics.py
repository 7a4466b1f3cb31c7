"""The engine's topics: one typed stream per kind of event on the path through the house."""

from __future__ import annotations

from typing import Final

from optionswarm.bus import Topic
from optionswarm.engine.events import (
    OrderRejected,
    PortfolioSnapshot,
    SessionClose,
    StrategyDecision,
)
from optionswarm.model import Bar, ChainSnapshot, Fill, OrderIntent

__all__ = [
    "BARS",
    "CHAINS",
    "DECISIONS",
    "FILLS",
    "ORDERS",
    "PORTFOLIO",
    "REJECTIONS",
    "SESSIONS",
]

BARS: Final = Topic("market.bars", Bar)
CHAINS: Final = Topic("market.chains", ChainSnapshot)
SESSIONS: Final = Topic("market.sessions", SessionClose)
DECISIONS: Final = Topic("strategy.decisions", StrategyDecision)
ORDERS: Final = Topic("orders.intents", OrderIntent)
REJECTIONS: Final = Topic("orders.rejections", OrderRejected)
FILLS: Final = Topic("orders.fills", Fill)
PORTFOLIO: Final = Topic("portfolio.snapshots", PortfolioSnapshot)

"""Engine events that are not domain types: rejections, strategy decisions, portfolio state.

The domain types (bars, chains, order intents, fills) live in ``optionswarm.model``; these are the
engine's own frozen messages that travel beside them on the bus.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "OrderRejected",
    "PortfolioSnapshot",
    "SessionClose",
    "StrategyDecision",
]


class SessionClose(msgspec.Struct, frozen=True, kw_only=True):
    """The end of a trading session: marks, settlement and daily snapshots happen here."""

    ts_ns: int
    day: str  # ISO date of the session


class StrategyDecision(msgspec.Struct, frozen=True, kw_only=True):
    """Why a strategy acted: a machine-readable code and a human sentence, linked to orders."""

    decision_id: str
    strategy: str
    underlying: str
    ts_ns: int
    action: str  # "open" | "close" | "adjust"
    reason_code: str
    explanation: str


class OrderRejected(msgspec.Struct, frozen=True, kw_only=True):
    """An order refused by the risk gate or the execution client, with its reason."""

    client_order_id: str
    ts_ns: int
    stage: str  # "risk" | "execution"
    reason_code: str
    message: str


class PortfolioSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """End-of-session portfolio state: equity, Greeks (in $ per unit move) and attribution.

    Greeks are position-weighted (quantity x multiplier): ``delta`` in underlying units, ``gamma``
    per point squared, ``vega`` per 1.00 of vol, ``theta`` per calendar day. The ``pnl_*`` fields
    attribute the change in equity since the previous snapshot; ``pnl_residual`` is what the
    Greeks do not explain (trading costs, higher-order terms, new trades).
    """

    ts_ns: int
    day: str
    equity: float
    cash: float
    gross_exposure: float
    open_positions: int
    delta: float
    gamma: float
    vega: float
    theta: float
    pnl: float
    pnl_delta: float
    pnl_gamma: float
    pnl_vega: float
    pnl_theta: float
    pnl_residual: float

"""What the circuit breakers observe, besides quotes: P&L, closed trades, broker errors,
order latencies, position reconciliations and transactional-store failures (frozen structs, fed
by the portfolio, the order manager and the broker adapters)."""

from __future__ import annotations

import msgspec

__all__ = [
    "BrokerError",
    "ClosedTrade",
    "OrderLatency",
    "PnlUpdate",
    "PositionCheck",
    "StorageError",
]


class PnlUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """Account equity and the day's P&L at ``ts_ns``."""

    ts_ns: int
    equity: float
    day_pnl: float


class ClosedTrade(msgspec.Struct, frozen=True, kw_only=True):
    """A round trip closed with ``realized_pnl`` dollars."""

    ts_ns: int
    symbol: str
    realized_pnl: float


class BrokerError(msgspec.Struct, frozen=True, kw_only=True):
    """The broker rejected or failed a request."""

    ts_ns: int
    code: str
    message: str = ""


class StorageError(msgspec.Struct, frozen=True, kw_only=True):
    """A write to the transactional store failed (``code`` names the write, e.g. ``save_order``)."""

    ts_ns: int
    code: str
    message: str = ""


class OrderLatency(msgspec.Struct, frozen=True, kw_only=True):
    """How long an order took from submission to (first) fill."""

    ts_ns: int
    client_order_id: str
    submitted_ns: int
    filled_ns: int

    @property
    def latency_ns(self) -> int:
        """filled - submitted."""
        return self.filled_ns - self.submitted_ns


class PositionCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A reconciliation: the engine's position against the broker's."""

    ts_ns: int
    symbol: str
    expected: int
    actual: int

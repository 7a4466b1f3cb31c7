"""Trades as round trips: every fill is booked to the trade (order tag) it belongs to.

An opening order's ``tag`` names a new trade; closing orders carry the same tag. Fills without a
known order (expiry settlements) go to the open trade holding that symbol. A trade closes when
all its quantities are back to zero.
"""

from __future__ import annotations

import msgspec

from optionswarm.model import Fill, OrderIntent

__all__ = ["Trade", "TradeLedger"]


class Trade(msgspec.Struct, frozen=True, kw_only=True):
    """One round trip: its legs, when it opened and closed, its P&L after fees and why."""

    trade_id: str
    structure: str
    decision_id: str | None
    opened_ns: int
    closed_ns: int | None
    symbols: tuple[str, ...]
    entry_cash: float  # cash received (+) or paid (-) by the opening order, fees excluded
    pnl: float  # realised (closed) or marked (open) P&L after fees
    fees: float
    exit: str  # "closed", "settled" or "open"


class _OpenTrade(msgspec.Struct, kw_only=True):
    trade_id: str
    structure: str
    decision_id: str | None
    opened_ns: int
    opening_order: str
    quantities: dict[str, int]
    multipliers: dict[str, int]
    cash: float = 0.0
    entry_cash: float = 0.0
    fees: float = 0.0
    settled: bool = False


class TradeLedger:
    """Books fills to trades; ``closed`` holds finished trades in closing order."""

    def __init__(self) -> None:
        self._orders: dict[str, OrderIntent] = {}
        self._open: dict[str, _OpenTrade] = {}
        self.closed: list[Trade] = []

    def on_order(self, intent: OrderIntent) -> None:
        """Remember which trade an order belongs to."""
        self._orders[intent.client_order_id] = intent

    def on_fill(self, fill: Fill, multiplier: int, settlement: bool = False) -> None:
        """Book ``fill`` to its trade, closing the trade when it is flat."""
        trade = self._trade_for(fill)
        flow = -fill.signed_quantity * fill.price * multiplier
        trade.cash += flow - fill.fee
        trade.fees += fill.fee
        if fill.client_order_id == trade.opening_order:
            trade.entry_cash += flow
        trade.quantities[fill.symbol] = trade.quantities.get(fill.symbol, 0) + fill.signed_quantity
        trade.multipliers[fill.symbol] = multiplier
        trade.settled = trade.settled or settlement
        if all(q == 0 for q in trade.quantities.values()):
            del self._open[trade.trade_id]
            self.closed.append(self._freeze(trade, fill.ts_ns, trade.cash))

    def _trade_for(self, fill: Fill) -> _OpenTrade:
        intent = self._orders.get(fill.client_order_id)
        if intent is not None:
            trade_id = intent.tag or intent.client_order_id
            trade = self._open.get(trade_id)
            if trade is None:
                trade = _OpenTrade(
                    trade_id=trade_id,
                    structure=intent.structure,
                    decision_id=intent.decision_id,
                    opened_ns=fill.ts_ns,
                    opening_order=intent.client_order_id,
                    quantities={},
                    multipliers={},
                )
                self._open[trade_id] = trade
            return trade
        for trade in self._open.values():
            if trade.quantities.get(fill.symbol, 0) != 0:
                return trade
        # shares delivered by an exercise or assignment start a trade of their own
        trade_id = f"{fill.client_order_id}-{fill.symbol}"
        trade = self._open.get(trade_id)
        if trade is None:
            trade = _OpenTrade(
                trade_id=trade_id,
                structure="assigned",
                decision_id=None,
                opened_ns=fill.ts_ns,
                opening_order=fill.client_order_id,
                quantities={},
                multipliers={},
            )
            self._open[trade_id] = trade
        return trade

    def _freeze(self, trade: _OpenTrade, closed_ns: int | None, pnl: float) -> Trade:
        exit_kind = "open" if closed_ns is None else ("settled" if trade.settled else "closed")
        return Trade(
            trade_id=trade.trade_id,
            structure=trade.structure,
            decision_id=trade.decision_id,
            opened_ns=trade.opened_ns,
            closed_ns=closed_ns,
            symbols=tuple(sorted(trade.quantities)),
            entry_cash=trade.entry_cash,
            pnl=pnl,
            fees=trade.fees,
            exit=exit_kind,
        )

    def open_trades(self, marks: dict[str, float]) -> list[Trade]:
        """The trades still open, with P&L marked at ``marks`` (price per share by symbol)."""
        out = []
        for trade in self._open.values():
            value = sum(
                qty * marks.get(symbol, 0.0) * trade.multipliers[symbol]
                for symbol, qty in trade.quantities.items()
            )
            out.append(self._freeze(trade, None, trade.cash + value))
        return out

    def open_trade_ids(self) -> list[str]:
        """Ids of open trades, in opening order."""
        return list(self._open)

"""``PositionBook``: the order manager's positions, built from fills and nothing else.

It is what is reconciled with the broker, persisted with each fill and flattened by the kill
switch. Fill ids already booked are remembered, so a fill delivered twice is booked once.
"""

from __future__ import annotations

from collections.abc import Iterable

from optionswarm.engine.contracts import is_option_symbol, parse_contract
from optionswarm.model import Fill, OrderIntent, OrderLeg, Position, Side, underlying_for_root

__all__ = ["PositionBook", "underlying_of"]


def underlying_of(symbol: str) -> str:
    """The underlying an option symbol belongs to (``SPXW ... -> SPX``); others are their own."""
    if is_option_symbol(symbol):
        return underlying_for_root(parse_contract(symbol).root)
    return symbol


class PositionBook:
    """Positions by symbol plus the fill ids already booked."""

    def __init__(self) -> None:
        self.positions: dict[str, Position] = {}
        self._fill_ids: set[str] = set()
        self._fills_per_order: dict[str, int] = {}

    @classmethod
    def restore(cls, positions: dict[str, Position], fills: Iterable[Fill]) -> PositionBook:
        """A book from stored positions and the stored fills (their ids, not their quantities)."""
        book = cls()
        book.positions = dict(positions)
        for fill in fills:
            book._seen(fill)
        return book

    def _seen(self, fill: Fill) -> None:
        self._fill_ids.add(fill.fill_id)
        cid = fill.client_order_id
        self._fills_per_order[cid] = self._fills_per_order.get(cid, 0) + 1

    def is_new_fill(self, fill_id: str) -> bool:
        """False for a fill id already booked."""
        return fill_id not in self._fill_ids

    def fills_of(self, client_order_id: str) -> int:
        """How many fills were booked for an order."""
        return self._fills_per_order.get(client_order_id, 0)

    def apply(self, fill: Fill) -> Position:
        """Book ``fill``; returns the symbol's new position (quantity 0 when flat)."""
        self._seen(fill)
        position = self.positions.get(fill.symbol) or Position(
            symbol=fill.symbol,
            underlying=underlying_of(fill.symbol),
            quantity=0,
            avg_price=0.0,
            multiplier=100 if is_option_symbol(fill.symbol) else 1,
        )
        updated, _ = position.apply(fill)
        if updated.is_flat:
            self.positions.pop(fill.symbol, None)
        else:
            self.positions[fill.symbol] = updated
        return updated

    def quantities(self) -> dict[str, int]:
        """Signed quantity by symbol (open positions only)."""
        return {symbol: p.quantity for symbol, p in self.positions.items()}

    def closing_intents(self, prefix: str, ts_ns: int) -> list[OrderIntent]:
        """One market order per open position that brings it to zero (``source="flatten"``)."""
        intents = []
        for symbol in sorted(self.positions):
            position = self.positions[symbol]
            side = Side.SELL if position.quantity > 0 else Side.BUY
            intents.append(
                OrderIntent(
                    client_order_id=f"{prefix}-{symbol.replace(' ', '')}",
                    underlying=underlying_of(symbol),
                    legs=(OrderLeg(symbol=symbol, side=side),),
                    quantity=abs(position.quantity),
                    limit_price=None,
                    ts_ns=ts_ns,
                    source="flatten",
                    structure="flatten",
                )
            )
        return intents

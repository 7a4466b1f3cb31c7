"""Fills and positions."""

from __future__ import annotations

import msgspec

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import (
    enum_field,
    fail,
    float_field,
    int_field,
    text_field,
    ts_field,
)
from optionswarm.model._enums import Side
from optionswarm.model._occ import symbol_field

__all__ = ["Fill", "Position"]


class Fill(DomainStruct, frozen=True, kw_only=True):
    """An execution of ``quantity`` contracts (or shares) of one symbol at ``price``.

    An OSI ``symbol`` is stored in its padded 21-character form (so fills match positions).
    ``price`` is per share (before the multiplier) and >= 0. ``fee`` is the total fee of this fill
    in dollars; a negative fee is a rebate.
    """

    client_order_id: str
    fill_id: str
    symbol: str
    side: Side
    quantity: int
    price: float
    fee: float
    ts_ns: int

    def __post_init__(self) -> None:
        text_field(self, "client_order_id", max_len=64)
        text_field(self, "fill_id", max_len=128)
        symbol_field(self)
        enum_field(self, "side", Side)
        int_field(self, "quantity", min_value=1)
        float_field(self, "price", min_value=0.0)
        float_field(self, "fee")
        ts_field(self)

    @property
    def signed_quantity(self) -> int:
        """+quantity for a buy, -quantity for a sell."""
        return self.side.sign * self.quantity


class Position(DomainStruct, frozen=True, kw_only=True):
    """A signed holding (> 0 long, < 0 short, 0 flat) at an average price per share.

    An OSI ``symbol`` is stored in its padded 21-character form.
    """

    symbol: str
    underlying: str
    quantity: int
    avg_price: float
    multiplier: int = 100

    def __post_init__(self) -> None:
        symbol_field(self)
        text_field(self, "underlying", max_len=32)
        int_field(self, "quantity")
        float_field(self, "avg_price", min_value=0.0)
        int_field(self, "multiplier", min_value=1)

    @property
    def is_flat(self) -> bool:
        """True when no contracts are held."""
        return self.quantity == 0

    def market_value(self, price: float) -> float:
        """Signed value at ``price`` per share: quantity x price x multiplier."""
        return self.quantity * price * self.multiplier

    def apply(self, fill: Fill) -> tuple[Position, float]:
        """The position after ``fill`` and the P&L it realises (fees excluded).

        Adding to a position averages the price; reducing realises P&L against ``avg_price``;
        crossing through zero opens the remainder at the fill price.
        """
        if fill.symbol != self.symbol:
            raise fail("symbol", f"fill for {fill.symbol!r} applied to position in {self.symbol!r}")
        delta = fill.signed_quantity
        new_quantity = self.quantity + delta
        if self.quantity == 0 or (self.quantity > 0) == (delta > 0):
            total = abs(self.quantity) * self.avg_price + abs(delta) * fill.price
            average = total / abs(new_quantity)
            return msgspec.structs.replace(self, quantity=new_quantity, avg_price=average), 0.0
        closed = min(abs(delta), abs(self.quantity))
        direction = 1 if self.quantity > 0 else -1
        realised = direction * closed * (fill.price - self.avg_price) * self.multiplier
        if new_quantity == 0:
            average = 0.0
        elif (new_quantity > 0) == (self.quantity > 0):
            average = self.avg_price
        else:
            average = fill.price
        return msgspec.structs.replace(self, quantity=new_quantity, avg_price=average), realised

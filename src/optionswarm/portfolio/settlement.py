"""Expiry settlement, exercise, early assignment and pin risk as pure functions of a book.

* Every leg of a structure is settled against ONE ``SettlementPrint`` (the session's opening
  print for AM-settled roots such as SPX monthlies, the close for PM-settled ones such as SPXW;
  for daily bars: the bar's open versus its close).
* Cash-settled index options close at intrinsic value; equity options that finish in the money
  are exercised / assigned into shares: the option closes at intrinsic and the shares trade at
  the settlement price, which nets to buying or selling the shares at the strike.
* Early assignment: a short in-the-money call is assigned before an ex-dividend date when the
  dividend exceeds the call's remaining time value (the holder exercises to catch the dividend).
* Pin risk: a short leg expiring within ``pin_distance`` of its strike is flagged (whether it is
  assigned is unknown until after the close).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from optionswarm.engine.contracts import ContractTerms, is_option_symbol, parse_contract
from optionswarm.model import CASH_SETTLED_INDEX_ROOTS, Fill, Position, Side, underlying_for_root

__all__ = [
    "SettlementPrint",
    "assignment_fills",
    "early_assignments",
    "expiry_fills",
    "pin_risks",
]


class SettlementPrint(msgspec.Struct, frozen=True, kw_only=True):
    """The prints one session's expiries settle against."""

    day: str
    ts_ns: int
    open: float  # AM settlement (opening print)
    close: float  # PM settlement

    def price_for(self, terms: ContractTerms) -> float:
        """The print this contract settles against."""
        return self.open if terms.am_settled else self.close


def _intrinsic(terms: ContractTerms, price: float) -> float:
    sign = 1.0 if terms.is_call else -1.0
    return max(sign * (price - terms.strike), 0.0)


def _fill(
    order_id: str,
    symbol: str,
    side: Side,
    quantity: int,
    *,
    price: float,
    ts: int,
    suffix: str = "",
) -> Fill:
    return Fill(
        client_order_id=order_id,
        fill_id=f"{order_id}-{symbol.replace(' ', '')}{suffix}",
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=round(price, 6),
        fee=0.0,
        ts_ns=ts,
    )


def assignment_fills(
    order_id: str, position: Position, terms: ContractTerms, price: float, ts_ns: int
) -> list[Fill]:
    """Fills that exercise (long) or assign (short) ``position`` into shares at ``price``.

    The option closes at intrinsic value; ``multiplier`` shares per contract trade at ``price``
    (a call holder buys, a put holder sells; the writer takes the other side).
    """
    quantity = abs(position.quantity)
    close_side = Side.SELL if position.quantity > 0 else Side.BUY
    intrinsic = _intrinsic(terms, price)
    fills = [_fill(order_id, position.symbol, close_side, quantity, price=intrinsic, ts=ts_ns)]
    holder_buys = terms.is_call
    long_option = position.quantity > 0
    share_side = Side.BUY if holder_buys == long_option else Side.SELL
    shares = quantity * position.multiplier
    underlying = underlying_for_root(terms.root)
    suffix = f"-{position.symbol.replace(' ', '')}"  # one share fill per option exercised
    fills.append(
        _fill(order_id, underlying, share_side, shares, price=price, ts=ts_ns, suffix=suffix)
    )
    return fills


def expiry_fills(positions: Mapping[str, Position], prints: SettlementPrint) -> list[Fill]:
    """Settle every option expiring by ``prints.ts_ns``: index options in cash, equity options
    in the money into shares (out of the money: they expire worthless)."""
    fills: list[Fill] = []
    order_id = f"settle-{prints.day}"
    for symbol in sorted(positions):
        if not is_option_symbol(symbol):
            continue
        terms = parse_contract(symbol)
        if terms.expiry_ns > prints.ts_ns:
            continue
        position = positions[symbol]
        price = prints.price_for(terms)
        intrinsic = _intrinsic(terms, price)
        if terms.root in CASH_SETTLED_INDEX_ROOTS or intrinsic <= 0.0:
            side = Side.SELL if position.quantity > 0 else Side.BUY
            quantity = abs(position.quantity)
            fills.append(_fill(order_id, symbol, side, quantity, price=intrinsic, ts=prints.ts_ns))
        else:
            fills += assignment_fills(order_id, position, terms, price, prints.ts_ns)
    return fills


def early_assignments(
    positions: Mapping[str, Position],
    marks: Mapping[str, float],
    spot: float,
    dividend: float,
) -> list[str]:
    """Short ITM equity calls a holder would exercise before the ex-date (dividend > time value).

    ``marks`` holds each option's price per share; ``dividend`` is per share.
    """
    assigned = []
    for symbol in sorted(positions):
        position = positions[symbol]
        if position.quantity >= 0 or not is_option_symbol(symbol):
            continue
        terms = parse_contract(symbol)
        if not terms.is_call or terms.root in CASH_SETTLED_INDEX_ROOTS:
            continue
        intrinsic = _intrinsic(terms, spot)
        mark = marks.get(symbol)
        if intrinsic <= 0.0 or mark is None:
            continue
        if dividend > max(mark - intrinsic, 0.0):
            assigned.append(symbol)
    return assigned


def pin_risks(
    positions: Mapping[str, Position], prints: SettlementPrint, pin_distance: float
) -> list[tuple[str, float]]:
    """Short legs expiring now whose strike is within ``pin_distance`` of the settlement print;
    returns (symbol, distance)."""
    flagged = []
    for symbol in sorted(positions):
        position = positions[symbol]
        if position.quantity >= 0 or not is_option_symbol(symbol):
            continue
        terms = parse_contract(symbol)
        if terms.expiry_ns > prints.ts_ns:
            continue
        distance = abs(prints.price_for(terms) - terms.strike)
        if distance <= pin_distance:
            flagged.append((symbol, distance))
    return flagged

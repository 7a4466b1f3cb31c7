"""The one fill-pricing rule shared by the backtest, the paper broker and the report.

``fill_price`` prices one leg against its quote: a buy pays the ask plus slippage, a sell gets the
bid minus slippage (floored at zero). This is conservative by default — never a free fill at the
mid; ``at="mid"`` must be asked for explicitly. ``price_package`` prices every leg of a package and
its net price per package unit (> 0 debit, < 0 credit, as the model's limit prices), and
``package_units_available`` says how many package units the displayed sizes allow at the ratios.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence

import msgspec

from optionswarm.model import OrderLeg, Side

__all__ = [
    "PRICE_EPS",
    "FillAt",
    "LegQuote",
    "NoFillError",
    "PackagePrice",
    "fill_price",
    "limit_reached",
    "package_units_available",
    "price_package",
]

PRICE_EPS = 1e-9


class FillAt(enum.StrEnum):
    """Where in the spread a fill happens."""

    TOUCH = "touch"  # buys at the ask, sells at the bid (conservative default)
    MID = "mid"  # the mid: optimistic, only when asked for


class NoFillError(LookupError):
    """The quote cannot fill this side (no ask to buy from, no bid to sell to)."""


class LegQuote(msgspec.Struct, frozen=True, kw_only=True):
    """What the book shows for one leg: prices and displayed sizes (0 size: unknown)."""

    bid: float
    ask: float
    bid_size: int = 0
    ask_size: int = 0


class PackagePrice(msgspec.Struct, frozen=True, kw_only=True):
    """Each leg's fill price and the package's net price per unit (ratio-weighted)."""

    leg_prices: tuple[float, ...]
    net: float


def fill_price(
    side: Side, bid: float, ask: float, slippage: float = 0.0, at: FillAt = FillAt.TOUCH
) -> float:
    """The price one unit of ``side`` fills at, or ``NoFillError`` if that side has no quote."""
    buying = side is Side.BUY
    if at is FillAt.MID:
        if not (math.isfinite(bid) and math.isfinite(ask)) or ask <= 0.0:
            raise NoFillError("no two-sided quote for a mid fill")
        base = (max(bid, 0.0) + ask) / 2.0
    else:
        base = ask if buying else bid
        if not math.isfinite(base) or (buying and base <= 0.0) or base < 0.0:
            raise NoFillError(f"no {'ask' if buying else 'bid'}")
    return base + slippage if buying else max(base - slippage, 0.0)


def price_package(
    legs: Sequence[OrderLeg],
    quotes: Sequence[LegQuote],
    slippages: Sequence[float],
    at: FillAt = FillAt.TOUCH,
) -> PackagePrice:
    """Price every leg (``NoFillError`` names the first leg that cannot fill)."""
    prices: list[float] = []
    net = 0.0
    for leg, quote, slip in zip(legs, quotes, slippages, strict=True):
        try:
            price = fill_price(leg.side, quote.bid, quote.ask, slip, at)
        except NoFillError as exc:
            raise NoFillError(f"{leg.symbol} has {exc}") from None
        prices.append(price)
        net += leg.side.sign * leg.ratio * price
    return PackagePrice(leg_prices=tuple(prices), net=net)


def limit_reached(net: float, limit: float | None) -> bool:
    """True when the net price is at least as good as the limit (market orders: always)."""
    return limit is None or net <= limit + PRICE_EPS


def package_units_available(legs: Sequence[OrderLeg], quotes: Sequence[LegQuote]) -> int | None:
    """Package units the displayed sizes allow (None: no leg shows a size, so no limit)."""
    units: int | None = None
    for leg, quote in zip(legs, quotes, strict=True):
        size = quote.ask_size if leg.side is Side.BUY else quote.bid_size
        if size <= 0:
            continue
        leg_units = size // leg.ratio
        units = leg_units if units is None else min(units, leg_units)
    return units

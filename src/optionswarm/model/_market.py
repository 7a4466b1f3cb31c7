"""Market data: top-of-book quotes and OHLCV bars (validated on construction and decode)."""

from __future__ import annotations

import math
from typing import Any, Self

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import (
    MAX_TS_NS,
    coerce_scalar,
    fail,
    float_field,
    int_field,
    optional_float_field,
    ts_field,
)
from optionswarm.model._occ import symbol_field

__all__ = ["Bar", "Quote"]


class Quote(DomainStruct, frozen=True, kw_only=True):
    """Top of book for one symbol (OSI option, stored padded, or underlying) at ``ts_ns``.

    ``0 <= bid <= ask``; a bid of 0 means no bid (common for far out-of-the-money options).
    """

    symbol: str
    ts_ns: int
    bid: float
    ask: float
    bid_size: int = 0
    ask_size: int = 0
    last: float | None = None

    def __post_init__(self) -> None:
        if not _quote_is_clean(self):  # hot path: skip the checks for an already-clean quote
            self._check_fields()

    def _check_fields(self) -> None:
        symbol_field(self)
        ts_field(self)
        bid = float_field(self, "bid", min_value=0.0)
        ask = float_field(self, "ask", min_value=0.0)
        if bid > ask:
            raise fail("bid", f"bid {bid!r} is above ask {ask!r} (crossed quote)")
        int_field(self, "bid_size", min_value=0)
        int_field(self, "ask_size", min_value=0)
        optional_float_field(self, "last", min_value=0.0)

    @classmethod
    def checked(cls, **fields: Any) -> Self:
        """Build from outside data: numpy scalars become Python numbers, then full validation."""
        return cls(**{name: coerce_scalar(value) for name, value in fields.items()})

    @property
    def mid(self) -> float:
        """(bid + ask) / 2."""
        return (self.bid + self.ask) / 2.0

    @property
    def spread(self) -> float:
        """ask - bid (never negative)."""
        return self.ask - self.bid


def _clean_symbol(symbol: object) -> bool:
    # Shorter than 16 characters a symbol cannot be OSI; at 21 an OSI symbol is already padded.
    return (
        type(symbol) is str
        and (0 < len(symbol) < 16 or len(symbol) == 21)
        and symbol.isprintable()
        and not symbol[0].isspace()
        and not symbol[-1].isspace()
    )


def _clean_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _clean_price(value: object) -> bool:
    # finite, >= 0, and not -0.0 (which the full checks rewrite to 0.0)
    return (
        type(value) is float
        and 0.0 <= value < math.inf
        and (value > 0.0 or math.copysign(1.0, value) > 0)
    )


def _quote_is_clean(quote: Quote) -> bool:
    """True when every field already is of the exact type and range the checks would demand."""
    bid, ask, last, ts = quote.bid, quote.ask, quote.last, quote.ts_ns
    return (
        _clean_price(bid)
        and _clean_price(ask)
        and bid <= ask
        and (last is None or _clean_price(last))
        and type(ts) is int
        and 0 <= ts <= MAX_TS_NS
        and _clean_count(quote.bid_size)
        and _clean_count(quote.ask_size)
        and _clean_symbol(quote.symbol)
    )


class Bar(DomainStruct, frozen=True, kw_only=True):
    """An OHLCV bar; ``ts_ns`` is the bar's open time (UTC ns)."""

    symbol: str
    ts_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int = 0

    def __post_init__(self) -> None:
        symbol_field(self)
        ts_field(self)
        prices = {
            name: float_field(self, name, min_value=0.0)
            for name in ("open", "high", "low", "close")
        }
        if prices["high"] < prices["low"]:
            raise fail("high", f"high {prices['high']!r} is below low {prices['low']!r}")
        for name in ("open", "close"):
            if prices[name] > prices["high"]:
                raise fail("high", f"high {prices['high']!r} is below {name} {prices[name]!r}")
            if prices[name] < prices["low"]:
                raise fail("low", f"low {prices['low']!r} is above {name} {prices[name]!r}")
        int_field(self, "volume", min_value=0)

    @classmethod
    def checked(cls, **fields: Any) -> Self:
        """Build from outside data: numpy scalars become Python numbers, then full validation."""
        return cls(**{name: coerce_scalar(value) for name, value in fields.items()})

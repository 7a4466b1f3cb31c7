"""Orders: a multi-leg ``OrderIntent`` is one unit with one package limit price."""

from __future__ import annotations

import math
import re
from typing import Final

from msgspec.structs import force_setattr

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import (
    enum_field,
    fail,
    int_field,
    optional_float_field,
    optional_text_field,
    text_field,
    ts_field,
)
from optionswarm.model._enums import Side, TimeInForce
from optionswarm.model._errors import ModelValidationError
from optionswarm.model._occ import OccSymbol, symbol_field, underlying_for_root

__all__ = ["MAX_LEGS", "OrderIntent", "OrderLeg"]

MAX_LEGS: Final = 8
_CLIENT_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
_SYMBOL_MAX = 32


def _option_underlying(symbol: str, underlying: str) -> str | None:
    """The underlying implied by an option leg's root, or None for the underlying leg itself."""
    if symbol == underlying:
        return None
    try:
        root = OccSymbol.parse(symbol).root
    except ModelValidationError:
        raise fail(
            "legs", f"leg {symbol!r} is neither {underlying!r} nor an OSI option symbol"
        ) from None
    return underlying_for_root(root)


class OrderLeg(DomainStruct, frozen=True, kw_only=True):
    """One leg: an OSI option symbol (stored padded) or the underlying, a side, a ratio >= 1."""

    symbol: str
    side: Side
    ratio: int = 1

    def __post_init__(self) -> None:
        symbol_field(self)
        enum_field(self, "side", Side)
        int_field(self, "ratio", min_value=1)

    @property
    def signed_ratio(self) -> int:
        """+ratio for a buy, -ratio for a sell."""
        return self.side.sign * self.ratio


class OrderIntent(DomainStruct, frozen=True, kw_only=True):
    """An order to send as one unit: ``quantity`` packages of ``legs``.

    ``limit_price`` is the net package price per unit (per share of the ratio-1 package, before
    the multiplier): > 0 a debit paid, < 0 a credit received, 0 even money, ``None`` a market
    order. Leg ratios are kept in lowest terms (a 2:2 spread is quantity 2 of a 1:1 spread).
    Every leg is ``underlying`` itself or an OSI option; all option legs are on one underlying
    (``SPX`` and ``SPXW`` legs mix; ``SPY`` and ``QQQ`` legs do not). The option roots are not
    required to match ``underlying`` by name, since a feed may name it differently (``sp500``).
    ``client_order_id``: 1-64 characters ``A-Z a-z 0-9 . _ : -``, starting alphanumeric; it is the
    idempotency key of the order manager.
    """

    client_order_id: str
    underlying: str
    legs: tuple[OrderLeg, ...]
    quantity: int
    limit_price: float | None
    ts_ns: int
    tif: TimeInForce = TimeInForce.DAY
    source: str = "strategy"
    structure: str = "custom"
    decision_id: str | None = None
    tag: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.client_order_id, str) or not _CLIENT_ORDER_ID.fullmatch(
            self.client_order_id
        ):
            raise fail(
                "client_order_id",
                "must be 1-64 characters A-Z a-z 0-9 . _ : - starting with a letter or digit,"
                f" got {self.client_order_id!r}",
            )
        text_field(self, "underlying", max_len=_SYMBOL_MAX)
        self._check_legs()
        int_field(self, "quantity", min_value=1)
        optional_float_field(self, "limit_price")
        ts_field(self)
        enum_field(self, "tif", TimeInForce)
        text_field(self, "source", max_len=32)
        text_field(self, "structure", max_len=64)
        optional_text_field(self, "decision_id", max_len=128)
        text_field(self, "tag", max_len=128, allow_empty=True)

    def _check_legs(self) -> None:
        legs = self.legs
        if isinstance(legs, list):
            legs = tuple(legs)
            force_setattr(self, "legs", legs)
        if not isinstance(legs, tuple) or not legs:
            raise fail("legs", "must be a non-empty tuple of OrderLeg")
        if len(legs) > MAX_LEGS:
            raise fail("legs", f"at most {MAX_LEGS} legs, got {len(legs)}")
        if not all(isinstance(leg, OrderLeg) for leg in legs):
            raise fail("legs", "every leg must be an OrderLeg")
        symbols = [leg.symbol for leg in legs]
        duplicates = sorted({s for s in symbols if symbols.count(s) > 1})
        if duplicates:
            raise fail("legs", f"symbol {duplicates[0]!r} appears in more than one leg")
        implied = (_option_underlying(leg.symbol, self.underlying) for leg in legs)
        classes = {name for name in implied if name is not None}
        if len(classes) > 1:
            raise fail("legs", f"option legs are on different underlyings: {sorted(classes)}")
        common = math.gcd(*(leg.ratio for leg in legs))
        if common > 1:
            raise fail("legs", f"ratios share the factor {common}; move it into quantity")

    @property
    def is_multi_leg(self) -> bool:
        """True when the order has more than one leg."""
        return len(self.legs) > 1

    @property
    def is_market(self) -> bool:
        """True when there is no limit price."""
        return self.limit_price is None

    def leg_quantity(self, leg: OrderLeg) -> int:
        """Contracts (or shares) of ``leg`` in the whole order: quantity x ratio."""
        return self.quantity * leg.ratio

    def symbols(self) -> tuple[str, ...]:
        """The leg symbols, in leg order."""
        return tuple(leg.symbol for leg in self.legs)

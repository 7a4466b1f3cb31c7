"""OCC / OSI option symbology: ``RRRRRRYYMMDDTSSSSSddd`` (21 characters).

Layout: root padded with spaces to 6 characters, expiry ``yymmdd`` (years 2000-2099), ``C``/``P``,
strike x 1000 as 8 digits. Example ``"SPXW  230111C02400000"`` is the SPX weekly 2400 call of
2023-01-11. The *compact* form drops the padding (``"BABA240508P00088880"``); ``parse`` accepts
both. The root names the option class and may differ from the underlying (SPXW on SPX):
``underlying_for_root`` maps the well-known cases.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

from msgspec.structs import force_setattr

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import enum_field, fail, int_field, text_field
from optionswarm.model._enums import OptionRight
from optionswarm.model._errors import ModelValidationError

__all__ = [
    "MAX_STRIKE_MILLI",
    "ROOT_TO_UNDERLYING",
    "OccSymbol",
    "canonical_symbol",
    "root_belongs_to",
    "symbol_field",
    "underlying_for_root",
]

MAX_STRIKE_MILLI = 99_999_999
_FLOAT_MILLI_TOLERANCE = 1e-6
_ROOT = re.compile(r"[A-Z0-9]{1,6}")
_COMPACT = re.compile(r"([A-Z0-9]{1,6}) *([0-9]{6})([CP])([0-9]{8})")

# Option roots whose underlying has a different symbol (weekly / PM-settled index series).
ROOT_TO_UNDERLYING: dict[str, str] = {
    "SPXW": "SPX",
    "SPXPM": "SPX",
    "NDXP": "NDX",
    "RUTW": "RUT",
    "VIXW": "VIX",
    "XSPW": "XSP",
    "DJXW": "DJX",
}


def underlying_for_root(root: str) -> str:
    """The underlying symbol of an option root (``SPXW -> SPX``); other roots map to themselves."""
    return ROOT_TO_UNDERLYING.get(root, root)


def canonical_symbol(text: str) -> str:
    """The padded 21-character OSI form of an option symbol; any other symbol is returned as is.

    ``"BABA240508P00088880"`` becomes ``"BABA  240508P00088880"``; ``"SPY"`` stays ``"SPY"``.
    """
    if len(text) < 16 or text[-9] not in "CP" or _COMPACT.fullmatch(text) is None:
        return text
    return OccSymbol.parse(text).format()


def symbol_field(obj: DomainStruct, name: str = "symbol") -> str:
    """Check a ticker-or-OSI field; an OSI symbol is stored in its padded 21-character form."""
    value = text_field(obj, name, max_len=32)
    canonical = canonical_symbol(value)
    if canonical != value:
        force_setattr(obj, name, canonical)
    return canonical


def root_belongs_to(root: str, underlying: str) -> bool:
    """True if options of ``root`` are on ``underlying``.

    Covers the root itself, the mapped index roots (``SPXW`` on ``SPX``) and OCC adjusted roots
    (the underlying followed by digits, e.g. ``AAPL1`` after a corporate action).
    """
    if underlying_for_root(root) == underlying:
        return True
    suffix = root[len(underlying) :]
    return root.startswith(underlying) and suffix.isdigit()


def _strike_to_milli(strike: float | str | decimal.Decimal) -> int:
    """Thousandths of a dollar; a ``float`` may be off the grid by 1e-6 of a thousandth."""
    if isinstance(strike, float) and math.isfinite(strike):
        milli = round(strike * 1000)
        if abs(strike * 1000 - milli) <= _FLOAT_MILLI_TOLERANCE:
            return milli
        raise fail("strike", f"must be a whole number of thousandths, got {strike!r}")
    try:
        exact = decimal.Decimal(str(strike)) * 1000
    except decimal.InvalidOperation:
        raise fail("strike", f"must be a number, got {strike!r}") from None
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise fail("strike", f"must be a finite multiple of 0.001, got {strike!r}")
    return int(exact)


class OccSymbol(DomainStruct, frozen=True, kw_only=True):
    """An OSI option symbol: root, expiry date, right and strike in thousandths of a dollar."""

    root: str
    expiry: dt.date
    right: OptionRight
    strike_milli: int

    def __post_init__(self) -> None:
        if not isinstance(self.root, str) or _ROOT.fullmatch(self.root) is None:
            raise fail("root", f"must be 1-6 characters A-Z or 0-9, got {self.root!r}")
        if not isinstance(self.expiry, dt.date) or isinstance(self.expiry, dt.datetime):
            raise fail("expiry", f"must be a datetime.date, got {self.expiry!r}")
        if not 2000 <= self.expiry.year <= 2099:
            raise fail("expiry", f"year must be within 2000-2099 (yy in OSI), got {self.expiry}")
        enum_field(self, "right", OptionRight)
        int_field(self, "strike_milli", min_value=1, max_value=MAX_STRIKE_MILLI)

    @classmethod
    def of(
        cls,
        root: str,
        expiry: dt.date,
        right: OptionRight | str,
        strike: float | str | decimal.Decimal,
    ) -> OccSymbol:
        """Build from a strike in dollars (``47.5``, ``"130.75"``, ``Decimal``).

        Strings and decimals must be exact thousandths; a float may carry arithmetic noise
        (``97.50000000000001``) and is rounded to the nearest thousandth if within 1e-6 of it.
        """
        return cls(
            root=root,
            expiry=expiry,
            right=right,  # type: ignore[arg-type]  # normalised by __post_init__
            strike_milli=_strike_to_milli(strike),
        )

    @classmethod
    def parse(cls, text: str) -> OccSymbol:
        """Parse a 21-character padded OSI symbol or its compact unpadded form."""
        if not isinstance(text, str):
            raise fail("symbol", f"must be a str, got {type(text).__name__}")
        match = _COMPACT.fullmatch(text)
        if match is None or (len(text) > 21):
            raise fail("symbol", f"not an OSI option symbol: {text!r}")
        padded = len(text) == 21 and text[6:7] != " "
        if " " in text and not padded:
            raise fail("symbol", f"padding must bring the root to 6 characters: {text!r}")
        root, yymmdd, right, strike = match.groups()
        try:
            expiry = dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
        except ValueError:
            raise fail("expiry", f"not a calendar date: {yymmdd!r} in {text!r}") from None
        try:
            return cls(root=root, expiry=expiry, right=OptionRight(right), strike_milli=int(strike))
        except ModelValidationError as error:
            raise fail(error.field, f"{error.reason} (in {text!r})") from None

    @property
    def strike(self) -> float:
        """The strike in dollars."""
        return self.strike_milli / 1000

    @property
    def strike_decimal(self) -> decimal.Decimal:
        """The strike in dollars, exactly."""
        return decimal.Decimal(self.strike_milli).scaleb(-3)

    @property
    def is_call(self) -> bool:
        """True for calls."""
        return self.right is OptionRight.CALL

    @property
    def underlying(self) -> str:
        """The underlying implied by the root (see ``underlying_for_root``)."""
        return underlying_for_root(self.root)

    def _tail(self) -> str:
        return f"{self.expiry:%y%m%d}{self.right.value}{self.strike_milli:08d}"

    def format(self) -> str:
        """The 21-character padded OSI symbol."""
        return f"{self.root:<6}{self._tail()}"

    def compact(self) -> str:
        """The unpadded form (root immediately followed by the date)."""
        return f"{self.root}{self._tail()}"

    def __str__(self) -> str:
        return self.format()

"""Vendor chain files (CSV or Parquet) into the canonical long table.

A ``VendorLayout`` maps canonical names to a vendor's columns. Built in (``LAYOUTS``):

* ``cboe`` -- CBOE DataShop end-of-day: one row per contract (``underlying_symbol, quote_date,
  root, expiration, strike, option_type, bid_1545, ask_1545, ..., open_interest,
  implied_volatility_1545, delta_1545, active_underlying_price_1545``); quotes at 15:45 New York.
  Underlyings such as ``^SPX`` lose the caret.
* ``orats`` -- ORATS-style: call and put on ONE row (``ticker, tradeDate, expirDate, strike,
  stkPx, cBidPx, cAskPx, pBidPx, pAskPx, cVolu, pVolu, callOpenInterest, putOpenInterest,
  smvVol, delta``), dates ``MM/DD/YYYY``; reshaped to two long rows. There is no root column:
  the root is the ticker, or its weekly root (``weekly_roots``: SPX -> SPXW) for expiries that
  are not the standard third-Friday monthly.
* ``ivydb`` -- IvyDB-style: strikes x 1000, missing IV stored as -99.99.

Other layouts come from a TOML file (``load_layout``) with the same fields, e.g.::

    name = "myvendor"
    shape = "long"            # or "wide" (call and put on one row)
    strike_scale = 1000.0     # file strike / scale = strike in dollars
    iv_placeholders = [-99.99]
    price_placeholders = [998.0, 999.0]
    [columns]
    underlying = "sym"
    quote_date = "date"
    ...

Placeholder values become missing and are flagged ``DataFlag.PLACEHOLDER``. A value that does not
parse as a number makes its record ``unparsable`` (quarantined) instead of failing the file.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Literal

import msgspec

__all__ = ["LAYOUTS", "LONG_FIELDS", "WIDE_FIELDS", "VendorLayout", "load_layout", "resolve_layout"]

LONG_FIELDS = (
    "right",
    "bid",
    "ask",
    "bid_size",
    "ask_size",
    "volume",
    "open_interest",
    "iv",
    "delta",
)
WIDE_FIELDS = (
    "call_bid",
    "call_ask",
    "put_bid",
    "put_ask",
    "call_bid_size",
    "call_ask_size",
    "put_bid_size",
    "put_ask_size",
    "call_volume",
    "put_volume",
    "call_open_interest",
    "put_open_interest",
    "call_iv",
    "put_iv",
    "iv",
    "call_delta",
    "put_delta",
    "delta",
)
COMMON_FIELDS = ("underlying", "quote_date", "expiry", "strike", "root", "spot")


class VendorLayout(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a vendor's file maps onto the canonical chain (see the module docstring)."""

    name: str
    shape: Literal["long", "wide"] = "long"
    columns: dict[str, str] = msgspec.field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    expiry_format: str = "%Y-%m-%d"
    quote_time: dt.time = dt.time(15, 45)
    strike_scale: float = 1.0
    iv_scale: float = 1.0
    call_values: tuple[str, ...] = ("C", "c", "CALL", "Call", "call")
    price_placeholders: tuple[float, ...] = ()
    iv_placeholders: tuple[float, ...] = ()
    weekly_roots: dict[str, str] = msgspec.field(default_factory=lambda: {"SPX": "SPXW"})
    source: str = ""

    def __post_init__(self) -> None:
        allowed = set(COMMON_FIELDS) | set(LONG_FIELDS if self.shape == "long" else WIDE_FIELDS)
        unknown = sorted(set(self.columns) - allowed)
        if unknown:
            raise ValueError(f"layout {self.name!r}: unknown canonical field(s) {unknown}")
        needed = {"underlying", "quote_date", "expiry", "strike"}
        needed |= (
            {"right"} if self.shape == "long" else {"call_bid", "call_ask", "put_bid", "put_ask"}
        )
        missing = sorted(needed - set(self.columns))
        if missing:
            raise ValueError(f"layout {self.name!r}: required field(s) {missing} have no column")

    def column(self, field: str) -> str | None:
        """The vendor column of a canonical field, if mapped."""
        return self.columns.get(field)


_CBOE = VendorLayout(
    name="cboe",
    columns={
        "underlying": "underlying_symbol",
        "quote_date": "quote_date",
        "root": "root",
        "expiry": "expiration",
        "strike": "strike",
        "right": "option_type",
        "bid": "bid_1545",
        "ask": "ask_1545",
        "bid_size": "bid_size_1545",
        "ask_size": "ask_size_1545",
        "volume": "trade_volume",
        "open_interest": "open_interest",
        "iv": "implied_volatility_1545",
        "delta": "delta_1545",
        "spot": "active_underlying_price_1545",
    },
    source="cboe",
)
_ORATS = VendorLayout(
    name="orats",
    shape="wide",
    columns={
        "underlying": "ticker",
        "quote_date": "tradeDate",
        "expiry": "expirDate",
        "strike": "strike",
        "spot": "stkPx",
        "call_bid": "cBidPx",
        "call_ask": "cAskPx",
        "put_bid": "pBidPx",
        "put_ask": "pAskPx",
        "call_volume": "cVolu",
        "put_volume": "pVolu",
        "call_open_interest": "callOpenInterest",
        "put_open_interest": "putOpenInterest",
        "iv": "smvVol",
        "call_delta": "delta",
    },
    date_format="%m/%d/%Y",
    expiry_format="%m/%d/%Y",
    quote_time=dt.time(15, 46),
    source="orats",
)
_IVYDB = VendorLayout(
    name="ivydb",
    columns={
        "underlying": "ticker",
        "quote_date": "date",
        "root": "root",
        "expiry": "exdate",
        "strike": "strike_price",
        "right": "cp_flag",
        "bid": "best_bid",
        "ask": "best_offer",
        "volume": "volume",
        "open_interest": "open_interest",
        "iv": "impl_volatility",
        "delta": "delta",
    },
    strike_scale=1000.0,
    iv_placeholders=(-99.99,),
    quote_time=dt.time(16, 0),
    source="ivydb",
)
LAYOUTS: dict[str, VendorLayout] = {"cboe": _CBOE, "orats": _ORATS, "ivydb": _IVYDB}


def load_layout(path: str | os.PathLike[str]) -> VendorLayout:
    """A layout from a TOML column-mapping file (fields of ``VendorLayout``)."""
    with Path(path).open("rb") as handle:
        data = tomllib.load(handle)
    data.setdefault("name", Path(path).stem)
    data.setdefault("source", data["name"])
    return msgspec.convert(data, VendorLayout, strict=False)


def resolve_layout(name_or_path: str) -> VendorLayout:
    """A built-in layout by name (``cboe``, ``orats``, ``ivydb``) or a ``.toml`` mapping file."""
    if name_or_path in LAYOUTS:
        return LAYOUTS[name_or_path]
    if name_or_path.endswith(".toml"):
        return load_layout(name_or_path)
    raise ValueError(f"unknown layout {name_or_path!r}: use {sorted(LAYOUTS)} or a .toml file")

"""Vendor-layout files written from a chain, for tests, benchmarks and demos.

``cboe_table`` and ``orats_table`` lay a ``ChainSnapshot`` out exactly as the CBOE DataShop
end-of-day and ORATS-style files are laid out (every column of the vendor's file, not only those
the importer maps), so importer tests run on files shaped like the real ones.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from optionswarm.model import ChainSnapshot, expiry_date_of, ns_to_datetime

__all__ = ["CBOE_COLUMNS", "ORATS_COLUMNS", "cboe_table", "orats_table", "write_csv"]

CBOE_COLUMNS = (
    "underlying_symbol",
    "quote_date",
    "root",
    "expiration",
    "strike",
    "option_type",
    "open",
    "high",
    "low",
    "close",
    "trade_volume",
    "bid_size_1545",
    "bid_1545",
    "ask_size_1545",
    "ask_1545",
    "underlying_bid_1545",
    "underlying_ask_1545",
    "implied_underlying_price_1545",
    "active_underlying_price_1545",
    "implied_volatility_1545",
    "delta_1545",
    "gamma_1545",
    "theta_1545",
    "vega_1545",
    "rho_1545",
    "bid_size_eod",
    "bid_eod",
    "ask_size_eod",
    "ask_eod",
    "underlying_bid_eod",
    "underlying_ask_eod",
    "vwap",
    "open_interest",
    "delivery_code",
)
ORATS_COLUMNS = (
    "ticker",
    "tradeDate",
    "expirDate",
    "dte",
    "strike",
    "stkPx",
    "cVolu",
    "cOi",
    "pVolu",
    "pOi",
    "cBidPx",
    "cValue",
    "cAskPx",
    "pBidPx",
    "pValue",
    "pAskPx",
    "callOpenInterest",
    "putOpenInterest",
    "smvVol",
    "delta",
    "gamma",
    "theta",
    "vega",
)


def _day(chain: ChainSnapshot) -> str:
    return f"{ns_to_datetime(chain.ts_ns).date():%Y-%m-%d}"


def _expiry_text(chain: ChainSnapshot, fmt: str) -> list[str]:
    text = {int(ns): f"{expiry_date_of(int(ns)):{fmt}}" for ns in chain.expiries()}
    return [text[int(ns)] for ns in chain.expiry_ns.tolist()]


def cboe_table(chain: ChainSnapshot, underlying_symbol: str = "^SPX") -> pa.Table:
    """The chain as a CBOE DataShop end-of-day file (one row per contract), sorted as the
    vendor sorts it: expiration, root, strike, call before put."""
    chain = chain.sorted()
    n = len(chain)
    zeros = np.zeros(n)
    mid = np.where(np.isnan(chain.bid), chain.ask, (chain.bid + chain.ask) / 2)
    spot = np.full(n, chain.spot)
    columns = {
        "underlying_symbol": [underlying_symbol] * n,
        "quote_date": [_day(chain)] * n,
        "root": chain.root.tolist(),
        "expiration": _expiry_text(chain, "%Y-%m-%d"),
        "strike": chain.strike,
        "option_type": np.where(chain.is_call, "C", "P").tolist(),
        "open": zeros,
        "high": zeros,
        "low": zeros,
        "close": zeros,
        "trade_volume": chain.volume,
        "bid_size_1545": chain.bid_size,
        "bid_1545": chain.bid,
        "ask_size_1545": chain.ask_size,
        "ask_1545": chain.ask,
        "underlying_bid_1545": spot - 0.25,
        "underlying_ask_1545": spot + 0.25,
        "implied_underlying_price_1545": spot,
        "active_underlying_price_1545": spot,
        "implied_volatility_1545": np.round(chain.iv, 4),
        "delta_1545": zeros,
        "gamma_1545": zeros,
        "theta_1545": zeros,
        "vega_1545": zeros,
        "rho_1545": zeros,
        "bid_size_eod": chain.bid_size,
        "bid_eod": chain.bid,
        "ask_size_eod": chain.ask_size,
        "ask_eod": chain.ask,
        "underlying_bid_eod": spot - 0.25,
        "underlying_ask_eod": spot + 0.25,
        "vwap": mid,
        "open_interest": chain.open_interest,
        "delivery_code": [""] * n,
    }
    return pa.table(columns)


def orats_table(chain: ChainSnapshot, ticker: str = "SPX") -> pa.Table:
    """The chain as an ORATS-style file: call and put of a strike on one row.

    Only strikes listed as both call and put appear (as in the vendor's files); where two roots
    expire on one date (SPX AM and SPXW PM on a third Friday) only the first root's rows stay,
    since the layout has no root column.
    """
    dates = np.array([f"{expiry_date_of(int(ns))}" for ns in chain.expiry_ns.tolist()])
    first_root: dict[str, str] = {}
    for date, root in sorted(zip(dates.tolist(), chain.root.tolist(), strict=True)):
        first_root.setdefault(date, root)
    keep = np.array([first_root[d] == r for d, r in zip(dates, chain.root, strict=True)])
    ordered = chain.slice(keep).sorted()
    calls = ordered.slice(ordered.is_call)
    puts = ordered.slice(~ordered.is_call)
    n = len(calls)
    if len(puts) != n or not np.array_equal(calls.strike, puts.strike):
        raise ValueError("an ORATS-style row needs the call and the put of every strike")
    years = calls.time_to_expiry()
    day = f"{ns_to_datetime(chain.ts_ns).date():%m/%d/%Y}"
    zeros = np.zeros(n)
    columns = {
        "ticker": [ticker] * n,
        "tradeDate": [day] * n,
        "expirDate": _expiry_text(calls, "%m/%d/%Y"),
        "dte": np.ceil(years * 365).astype(np.int64),
        "strike": calls.strike,
        "stkPx": np.full(n, chain.spot),
        "cVolu": calls.volume,
        "cOi": calls.open_interest,
        "pVolu": puts.volume,
        "pOi": puts.open_interest,
        "cBidPx": calls.bid,
        "cValue": (calls.bid + calls.ask) / 2,
        "cAskPx": calls.ask,
        "pBidPx": puts.bid,
        "pValue": (puts.bid + puts.ask) / 2,
        "pAskPx": puts.ask,
        "callOpenInterest": calls.open_interest,
        "putOpenInterest": puts.open_interest,
        "smvVol": np.round(calls.iv, 4),
        "delta": zeros,
        "gamma": zeros,
        "theta": zeros,
        "vega": zeros,
    }
    return pa.table(columns)


def write_csv(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write a vendor table as CSV (header row, comma separated, no index)."""
    pcsv.write_csv(table, os.fspath(path))

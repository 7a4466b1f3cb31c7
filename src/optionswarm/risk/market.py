"""What the risk engine knows of the market: marks per option and per underlying.

Marks are refreshed per chain snapshot (Greeks for the whole chain in one vectorised call) and per
quote; a pre-trade check then reads them by dictionary lookup, never prices on the hot path.
Dollar Greeks per contract: delta$ = delta x S x m (stock-equivalent dollars), gamma$ = gamma x
S^2 x 0.01 x m (change of delta$ for a 1 % move), vega$ = vega x 0.01 x m (per vol point),
theta$ = theta / 365 x m (per calendar day).
"""

from __future__ import annotations

import math

import msgspec
import numpy as np

from optionswarm.model import ChainSnapshot, Quote, underlying_for_root
from optionswarm.pricing import bsm_greeks, implied_vol

__all__ = ["MarketView", "OptionMark", "UnderlyingMark"]


class OptionMark(msgspec.Struct, frozen=True, kw_only=True):
    """One option's quote, terms and per-contract dollar Greeks at ``ts_ns``."""

    symbol: str
    underlying: str
    strike: float
    is_call: bool
    expiry_ns: int
    multiplier: int
    bid: float
    ask: float
    ts_ns: int
    iv: float = math.nan
    open_interest: int = 0
    delta: float = 0.0  # dollar delta per contract
    gamma: float = 0.0  # dollar gamma per contract (per 1 % move)
    vega: float = 0.0  # dollars per vol point per contract
    theta: float = 0.0  # dollars per day per contract

    @property
    def mid(self) -> float:
        """(bid + ask) / 2."""
        return (self.bid + self.ask) / 2.0

    @property
    def spread(self) -> float:
        """ask - bid."""
        return self.ask - self.bid


class UnderlyingMark(msgspec.Struct, frozen=True, kw_only=True):
    """An underlying's price and carry at ``ts_ns``; ``broad_based`` for broad index margin."""

    symbol: str
    spot: float
    ts_ns: int
    rate: float = 0.0
    dividend_yield: float = 0.0
    broad_based: bool = False
    ex_dividend_ns: int | None = None


def _finite(values: np.ndarray) -> list[float]:
    return np.where(np.isfinite(values), values, 0.0).tolist()  # type: ignore[no-any-return]


class MarketView:
    """Latest marks by symbol; fed by chain snapshots and quotes (not thread-safe)."""

    def __init__(self, broad_based: frozenset[str] = frozenset()) -> None:
        self._broad_based = broad_based
        self.options: dict[str, OptionMark] = {}
        self.underlyings: dict[str, UnderlyingMark] = {}

    def option(self, symbol: str) -> OptionMark | None:
        """The mark of an option symbol (OSI, padded), or None."""
        return self.options.get(symbol)

    def underlying(self, symbol: str) -> UnderlyingMark | None:
        """The mark of an underlying, or None."""
        return self.underlyings.get(symbol)

    def set_underlying(self, mark: UnderlyingMark) -> None:
        """Replace an underlying's mark."""
        self.underlyings[mark.symbol] = mark

    def update_quote(self, quote: Quote) -> None:
        """Update the bid/ask of a known option, or the spot of an underlying, from a quote."""
        option = self.options.get(quote.symbol)
        if option is not None:
            self.options[quote.symbol] = msgspec.structs.replace(
                option, bid=quote.bid, ask=quote.ask, ts_ns=quote.ts_ns
            )
            return
        current = self.underlyings.get(quote.symbol)
        spot = quote.mid if quote.ask > 0 else (quote.last or 0.0)
        if spot <= 0:
            return
        if current is None:
            current = UnderlyingMark(
                symbol=quote.symbol,
                spot=spot,
                ts_ns=quote.ts_ns,
                broad_based=quote.symbol in self._broad_based,
            )
        self.underlyings[quote.symbol] = msgspec.structs.replace(
            current, spot=spot, ts_ns=quote.ts_ns
        )

    def update_chain(self, chain: ChainSnapshot, multiplier: int = 100) -> list[str]:
        """Refresh every option of ``chain`` and its underlying; returns the OSI symbols."""
        previous = self.underlyings.get(chain.underlying)
        self.underlyings[chain.underlying] = UnderlyingMark(
            symbol=chain.underlying,
            spot=chain.spot,
            ts_ns=chain.ts_ns,
            rate=chain.rate,
            dividend_yield=chain.dividend_yield,
            broad_based=self._is_broad_based(chain),
            ex_dividend_ns=None if previous is None else previous.ex_dividend_ns,
        )
        symbols = chain.occ_symbols()
        if not symbols:
            return symbols
        sigma = self._chain_vols(chain)
        t = chain.time_to_expiry()
        g = bsm_greeks(
            chain.spot, chain.strike, t, chain.rate, chain.dividend_yield, sigma, chain.is_call
        )
        s, m = chain.spot, float(multiplier)
        columns = zip(
            symbols,
            chain.strike.tolist(),
            chain.is_call.tolist(),
            chain.expiry_ns.tolist(),
            np.nan_to_num(chain.bid, nan=0.0).tolist(),
            np.nan_to_num(chain.ask, nan=0.0).tolist(),
            sigma.tolist(),
            chain.open_interest.tolist(),
            _finite(g.delta * s * m),
            _finite(g.gamma * s * s * 0.01 * m),
            _finite(g.vega * 0.01 * m),
            _finite(g.theta / 365.0 * m),
            strict=True,
        )
        for sym, k, call, exp, bid, ask, iv, oi, dd, gg, vv, tt in columns:
            self.options[sym] = OptionMark(
                symbol=sym,
                underlying=chain.underlying,
                strike=k,
                is_call=call,
                expiry_ns=exp,
                multiplier=multiplier,
                bid=bid,
                ask=max(ask, bid),
                ts_ns=chain.ts_ns,
                iv=iv,
                open_interest=oi,
                delta=dd,
                gamma=gg,
                vega=vv,
                theta=tt,
            )
        return symbols

    def _is_broad_based(self, chain: ChainSnapshot) -> bool:
        """By the chain's name or its option roots (a feed may call SPX "sp500"; SPXW is SPX)."""
        if chain.underlying in self._broad_based:
            return True
        roots = set(chain.root.tolist())
        return any(underlying_for_root(str(root)) in self._broad_based for root in roots)

    @staticmethod
    def _chain_vols(chain: ChainSnapshot) -> np.ndarray:
        """The chain's IV column, solved from the mid where it is missing."""
        sigma = np.array(chain.iv, dtype=np.float64)
        missing = ~np.isfinite(sigma)
        if missing.any():
            solved = implied_vol(
                chain.mid[missing],
                chain.spot,
                chain.strike[missing],
                chain.time_to_expiry()[missing],
                chain.rate,
                chain.dividend_yield,
                chain.is_call[missing],
            )
            sigma[missing] = solved.iv
        return sigma

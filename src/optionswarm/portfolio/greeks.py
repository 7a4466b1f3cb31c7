"""Marks and Greeks of held option contracts from one chain snapshot, in one vectorised call."""

from __future__ import annotations

import math

import msgspec
import numpy as np

from optionswarm.engine.contracts import ContractTerms, find_row
from optionswarm.model import NS_PER_YEAR, ChainSnapshot
from optionswarm.pricing import bsm_greeks, implied_vol

__all__ = ["ContractRisk", "contract_risks"]


class ContractRisk(msgspec.Struct, frozen=True, kw_only=True):
    """Per-share mark, implied vol and Greeks (vega per 1.00 vol, theta per year) of a contract."""

    mark: float
    iv: float
    delta: float
    gamma: float
    vega: float
    theta: float


def contract_risks(chain: ChainSnapshot, contracts: list[ContractTerms]) -> dict[str, ContractRisk]:
    """Risk of each contract the chain lists (missing contracts are left out).

    The mark is the mid; the vol is the chain's IV, or the IV implied by the mid where the chain
    gives none.
    """
    rows: list[int] = []
    held: list[ContractTerms] = []
    for terms in contracts:
        row = find_row(chain, terms)
        if row is not None:
            rows.append(row)
            held.append(terms)
    if not rows:
        return {}
    index = np.asarray(rows, dtype=np.int64)
    bid = np.nan_to_num(chain.bid[index], nan=0.0)
    mid = (bid + chain.ask[index]) / 2.0
    strike = chain.strike[index]
    is_call = chain.is_call[index]
    years = np.maximum((chain.expiry_ns[index] - chain.ts_ns) / NS_PER_YEAR, 0.0)
    vol = chain.iv[index].copy()
    missing = ~np.isfinite(vol)
    if missing.any():
        solved = implied_vol(
            mid[missing],
            chain.spot,
            strike[missing],
            years[missing],
            chain.rate,
            chain.dividend_yield,
            is_call[missing],
        )
        vol[missing] = solved.iv
    greeks = bsm_greeks(chain.spot, strike, years, chain.rate, chain.dividend_yield, vol, is_call)
    out: dict[str, ContractRisk] = {}
    for i, terms in enumerate(held):
        out[terms.symbol] = ContractRisk(
            mark=_finite(float(mid[i])),
            iv=_finite(float(vol[i])),
            delta=_finite(float(greeks.delta[i])),
            gamma=_finite(float(greeks.gamma[i])),
            vega=_finite(float(greeks.vega[i])),
            theta=_finite(float(greeks.theta[i])),
        )
    return out


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0

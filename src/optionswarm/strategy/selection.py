"""Strike and expiry selection on a chain: expiry by target DTE, strike by target delta.

Deltas come from the pricing library (BSM with the chain's IV, or the IV implied by the mid
where the chain gives none).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from optionswarm.model import NS_PER_DAY, NS_PER_YEAR, ChainSnapshot
from optionswarm.pricing import bsm_greeks, implied_vol

__all__ = ["chain_deltas", "select_expiry", "select_strike_by_delta"]


def select_expiry(
    chain: ChainSnapshot, target_dte: int, max_error_days: int, min_dte: int = 1
) -> int | None:
    """The listed expiry (ns) whose days-to-expiry is nearest ``target_dte``, or None.

    Ties go to the earlier expiry; expiries closer than ``min_dte`` days are skipped.
    """
    expiries = np.unique(chain.expiry_ns)
    dte = (expiries - chain.ts_ns) / NS_PER_DAY
    usable = dte >= min_dte
    if not usable.any():
        return None
    error = np.where(usable, np.abs(dte - target_dte), np.inf)
    best = int(np.argmin(error))
    if error[best] > max_error_days:
        return None
    return int(expiries[best])


def chain_deltas(chain: ChainSnapshot, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """BSM delta of the given chain rows (NaN where no vol can be found)."""
    years = (chain.expiry_ns[rows] - chain.ts_ns) / NS_PER_YEAR
    vol = chain.iv[rows].copy()
    missing = ~np.isfinite(vol)
    if missing.any():
        bid = np.nan_to_num(chain.bid[rows][missing], nan=0.0)
        mid = (bid + chain.ask[rows][missing]) / 2.0
        vol[missing] = implied_vol(
            mid,
            chain.spot,
            chain.strike[rows][missing],
            years[missing],
            chain.rate,
            chain.dividend_yield,
            chain.is_call[rows][missing],
        ).iv
    greeks = bsm_greeks(
        chain.spot,
        chain.strike[rows],
        years,
        chain.rate,
        chain.dividend_yield,
        vol,
        chain.is_call[rows],
    )
    return np.asarray(greeks.delta, dtype=np.float64)


def select_strike_by_delta(
    chain: ChainSnapshot,
    expiry_ns: int,
    is_call: bool,
    target_abs_delta: float,
    *,
    below_strike: float | None = None,
) -> int | None:
    """Chain row of the contract with |delta| nearest ``target_abs_delta`` that has a bid.

    ``below_strike`` restricts to strikes strictly below it (a put spread's protective wing).
    """
    mask = (chain.expiry_ns == expiry_ns) & (chain.is_call == is_call)
    mask &= np.isfinite(chain.ask) & (chain.ask > 0.0)
    if below_strike is not None:
        mask &= chain.strike < below_strike - 1e-9
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return None
    deltas = np.abs(chain_deltas(chain, rows))
    error = np.where(np.isfinite(deltas), np.abs(deltas - target_abs_delta), np.inf)
    best = int(np.argmin(error))
    if not np.isfinite(error[best]):
        return None
    return int(rows[best])

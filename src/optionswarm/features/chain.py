"""Volatility features of one chain snapshot: ATM IV at fixed tenors, skew and term structure.

* ATM IV at ``tenor`` days: in each listed expiry the IV is interpolated in strike at the forward
  (puts below it, calls above: the out-of-the-money side); between the two expiries that bracket
  the tenor the *total variance* ``iv^2 * T`` is interpolated linearly in T (flat extrapolation
  beyond the listed range).
* Skew at ``tenor``: IV of the put at ``put_moneyness`` x forward minus IV of the call at
  ``call_moneyness`` x forward (90/110 by default), interpolated in T the same way.
* IVs come from the chain's ``iv`` column; rows without one are solved from the mid with the
  pricing library's ``implied_vol``.
"""

from __future__ import annotations

import math

import msgspec
import numba
import numpy as np
import numpy.typing as npt

from optionswarm.model import NS_PER_DAY, NS_PER_YEAR, ChainSnapshot
from optionswarm.pricing import implied_vol

__all__ = ["ChainVol", "ChainVolConfig", "chain_vol", "distinct_expiries"]


class _LastChain:
    """The distinct expiries of the most recent chain (features and strategy share them)."""

    chain: ChainSnapshot | None = None
    expiries: npt.NDArray[np.int64] | None = None


_last = _LastChain()


def distinct_expiries(chain: ChainSnapshot) -> npt.NDArray[np.int64]:
    """The sorted distinct expiry instants of ``chain`` (cached for the latest chain).

    Every distinct value starts a run of equal values, so the unique values of the run starts
    are the unique values of the column: cheap on chains grouped by expiry, exact on any order.
    """
    if _last.chain is chain and _last.expiries is not None:
        return _last.expiries
    column = chain.expiry_ns
    if column.shape[0] == 0:
        expiries = column.copy()
    else:
        starts = np.flatnonzero(column[1:] != column[:-1]) + 1
        expiries = np.unique(column[np.concatenate(([0], starts))])
    expiries.flags.writeable = False
    _last.chain, _last.expiries = chain, expiries
    return expiries


class ChainVolConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which tenors and moneyness points the chain features use."""

    short_tenor_days: float = 30.0
    long_tenor_days: float = 90.0
    put_moneyness: float = 0.90
    call_moneyness: float = 1.10
    min_dte_days: float = 2.0  # expiries closer than this are left out (pin / noise)


class ChainVol(msgspec.Struct, frozen=True, kw_only=True):
    """Volatility features of one snapshot (NaN where the chain cannot give them)."""

    ts_ns: int
    atm_iv_short: float
    atm_iv_long: float
    skew_short: float  # put IV at put_moneyness - call IV at call_moneyness

    @property
    def term_slope(self) -> float:
        """Long-tenor minus short-tenor ATM IV (> 0 contango, < 0 backwardation)."""
        return self.atm_iv_long - self.atm_iv_short


@numba.njit(cache=True)
def _neighbours(  # noqa: PLR0917 -- numba kernels take positional arrays  # pragma: no cover
    expiry_ns: npt.NDArray[np.int64],
    strike: npt.NDArray[np.float64],
    is_call: npt.NDArray[np.bool_],
    iv: npt.NDArray[np.float64],
    needed: npt.NDArray[np.int64],
    targets: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """One pass over the chain: nearest listed strike and IV on each side of every target.

    ``targets[j]`` holds (put wing, forward, forward, call wing) strikes of expiry ``needed[j]``;
    slots 0-1 read puts, 2-3 calls. Returns ``[m, 4, 4]``: low strike, low IV, high strike,
    high IV (+-inf strikes where a side has none).
    """
    m = needed.shape[0]
    out = np.empty((m, 4, 4))
    out[:, :, 0] = -np.inf
    out[:, :, 2] = np.inf
    for i in range(expiry_ns.shape[0]):
        v = iv[i]
        if not v > 0.0:
            continue
        j = -1
        for c in range(m):
            if needed[c] == expiry_ns[i]:
                j = c
        if j < 0:
            continue
        k = strike[i]
        first = 2 if is_call[i] else 0
        for s in range(first, first + 2):
            t = targets[j, s]
            if t >= k > out[j, s, 0]:
                out[j, s, 0] = k
                out[j, s, 1] = v
            if t <= k < out[j, s, 2]:
                out[j, s, 2] = k
                out[j, s, 3] = v
    return out


@numba.njit(cache=True)
def _interpolate_slots(  # pragma: no cover - compiled; covered through chain_vol
    sides: npt.NDArray[np.float64], targets: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Linear interpolation in strike between the neighbours (NaN where not bracketed)."""
    m = sides.shape[0]
    out = np.full((m, 4), np.nan)
    for j in range(m):
        for s in range(4):
            lo_k, lo_v, hi_k, hi_v = sides[j, s, 0], sides[j, s, 1], sides[j, s, 2], sides[j, s, 3]
            if lo_k == -np.inf or hi_k == np.inf:
                continue
            width = hi_k - lo_k
            share = (targets[j, s] - lo_k) / width if width > 0.0 else 0.0
            out[j, s] = lo_v + share * (hi_v - lo_v)
    return out


def _chain_iv(chain: ChainSnapshot) -> npt.NDArray[np.float64]:
    """The chain's IV column, with rows that lack one solved from the mid."""
    iv = chain.iv
    missing = np.isnan(iv)
    if not missing.any():
        return iv
    iv = iv.copy()
    mid = (np.nan_to_num(chain.bid[missing], nan=0.0) + chain.ask[missing]) / 2.0
    years = (chain.expiry_ns[missing] - chain.ts_ns) / NS_PER_YEAR
    iv[missing] = implied_vol(
        mid,
        chain.spot,
        chain.strike[missing],
        years,
        chain.rate,
        chain.dividend_yield,
        chain.is_call[missing],
    ).iv
    return iv


def _smiles(
    chain: ChainSnapshot, needed: list[int], cfg: ChainVolConfig
) -> dict[int, tuple[float, float, float, float]]:
    """(years, put-wing IV, ATM IV, call-wing IV) per needed expiry, in forward moneyness.

    Out-of-the-money sides only: puts at and below the forward, calls at and above it; the ATM
    IV averages the two sides at the forward.
    """
    carry = chain.rate - chain.dividend_yield
    years = [(e - chain.ts_ns) / NS_PER_YEAR for e in needed]
    forwards = [chain.spot * math.exp(carry * t) for t in years]
    targets = np.array(
        [[f * cfg.put_moneyness, f, f, f * cfg.call_moneyness] for f in forwards],
        dtype=np.float64,
    )
    sides = _neighbours(
        chain.expiry_ns,
        chain.strike,
        chain.is_call,
        _chain_iv(chain),
        np.array(needed, dtype=np.int64),
        targets,
    )
    ivs = _interpolate_slots(sides, targets).tolist()
    out = {}
    for j, expiry in enumerate(needed):
        row = ivs[j]
        both = [x for x in row[1:3] if math.isfinite(x)]
        atm = sum(both) / len(both) if both else math.nan
        out[expiry] = (years[j], row[0], atm, row[3])
    return out


def _interpolate_in_time(years: list[float], ivs: list[float], target_years: float) -> float:
    """IV at ``target_years`` by linear interpolation of total variance (flat outside)."""
    pairs = [(t, iv) for t, iv in zip(years, ivs, strict=True) if math.isfinite(iv)]
    if not pairs:
        return math.nan
    if len(pairs) == 1:
        return pairs[0][1]
    (t0, v0), (t1, v1) = pairs
    if target_years <= t0:
        return v0
    if target_years >= t1:
        return v1
    w = v0 * v0 * t0 + (v1 * v1 * t1 - v0 * v0 * t0) * (target_years - t0) / (t1 - t0)
    return math.sqrt(max(w, 0.0) / target_years)


def _bracket(expiries: npt.NDArray[np.int64], target_ns: int) -> list[int]:
    """The listed expiries just before and just after ``target_ns`` (one at the edges)."""
    pos = int(np.searchsorted(expiries, target_ns))
    chosen = {min(max(pos - 1, 0), len(expiries) - 1), min(pos, len(expiries) - 1)}
    return [int(expiries[i]) for i in sorted(chosen)]


def chain_vol(chain: ChainSnapshot, config: ChainVolConfig | None = None) -> ChainVol:
    """The volatility features of ``chain`` (see the module docstring)."""
    cfg = config or ChainVolConfig()
    expiries = distinct_expiries(chain)
    expiries = expiries[expiries - chain.ts_ns >= cfg.min_dte_days * NS_PER_DAY]
    if expiries.shape[0] == 0:
        nan = math.nan
        return ChainVol(ts_ns=chain.ts_ns, atm_iv_short=nan, atm_iv_long=nan, skew_short=nan)
    tenors = (("short", cfg.short_tenor_days), ("long", cfg.long_tenor_days))
    brackets = {
        name: _bracket(expiries, chain.ts_ns + int(tenor * NS_PER_DAY)) for name, tenor in tenors
    }
    needed = sorted({e for picked in brackets.values() for e in picked})
    smiles = _smiles(chain, needed, cfg)
    result: dict[str, float] = {}
    for name, tenor in tenors:
        picked = brackets[name]
        years = [smiles[e][0] for e in picked]
        target = tenor / 365.0
        result[f"atm_{name}"] = _interpolate_in_time(years, [smiles[e][2] for e in picked], target)
        if name == "short":
            put = _interpolate_in_time(years, [smiles[e][1] for e in picked], target)
            call = _interpolate_in_time(years, [smiles[e][3] for e in picked], target)
            result["skew"] = put - call
    return ChainVol(
        ts_ns=chain.ts_ns,
        atm_iv_short=result["atm_short"],
        atm_iv_long=result["atm_long"],
        skew_short=result["skew"],
    )

# ruff: noqa: PLR0917  # pricing takes (S, K, T, r, q, sigma, ...) positionally, as PLR0913
"""European Black-Scholes-Merton price and Greeks with a continuous dividend yield, vectorised.

Units (as QuantLib): ``T`` in years, ``r`` and ``q`` continuously compounded per year, ``sigma``
per sqrt(year). ``vega``, ``rho`` and ``dividend_rho`` are per 1.00 (not per 1 %), ``theta`` is
dV/dt per year (``theta_per_day`` divides by 365), ``vanna`` = d2V/dS dsigma, ``volga`` =
d2V/dsigma2 (per 1.00 of vol).

Per element: a non-finite input, ``S <= 0``, ``K <= 0``, ``T < 0`` or ``sigma <= 0`` gives NaN in
every output (never an exception); see :func:`optionswarm.pricing.input_errors` for the reason.
``T == 0`` gives the intrinsic value ``max(theta (S - K), 0)`` with the limiting Greeks: delta is
the step (1 or -1 in the money, 0 out of it, +-1/2 exactly at the strike) and every other Greek 0.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from numba import njit

from optionswarm.pricing._arrays import FloatArray, as_flat_inputs
from optionswarm.pricing._normal import INV_SQRT_2PI, norm_cdf_from_gauss

__all__ = ["Greeks", "bsm_greeks", "bsm_price", "per_day", "per_percent"]

_GREEK_NAMES = (
    "price",
    "delta",
    "gamma",
    "vega",
    "theta",
    "rho",
    "dividend_rho",
    "vanna",
    "volga",
)


class Greeks(msgspec.Struct, frozen=True):
    """Price and Greeks, one array each, all with the broadcast shape of the inputs.

    Units: vega/rho/dividend_rho per 1.00, theta per year (see :func:`per_day`).
    """

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray
    dividend_rho: FloatArray
    vanna: FloatArray
    volga: FloatArray


def per_day(theta: FloatArray, days_per_year: float = 365.0) -> FloatArray:
    """Theta per calendar day (QuantLib's ``thetaPerDay`` uses 365)."""
    return np.asarray(theta, dtype=np.float64) / days_per_year


def per_percent(sensitivity: FloatArray) -> FloatArray:
    """Vega or rho per 1 percentage point (market quoting) instead of per 1.00."""
    return np.asarray(sensitivity, dtype=np.float64) / 100.0


@njit(cache=True, fastmath=False, error_model="numpy")
def _valid(S: float, K: float, T: float, r: float, q: float, v: float) -> bool:  # pragma: no cover
    return (
        S > 0.0
        and K > 0.0
        and T >= 0.0
        and v > 0.0
        and math.isfinite(S)
        and math.isfinite(K)
        and math.isfinite(T)
        and math.isfinite(r)
        and math.isfinite(q)
        and math.isfinite(v)
    )


@njit(cache=True, fastmath=False, error_model="numpy")
def _core(s: float, k: float, t: float, r: float, q: float, sig: float, theta: float):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Shared pieces for t > 0: (S e^-qT, K e^-rT, e^-qT, N(theta d1), N(theta d2), phi(d1),
    d1, d2, sqrt(T), 1 / (sigma sqrt(T))). One exp serves N(d1), N(d2) and phi(d1)."""
    sqt = math.sqrt(t)
    vs = sig * sqt
    inv_vs = 1.0 / vs
    d1 = (math.log(s / k) + (r - q) * t) * inv_vs + 0.5 * vs
    d2 = d1 - vs
    dq = math.exp(-q * t)
    fq = s * dq
    kr = k * math.exp(-r * t)
    gauss1 = math.exp(-0.5 * d1 * d1)
    gauss2 = gauss1 * (fq / kr)  # exp(-d2^2/2) = exp(-d1^2/2) F/K
    if not (gauss1 > 0.0 and gauss2 < math.inf):  # far tails: no shortcut
        gauss2 = math.exp(-0.5 * d2 * d2)
    nd1 = norm_cdf_from_gauss(theta * d1, gauss1)
    nd2 = norm_cdf_from_gauss(theta * d2, gauss2)
    return fq, kr, dq, nd1, nd2, INV_SQRT_2PI * gauss1, d1, d2, sqt, inv_vs


@njit(cache=True, fastmath=False, error_model="numpy")
def _price_kernel(S, K, T, r, q, v, is_call, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    for i in range(S.shape[0]):
        s, k, t, sig = S[i], K[i], T[i], v[i]
        theta = 2.0 * is_call[i] - 1.0
        if not _valid(s, k, t, r[i], q[i], sig):
            out[i] = np.nan
        elif t == 0.0:
            out[i] = max(theta * (s - k), 0.0)
        else:
            fq, kr, _, nd1, nd2, _, _, _, _, _ = _core(s, k, t, r[i], q[i], sig, theta)
            out[i] = theta * (fq * nd1 - kr * nd2)


@njit(cache=True, fastmath=False, error_model="numpy")
def _expiry_greeks(s: float, k: float, theta: float, out, i: int) -> None:  # type: ignore[no-untyped-def]  # pragma: no cover
    out[0, i] = max(theta * (s - k), 0.0)
    out[1, i] = theta if theta * (s - k) > 0.0 else (0.5 * theta if s == k else 0.0)
    for j in range(2, 9):
        out[j, i] = 0.0


@njit(cache=True, fastmath=False, error_model="numpy")
def _greeks_kernel(S, K, T, r, q, v, is_call, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    for i in range(S.shape[0]):
        s, k, t, sig, ri, qi = S[i], K[i], T[i], v[i], r[i], q[i]
        theta = 2.0 * is_call[i] - 1.0
        if not _valid(s, k, t, ri, qi, sig):
            for j in range(9):
                out[j, i] = np.nan
            continue
        if t == 0.0:
            _expiry_greeks(s, k, theta, out, i)
            continue
        fq, kr, dq, nd1, nd2, pdf, d1, d2, sqt, inv_vs = _core(s, k, t, ri, qi, sig, theta)
        fq_pdf = fq * pdf
        vega = fq_pdf * sqt
        inv_s = 1.0 / s
        out[0, i] = theta * (fq * nd1 - kr * nd2)
        out[1, i] = theta * dq * nd1
        out[2, i] = fq_pdf * inv_vs * inv_s * inv_s
        out[3, i] = vega
        out[4, i] = -0.5 * fq_pdf * sig * sig * inv_vs + theta * (qi * fq * nd1 - ri * kr * nd2)
        out[5, i] = theta * kr * t * nd2
        out[6, i] = -theta * fq * t * nd1
        out[7, i] = -vega * d2 * inv_vs * inv_s
        out[8, i] = vega * d1 * d2 * sqt * inv_vs  # 1/sigma = sqrt(T) / (sigma sqrt(T))


def bsm_price(S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any, is_call: Any) -> FloatArray:
    """European BSM price; inputs broadcast together, ``is_call`` a boolean array or scalar."""
    shape, (s, k, t, rr, qq, v), calls = as_flat_inputs(
        {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": sigma}, is_call
    )
    out = np.empty(s.shape[0], dtype=np.float64)
    _price_kernel(s, k, t, rr, qq, v, calls, out)
    return out.reshape(shape)


def bsm_greeks(S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any, is_call: Any) -> Greeks:
    """European BSM price and all Greeks in one fused pass (see module docstring for units)."""
    shape, (s, k, t, rr, qq, v), calls = as_flat_inputs(
        {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": sigma}, is_call
    )
    out = np.empty((len(_GREEK_NAMES), s.shape[0]), dtype=np.float64)
    _greeks_kernel(s, k, t, rr, qq, v, calls, out)
    return Greeks(*(row.reshape(shape) for row in out))

# ruff: noqa: PLR0917  # pricing takes (K, T, r, q, sigma, ...) positionally, as PLR0913
"""Barone-Adesi-Whaley pieces shared by the BAW price and the fixed-point method's first guess."""

from __future__ import annotations

import math

from numba import njit

from optionswarm.pricing._normal import norm_cdf, norm_pdf

__all__ = ["baw_critical_price", "black_discounted"]

_TOL = 1e-10
_MAX_ITER = 200


@njit(cache=True, fastmath=False, error_model="numpy")
def black_discounted(
    theta: float, fwd: float, k: float, vs: float, df: float
) -> tuple[float, float]:  # pragma: no cover - compiled by numba
    """(discounted Black price, d1) for forward ``fwd``, total vol ``vs``, discount ``df``."""
    d1 = math.log(fwd / k) / vs + 0.5 * vs
    return df * theta * (fwd * norm_cdf(theta * d1) - k * norm_cdf(theta * (d1 - vs))), d1


@njit(cache=True, fastmath=False, error_model="numpy")
def baw_critical_price(
    k: float, t: float, r: float, q: float, v: float, theta: float
) -> tuple[float, float]:  # pragma: no cover - compiled by numba
    """(BAW critical price S*, exponent Q) by QuantLib's Newton iteration, to 1e-10 relative."""
    dr = math.exp(-r * t)
    dq = math.exp(-q * t)
    var = v * v * t
    vs = math.sqrt(var)
    n = 2.0 * (r - q) * t / var
    big_k = 2.0 * r * t / (var * (1.0 - dr)) if abs(1.0 - dr) > 1e-13 else 2.0 / var
    big_q = 0.5 * (-(n - 1.0) + theta * math.sqrt((n - 1.0) ** 2 + 4.0 * big_k))
    # seed (Barone-Adesi and Whaley's infinite-maturity boundary, damped by h)
    m = 2.0 * r * t / var
    qu = 0.5 * (-(n - 1.0) + theta * math.sqrt((n - 1.0) ** 2 + 4.0 * m))
    su = k / (1.0 - 1.0 / qu)
    h = -(theta * (r - q) * t + 2.0 * vs) * k / (theta * (su - k))
    si = k + (su - k) * (1.0 - math.exp(h))
    for _ in range(_MAX_ITER):
        val, d1 = black_discounted(theta, si * dq / dr, k, vs, dr)
        nd1 = norm_cdf(theta * d1)
        rhs = val + theta * (1.0 - dq * nd1) * si / big_q
        lhs = theta * (si - k)
        bi = theta * dq * nd1 * (1.0 - 1.0 / big_q) + (theta - dq * norm_pdf(d1) / vs) / big_q
        if abs(lhs - rhs) <= _TOL * k:
            break
        si = (theta * k + rhs - bi * si) / (theta - bi)
    return si, big_q

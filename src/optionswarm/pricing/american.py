# ruff: noqa: PLR0917  # pricing takes (S, K, T, r, q, sigma, ...) positionally, as PLR0913
"""American options: Barone-Adesi-Whaley (1987) and Bjerksund-Stensland (1993) approximations,
vectorised over contracts, and :func:`american_price` / :func:`american_greeks`, which dispatch to
these, the exact fixed-point method (:mod:`.andersen_lake`) or the tree (:mod:`.binomial`).
Same inputs, units and NaN rules as :mod:`.black_scholes`.

BAW and BJS are approximations (errors of a few 1e-3 to 1e-2 against an exact price for typical
equity options; :func:`optionswarm.pricing.alo_price` is exact). A call on an
asset with ``q <= 0`` (and a put with ``r <= 0``) is never exercised early and is priced as
European by both. The BAW critical price is found by Newton iteration as in QuantLib's
``BaroneAdesiWhaleyApproximationEngine`` (but to a 1e-10 relative tolerance instead of 1e-6).
Bjerksund-Stensland prices a put through the put-call transformation
P(S, K, T, r, q) = C(K, S, T, q, r). Both results are floored at max(European, exercise value),
as an American price must be (like QuantLib's Bjerksund-Stensland engine; the formulas break that
bound at the edges: extreme volatility, sigma ~ 1e-4, negative rates).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numba import njit

from optionswarm.pricing._arrays import FloatArray, as_flat_inputs
from optionswarm.pricing._baw import baw_critical_price, black_discounted
from optionswarm.pricing._normal import norm_cdf
from optionswarm.pricing.andersen_lake import alo_price
from optionswarm.pricing.binomial import DEFAULT_STEPS, CashDividends, binomial_price
from optionswarm.pricing.black_scholes import Greeks, _valid

__all__ = [
    "AmericanModel",
    "american_greeks",
    "american_price",
    "baw_price",
    "bjerksund_stensland_price",
]


@njit(cache=True, fastmath=False, error_model="numpy")
def _baw_one(
    s: float, k: float, t: float, r: float, q: float, v: float, theta: float
) -> float:  # pragma: no cover
    dr = math.exp(-r * t)
    dq = math.exp(-q * t)
    vs = v * math.sqrt(t)
    euro, _ = black_discounted(theta, s * dq / dr, k, vs, dr)
    if (theta > 0.0 and q <= 0.0) or (theta < 0.0 and r <= 0.0):
        return euro
    si, big_q = baw_critical_price(k, t, r, q, v, theta)
    _, d1 = black_discounted(theta, si * dq / dr, k, vs, dr)
    a = theta * (si / big_q) * (1.0 - dq * norm_cdf(theta * d1))
    if theta * (s - si) < 0.0:
        return euro + a * math.pow(s / si, big_q)
    return theta * (s - k)


@njit(cache=True, fastmath=False, error_model="numpy")
def _bs93_phi(
    s: float, t: float, gamma: float, h: float, i: float, r: float, b: float, v: float
) -> float:  # pragma: no cover
    """Bjerksund-Stensland phi(S, T, gamma, H, I) / S^gamma (Haug 1998 p.26), overflow-safe."""
    vs = v * math.sqrt(t)
    lam = (-r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v * v) * t
    d = -(math.log(s / h) + (b + (gamma - 0.5) * v * v) * t) / vs
    kappa = 2.0 * b / (v * v) + (2.0 * gamma - 1.0)
    second = norm_cdf(d - 2.0 * math.log(i / s) / vs)
    reflected = math.exp(kappa * math.log(i / s) + math.log(second)) if second > 0.0 else 0.0
    return float(math.exp(lam) * (norm_cdf(d) - reflected))


@njit(cache=True, fastmath=False, error_model="numpy")
def _bs93_call(
    s: float, k: float, t: float, r: float, b: float, v: float
) -> float:  # pragma: no cover
    """Bjerksund-Stensland (1993) American call, cost of carry b = r - q; >= the European."""
    v2 = v * v
    vs = v * math.sqrt(t)
    d1 = (math.log(s / k) + (b + 0.5 * v2) * t) / vs
    euro = s * math.exp((b - r) * t) * norm_cdf(d1) - k * math.exp(-r * t) * norm_cdf(d1 - vs)
    if b >= r:  # no dividend: never exercised early
        return euro
    beta = (0.5 - b / v2) + math.sqrt((b / v2 - 0.5) ** 2 + 2.0 * r / v2)
    b_inf = beta / (beta - 1.0) * k
    b_0 = max(k, r / (r - b) * k)
    ht = -(b * t + 2.0 * vs) * b_0 / (b_inf - b_0)
    i = b_0 + (b_inf - b_0) * (1.0 - math.exp(ht))
    if s >= i:
        return s - k
    alpha_s = (i - k) * math.exp(beta * math.log(s / i))  # alpha S^beta without overflow
    approx = (
        alpha_s
        - alpha_s * _bs93_phi(s, t, beta, i, i, r, b, v)
        + s * _bs93_phi(s, t, 1.0, i, i, r, b, v)
        - s * _bs93_phi(s, t, 1.0, k, i, r, b, v)
        - k * _bs93_phi(s, t, 0.0, i, i, r, b, v)
        + k * _bs93_phi(s, t, 0.0, k, i, r, b, v)
    )
    if not math.isfinite(approx):  # sigma -> 0: the phi terms overflow; use the limit
        return max(euro, s - k)
    return max(approx, euro)


@njit(cache=True, fastmath=False, error_model="numpy")
def _american_kernel(S, K, T, r, q, v, is_call, model, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    for i in range(S.shape[0]):
        s, k, t, ri, qi, sig = S[i], K[i], T[i], r[i], q[i], v[i]
        if not _valid(s, k, t, ri, qi, sig):
            out[i] = np.nan
            continue
        theta = 1.0 if is_call[i] else -1.0
        floor = max(theta * (s - k), 0.0)
        if t == 0.0:
            out[i] = floor
            continue
        if model == 0:
            value = _baw_one(s, k, t, ri, qi, sig, theta)
        elif theta > 0.0:
            value = _bs93_call(s, k, t, ri, ri - qi, sig)
        else:
            value = _bs93_call(k, s, t, qi, qi - ri, sig)
        euro, _ = black_discounted(
            theta, s * math.exp((ri - qi) * t), k, sig * math.sqrt(t), math.exp(-ri * t)
        )
        # an American option is worth at least its European and its exercise value; the
        # approximations can break that at the edges (sigma ~ 1e-4, negative rates)
        out[i] = max(value, euro, floor) if math.isfinite(value) else max(euro, floor)


def _run(
    model: int, S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any, is_call: Any
) -> FloatArray:
    shape, (s, k, t, rr, qq, v), calls = as_flat_inputs(
        {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": sigma}, is_call
    )
    out = np.empty(s.shape[0], dtype=np.float64)
    _american_kernel(s, k, t, rr, qq, v, calls, model, out)
    return out.reshape(shape)


def baw_price(S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any, is_call: Any) -> FloatArray:
    """American price by the Barone-Adesi-Whaley (1987) quadratic approximation."""
    return _run(0, S, K, T, r, q, sigma, is_call)


def bjerksund_stensland_price(
    S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any, is_call: Any
) -> FloatArray:
    """American price by the Bjerksund-Stensland (1993) flat-boundary approximation."""
    return _run(1, S, K, T, r, q, sigma, is_call)


AmericanModel = Literal["alo", "baw", "bjs", "tree"]


def american_price(
    S: Any,
    K: Any,
    T: Any,
    r: Any,
    q: Any,
    sigma: Any,
    is_call: Any,
    *,
    model: AmericanModel = "alo",
    steps: int = DEFAULT_STEPS,
    dividends: CashDividends | None = None,
) -> FloatArray:
    """American price by ``model``: "alo" (Andersen-Lake-Offengelden, exact to ~1e-6, ~200 us a
    contract; the default), "baw" (~3 us, errors ~1e-2), "bjs", or "tree" (Leisen-Reimer,
    extrapolated, ~5e-4, ~2 ms; the only one that takes discrete cash ``dividends``)."""
    if model == "tree":
        return binomial_price(S, K, T, r, q, sigma, is_call, steps=steps, dividends=dividends)
    if dividends is not None and dividends.times:
        raise ValueError(f"dividends: model {model!r} takes no cash dividends; use model='tree'")
    if model == "alo":
        return alo_price(S, K, T, r, q, sigma, is_call)
    if model == "baw":
        return baw_price(S, K, T, r, q, sigma, is_call)
    if model == "bjs":
        return bjerksund_stensland_price(S, K, T, r, q, sigma, is_call)
    raise ValueError(f"model: expected 'alo', 'baw', 'bjs' or 'tree', got {model!r}")


def american_greeks(
    S: Any,
    K: Any,
    T: Any,
    r: Any,
    q: Any,
    sigma: Any,
    is_call: Any,
    *,
    model: AmericanModel = "alo",
    steps: int = DEFAULT_STEPS,
) -> Greeks:
    """American price and Greeks by central finite differences of :func:`american_price`
    (same units as :class:`Greeks`; relative bumps of 1e-4 in S and sigma, 1e-4 in r, q and T)."""
    shape, (s, k, t, rr, qq, v), calls = as_flat_inputs(
        {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": sigma}, is_call
    )

    def price(
        s_: FloatArray, t_: FloatArray, r_: FloatArray, q_: FloatArray, v_: FloatArray
    ) -> FloatArray:
        return american_price(s_, k, t_, r_, q_, v_, calls, model=model, steps=steps)

    ds, dv, h = 1e-4 * s, 1e-4 * v, 1e-4
    base = price(s, t, rr, qq, v)
    up_s, dn_s = price(s + ds, t, rr, qq, v), price(s - ds, t, rr, qq, v)
    up_v, dn_v = price(s, t, rr, qq, v + dv), price(s, t, rr, qq, v - dv)
    dt = np.minimum(h, t)  # one-sided in time at expiry
    theta = (price(s, t - dt, rr, qq, v) - base) / np.where(dt > 0, dt, np.nan)
    rho = (price(s, t, rr + h, qq, v) - price(s, t, rr - h, qq, v)) / (2 * h)
    dividend_rho = (price(s, t, rr, qq + h, v) - price(s, t, rr, qq - h, v)) / (2 * h)
    cross = price(s + ds, t, rr, qq, v + dv) - price(s + ds, t, rr, qq, v - dv)
    cross -= price(s - ds, t, rr, qq, v + dv) - price(s - ds, t, rr, qq, v - dv)
    fields = (
        base,
        (up_s - dn_s) / (2 * ds),
        (up_s - 2 * base + dn_s) / (ds * ds),
        (up_v - dn_v) / (2 * dv),
        np.where(t > 0, theta, 0.0),
        rho,
        dividend_rho,
        cross / (4 * ds * dv),
        (up_v - 2 * base + dn_v) / (dv * dv),
    )
    return Greeks(*(np.asarray(f, dtype=np.float64).reshape(shape) for f in fields))

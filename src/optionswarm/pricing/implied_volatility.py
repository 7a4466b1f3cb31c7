# ruff: noqa: PLR0917  # kernels take (price, S, K, T, r, q, ...) positionally, as PLR0913
"""Implied volatility from European BSM prices, vectorised, with a reason code per element.

Method: the price is normalised as in Jaeckel's "Let's Be Rational" (x = ln(F/K), beta =
price / (D sqrt(F K)), the in-the-money part removed by put-call parity so that only an
out-of-the-money normalised call b(x, s), s = sigma sqrt(T), is inverted). b is convex in s below
the inflection point s_c = sqrt(2|x|) and concave above it; below s_c we solve 1/ln b(s) = 1/ln
beta, above it -ln(b_max - b(s)) = -ln(b_max - beta). Both objectives are close to linear, are
started from a tangent or asymptotic initial guess and solved by Halley steps inside a bracket
that shrinks on every step (bisection when a step leaves it), so convergence is guaranteed. The
loop stops after a Halley step smaller than 1e-6 s (the error after a Halley step is about the
cube of the one before it): 2-3 steps for most chains, errors below 1e-10 in sigma wherever the
price determines sigma at double precision. One exp per step serves both normal tails and b'
(Cody's rational erfc, see ``_normal``).

Accuracy limit (inherent, not of the method): a deep in-the-money price of size P carries
about P * 1e-16 of rounding, so sigma is only determined to ~ max(S, K) * 1e-16 / vega; the tests
and benchmark call an element "informative" when that is below 1e-9.

Prices outside the no-arbitrage bounds give NaN with a reason (:class:`IVReason`), never an
exception and never a clipped number. Lower bound: max(theta (S e^-qT - K e^-rT), 0); upper bound:
S e^-qT for a call, K e^-rT for a put. A price equal to the lower bound (no time value, e.g. deep
in the money with a zero-width quote) is ``BELOW_INTRINSIC``: every sigma in [0, tiny] fits.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from numba import njit

from optionswarm.pricing._arrays import FloatArray, as_flat_inputs
from optionswarm.pricing._normal import INV_SQRT_2PI, norm_cdf_from_gauss

__all__ = ["IVReason", "IVResult", "implied_vol"]

_MAX_ITER = 60
_REL_TOL = 1e-6  # on the last Halley step: the error after it is ~ its cube


class IVReason(enum.IntEnum):
    """Why an implied volatility is (or is not) available; stored as int8."""

    OK = 0
    BAD_INPUT = 1  # non-finite input, S <= 0, K <= 0 or T < 0
    EXPIRED = 2  # T == 0: the price carries no volatility information
    NONPOSITIVE_PRICE = 3  # price <= 0 (e.g. a zero bid)
    BELOW_INTRINSIC = 4  # price at or below the discounted intrinsic value
    ABOVE_UPPER_BOUND = 5  # price at or above S e^-qT (call) / K e^-rT (put)
    NOT_CONVERGED = 6  # no root within the iteration budget (not expected; reported, not hidden)


class IVResult(msgspec.Struct, frozen=True):
    """``iv`` (NaN where ``reason != OK``) and ``reason`` (int8 codes of :class:`IVReason`)."""

    iv: FloatArray
    reason: npt.NDArray[np.int8]

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Mask of elements with a valid implied volatility."""
        return np.asarray(self.reason == IVReason.OK)


@njit(cache=True, fastmath=False, error_model="numpy")
def _black_parts(
    x: float, s: float, ex: float, emx: float
) -> tuple[float, float, float]:  # pragma: no cover
    """(b, b_max - b, b') for the normalised OTM call (x <= 0); b and b_max - b each without
    cancellation. One exp: with g = exp(-(h+t)^2/2), exp(-(h-t)^2/2) = g e^x, b' = g e^(x/2)."""
    h = x / s
    t = 0.5 * s
    gauss = math.exp(-0.5 * (h + t) * (h + t))
    tail2 = norm_cdf_from_gauss(h - t, gauss * ex * ex)
    vega = INV_SQRT_2PI * gauss * ex
    if h + t <= 0.0:
        a = norm_cdf_from_gauss(h + t, gauss)
        return ex * a - emx * tail2, ex * (1.0 - a) + emx * tail2, vega
    ac = norm_cdf_from_gauss(-(h + t), gauss)
    return ex * (1.0 - ac) - emx * tail2, ex * ac + emx * tail2, vega


@njit(cache=True, fastmath=False, error_model="numpy")
def _lower_guess(x: float, beta: float, s_c: float) -> float:  # pragma: no cover
    """Invert the deep-out-of-the-money asymptote b ~ phi(h)phi(t) sqrt(2pi) s^3/(x^2 - s^4/4)."""
    lb = -math.log(beta)
    x2 = x * x
    s = math.sqrt(x2 / (2.0 * lb))
    for _ in range(3):
        s2 = s * s
        den = x2 - 0.25 * s2 * s2
        if den <= 0.0:
            break
        arg = lb - 0.125 * s2 + math.log(s2 * s * INV_SQRT_2PI / den)
        if arg <= 0.0:
            break
        s_new = math.sqrt(x2 / (2.0 * arg))
        if not s_new < s_c:
            break
        s = s_new
    return min(s, s_c)


@njit(cache=True, fastmath=False, error_model="numpy")
def _inv_norm_cdf(p: float) -> float:  # pragma: no cover
    """Acklam's rational approximation (relative error < 1.2e-9): good enough for a guess."""
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
         -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996, 3.754408661907416)
    if p < 0.02425:
        z = math.sqrt(-2.0 * math.log(p))
        num = ((((c[0] * z + c[1]) * z + c[2]) * z + c[3]) * z + c[4]) * z + c[5]
        return num / ((((d[0] * z + d[1]) * z + d[2]) * z + d[3]) * z + 1.0)
    z = p - 0.5
    w = z * z
    num = (((((a[0] * w + a[1]) * w + a[2]) * w + a[3]) * w + a[4]) * w + a[5]) * z
    return num / (((((b[0] * w + b[1]) * w + b[2]) * w + b[3]) * w + b[4]) * w + 1.0)


@njit(cache=True, fastmath=False, error_model="numpy")
def _start(
    x: float, beta: float, ex: float, emx: float
) -> tuple[bool, float, float, float, float]:  # pragma: no cover
    """Region (lower?), target of the objective, initial guess and bracket (lo, hi)."""
    s_c = math.sqrt(-2.0 * x)
    b_c, _, v_c = _black_parts(x, s_c, ex, emx) if s_c > 0.0 else (0.0, 0.0, INV_SQRT_2PI)
    if beta < b_c:  # convex part of b: the tangent at s_c lands above the root
        s_tan = s_c - (b_c - beta) / v_c
        guess = s_tan if beta > 0.25 * b_c else min(_lower_guess(x, beta, s_c), s_tan)
        return True, -1.0 / math.log(beta), guess, 0.0, s_c
    s_tan = s_c + (beta - b_c) / v_c  # concave part: the tangent lands below the root
    s_inv = -2.0 * _inv_norm_cdf(0.5 * (ex - beta) / ex)
    return False, -math.log(ex - beta), max(s_tan, s_inv), s_c, math.inf


@njit(cache=True, fastmath=False, error_model="numpy")
def _objective(
    lower: bool, x: float, s: float, ex: float, emx: float
) -> tuple[float, float, float]:  # pragma: no cover
    """(g, g', g'') of -1/ln b (lower region) or -ln(b_max - b) (upper); NaN on underflow."""
    b, c, v = _black_parts(x, s, ex, emx)
    if not (b > 0.0 and c > 0.0):
        return (-math.inf if b <= 0.0 else math.inf), math.nan, math.nan
    v2 = v * (x * x / (s * s * s) - 0.25 * s)  # b''(s)
    if lower:
        lnb = math.log(b)
        lp = v / b
        lpp = v2 / b - lp * lp
        return -1.0 / lnb, lp / (lnb * lnb), lpp / (lnb * lnb) - 2.0 * lp * lp / (lnb * lnb * lnb)
    g1 = v / c
    return -math.log(c), g1, v2 / c + g1 * g1


@njit(cache=True, fastmath=False, error_model="numpy")
def _solve_normalised(x: float, beta: float, ex: float) -> tuple[float, int]:  # pragma: no cover
    """Total vol s with b(x, s) = beta for an OTM normalised call: x <= 0, 0 < beta < ex, where
    ex = e^(x/2) = b_max."""
    emx = 1.0 / ex
    lower, target, s, lo, hi = _start(x, beta, ex, emx)
    for it in range(_MAX_ITER):
        g, g1, g2 = _objective(lower, x, s, ex, emx)
        f = g - target
        if f > 0.0:
            hi = s
        elif f < 0.0:
            lo = s
        else:
            return s, it
        step = math.nan
        if not math.isnan(g1):
            step = -f / g1
            den = 1.0 - 0.5 * step * g2 / g1
            if den > 0.5:  # Halley; else plain Newton
                step /= den
        s_new = s + step
        if lo < s_new < hi:
            if abs(step) <= _REL_TOL * s:
                return s_new, it + 1
        else:  # the step left the bracket (or was undefined): bisect instead
            s_new = 2.0 * s if hi == math.inf else 0.5 * (lo + hi)
            if hi - lo <= 1e-15 * hi:
                return s_new, it + 1
        s = s_new
    return math.nan, _MAX_ITER


@njit(cache=True, fastmath=False, error_model="numpy")
def _iv_kernel(P, S, K, T, r, q, is_call, iv, reason, iters):  # type: ignore[no-untyped-def]  # pragma: no cover
    for i in range(S.shape[0]):
        p, s, k, t, ri, qi = P[i], S[i], K[i], T[i], r[i], q[i]
        iv[i] = math.nan
        finite = (
            math.isfinite(p) and math.isfinite(s) and math.isfinite(k) and math.isfinite(t)
            and math.isfinite(ri) and math.isfinite(qi)
        )  # fmt: skip
        if not (finite and s > 0.0 and k > 0.0 and t >= 0.0):
            reason[i] = 1
            continue
        if t == 0.0:
            reason[i] = 2
            continue
        if p <= 0.0:
            reason[i] = 3
            continue
        theta = 2.0 * is_call[i] - 1.0
        x = math.log(s / k) + (ri - qi) * t
        beta = p / (math.sqrt(s * k) * math.exp(-0.5 * (ri + qi) * t))  # p / (D sqrt(F K))
        x_otm = -abs(x)
        ex = math.exp(0.5 * x_otm)
        if theta * x > 0.0:  # in the money: keep only the time value
            beta -= 1.0 / ex - ex
        if beta <= 0.0:
            reason[i] = 4
            continue
        if beta >= ex:
            reason[i] = 5
            continue
        tot, n = _solve_normalised(x_otm, beta, ex)
        iters[i] = n
        if math.isnan(tot):
            reason[i] = 6
            continue
        reason[i] = 0
        iv[i] = tot / math.sqrt(t)


def implied_vol(price: Any, S: Any, K: Any, T: Any, r: Any, q: Any, is_call: Any) -> IVResult:
    """Implied BSM volatility per element of a (broadcast) chain; see :class:`IVReason`."""
    shape, (p, s, k, t, rr, qq), calls = as_flat_inputs(
        {"price": price, "S": S, "K": K, "T": T, "r": r, "q": q}, is_call
    )
    n = s.shape[0]
    iv = np.empty(n, dtype=np.float64)
    reason = np.empty(n, dtype=np.int8)
    iters = np.zeros(n, dtype=np.int32)
    _iv_kernel(p, s, k, t, rr, qq, calls, iv, reason, iters)
    return IVResult(iv=iv.reshape(shape), reason=reason.reshape(shape))

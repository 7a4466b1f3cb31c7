# ruff: noqa: PLR0917  # pricing takes (price, S, K, T, r, q, ...) positionally, as PLR0913
"""Implied volatility of American option prices under a chosen model, vectorised over a chain.

Method: the model price is increasing in sigma, so sigma is bracketed in [1e-4, 10] (the upper
end lowered to the European IV of the price where it exists: American >= European) and the
bracket is shrunk by the Illinois variant of regula falsi (superlinear, never leaves the bracket)
with a bisection in log sigma every third step (so it always converges), one vectorised model
evaluation per step for all unsettled elements at once, until the price matches to its own
rounding (4 eps max(S, K)) or the bracket is narrower than 1e-12 relative.

Reasons (:class:`IVReason`): a price at or below the model value at sigma = 1e-4 (which is the
exercise value max(theta (S - K), 0) or the discounted forward intrinsic, whichever is larger)
is ``BELOW_INTRINSIC``; above the model value at sigma = 10, ``ABOVE_UPPER_BOUND``; and the usual
``BAD_INPUT``, ``EXPIRED``, ``NONPOSITIVE_PRICE``. Deep out of the money, BAW adds a premium far
above the European value (a known artefact of the approximation); the inversion is then exact for
BAW but the result is only as meaningful as the model there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from optionswarm.pricing._arrays import FloatArray, as_flat_inputs
from optionswarm.pricing.american import AmericanModel, american_price
from optionswarm.pricing.binomial import DEFAULT_STEPS
from optionswarm.pricing.implied_volatility import IVReason, IVResult, implied_vol

__all__ = ["american_implied_vol"]

_VOL_LO, _VOL_HI = 1e-4, 10.0
_MAX_STEPS = 200
_X_TOL = 1e-12
_EPS = float(np.finfo(np.float64).eps)


def _screen(
    p: FloatArray, s: FloatArray, k: FloatArray, t: FloatArray, others: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int8]:
    reason = np.full(p.shape, IVReason.OK, dtype=np.int8)
    bad = ~(np.isfinite(p) & np.isfinite(s) & np.isfinite(k) & np.isfinite(t) & others)
    bad |= ~((s > 0) & (k > 0) & (t >= 0))
    reason[~bad & (t == 0)] = IVReason.EXPIRED
    reason[~bad & (t > 0) & (p <= 0)] = IVReason.NONPOSITIVE_PRICE
    reason[bad] = IVReason.BAD_INPUT
    return reason


def _upper_guess(p: FloatArray, s: FloatArray, k: FloatArray, t: FloatArray, r: FloatArray,
                 q: FloatArray, calls: npt.NDArray[np.bool_], idx: Any) -> FloatArray:  # fmt: skip
    """American >= European at every sigma, so the American IV is at most the European IV of
    the same price: a tight upper end for the bracket where the latter exists."""
    euro = implied_vol(p[idx], s[idx], k[idx], t[idx], r[idx], q[idx], calls[idx])
    bound = np.where(euro.ok, euro.iv * (1.0 + 1e-9) + 1e-12, _VOL_HI)
    return np.asarray(np.minimum(bound, _VOL_HI), dtype=np.float64)


def american_implied_vol(
    price: Any,
    S: Any,
    K: Any,
    T: Any,
    r: Any,
    q: Any,
    is_call: Any,
    *,
    model: AmericanModel = "alo",
    steps: int = DEFAULT_STEPS,
) -> IVResult:
    """Implied vol of American prices under ``model`` (see :func:`american_price`); see module."""
    shape, (p, s, k, t, rr, qq), calls = as_flat_inputs(
        {"price": price, "S": S, "K": K, "T": T, "r": r, "q": q}, is_call
    )
    assert calls is not None  # is_call was given
    with np.errstate(invalid="ignore"):
        reason = _screen(p, s, k, t, np.isfinite(rr) & np.isfinite(qq))
    idx = np.flatnonzero(reason == IVReason.OK)

    def gap(rows: Any, vol: FloatArray) -> FloatArray:
        value = american_price(s[rows], k[rows], t[rows], rr[rows], qq[rows], vol, calls[rows],
                               model=model, steps=steps)  # fmt: skip
        return np.asarray(value - p[rows], dtype=np.float64)

    lo, hi = np.full(idx.size, _VOL_LO), _upper_guess(p, s, k, t, rr, qq, calls, idx)
    f_lo, f_hi = gap(idx, lo), gap(idx, hi)
    loose = (f_hi < 0) & (hi < _VOL_HI)  # the European bound was not enough after all
    if loose.any():
        hi[loose] = _VOL_HI
        f_hi[loose] = gap(idx[loose], hi[loose])
    reason[idx[f_lo >= 0]] = IVReason.BELOW_INTRINSIC
    reason[idx[f_hi < 0]] = IVReason.ABOVE_UPPER_BOUND
    keep = (f_lo < 0) & (f_hi >= 0)
    idx, lo, hi, f_lo, f_hi = idx[keep], lo[keep], hi[keep], f_lo[keep], f_hi[keep]
    sigma = np.full(p.shape, np.nan)
    side = np.zeros(idx.size, dtype=np.int8)
    for step in range(_MAX_STEPS):
        if idx.size == 0:
            break
        bisect = np.sqrt(lo * hi)  # in log sigma
        with np.errstate(invalid="ignore", divide="ignore"):
            secant = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        # every third step bisects, so convergence is guaranteed; so does a flat model price
        use_secant = (step % 3 != 2) & (f_hi > f_lo)
        x = np.where(use_secant, np.clip(secant, lo, hi), bisect)
        fx = gap(idx, x)
        upper = fx >= 0
        f_lo = np.where(upper & (side == 1), 0.5 * f_lo, f_lo)  # Illinois: halve the stale end
        f_hi = np.where(~upper & (side == -1), 0.5 * f_hi, f_hi)
        hi, f_hi = np.where(upper, x, hi), np.where(upper, fx, f_hi)
        lo, f_lo = np.where(upper, lo, x), np.where(upper, f_lo, fx)
        side = np.where(upper, 1, -1).astype(np.int8)
        resolution = 4 * _EPS * np.maximum(s[idx], k[idx])  # the price's own rounding
        done = (np.abs(fx) <= resolution) | (hi - lo <= _X_TOL * hi)
        sigma[idx[done]] = x[done]
        idx, lo, hi, f_lo, f_hi, side = (a[~done] for a in (idx, lo, hi, f_lo, f_hi, side))
    reason[idx] = IVReason.NOT_CONVERGED
    sigma[reason != IVReason.OK] = np.nan
    return IVResult(iv=sigma.reshape(shape), reason=reason.reshape(shape))

"""Standard normal density and distribution for the numba kernels (erfc-based, full precision)."""

from __future__ import annotations

import math

from numba import njit

from optionswarm.pricing._numba_cache import ensure_cache_dir

# Every kernel module imports this one before it decorates anything with cache=True.
ensure_cache_dir()

__all__ = ["INV_SQRT_2PI", "SQRT_HALF", "norm_cdf", "norm_cdf_from_gauss", "norm_pdf"]

SQRT_HALF = 0.7071067811865476
INV_SQRT_2PI = 0.3989422804014327
_INV_SQRT_PI = 0.5641895835477563


@njit(cache=True, fastmath=False, error_model="numpy")
def norm_cdf(x: float) -> float:  # pragma: no cover - compiled by numba
    """Phi(x) via erfc: accurate to full relative precision in both tails."""
    return 0.5 * math.erfc(-x * SQRT_HALF)


@njit(cache=True, fastmath=False, error_model="numpy")
def norm_pdf(x: float) -> float:  # pragma: no cover - compiled by numba
    """phi(x)."""
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)


@njit(cache=True, fastmath=False, error_model="numpy")
def norm_cdf_from_gauss(x: float, gauss: float) -> float:  # pragma: no cover - compiled by numba
    """Phi(x) given ``gauss = exp(-x*x/2)``, so that one exp serves Phi and phi together.

    W. J. Cody's rational Chebyshev approximations of erf/erfc (Math. Comp. 23, 1969; netlib
    specfun CALERF), the same as glibc's erfc: absolute error <= 2.3e-16 everywhere, relative
    error <= 3e-13 in the far tail (from the rounding of x*x inside ``gauss``).
    """
    z = -x * SQRT_HALF
    y = abs(z)
    if y < 0.46875:
        t = y * y
        num = (
            ((1.85777706184603153e-1 * t + 3.16112374387056560e00) * t + 1.13864154151050156e02) * t
            + 3.77485237685302021e02
        ) * t + 3.20937758913846947e03
        den = (
            ((t + 2.36012909523441209e01) * t + 2.44024637934444173e02) * t + 1.28261652607737228e03
        ) * t + 2.84423683343917062e03
        return 0.5 - 0.5 * z * num / den
    if y <= 4.0:
        num = (
            (
                (
                    (
                        (
                            (
                                (2.15311535474403846e-8 * y + 5.64188496988670089e-1) * y
                                + 8.88314979438837594e00
                            )
                            * y
                            + 6.61191906371416295e01
                        )
                        * y
                        + 2.98635138197400131e02
                    )
                    * y
                    + 8.81952221241769090e02
                )
                * y
                + 1.71204761263407058e03
            )
            * y
            + 2.05107837782607147e03
        ) * y + 1.23033935479799725e03
        den = (
            (
                (
                    (
                        (
                            ((y + 1.57449261107098347e01) * y + 1.17693950891312499e02) * y
                            + 5.37181101862009858e02
                        )
                        * y
                        + 1.62138957456669019e03
                    )
                    * y
                    + 3.29079923573345963e03
                )
                * y
                + 4.36261909014324716e03
            )
            * y
            + 3.43936767414372164e03
        ) * y + 1.23033935480374942e03
        half_erfc = 0.5 * gauss * num / den
    else:
        t = 1.0 / (y * y)
        num = (
            (
                ((1.63153871373020978e-2 * t + 3.05326634961232344e-1) * t + 3.60344899949804439e-1)
                * t
                + 1.25781726111229246e-1
            )
            * t
            + 1.60837851487422766e-2
        ) * t + 6.58749161529837803e-4
        den = (
            (
                ((t + 2.56852019228982242e00) * t + 1.87295284992346047e00) * t
                + 5.27905102951428412e-1
            )
            * t
            + 6.05183413124413191e-2
        ) * t + 2.33520497626869185e-3
        half_erfc = 0.5 * gauss * (_INV_SQRT_PI - t * num / den) / y
    return half_erfc if z > 0.0 else 1.0 - half_erfc

"""Standard normal density and distribution for the numba kernels (erfc-based, full precision)."""

from __future__ import annotations

import math

from numba import njit

__all__ = ["INV_SQRT_2PI", "SQRT_HALF", "norm_cdf", "norm_pdf"]

SQRT_HALF = 0.7071067811865476
INV_SQRT_2PI = 0.3989422804014327


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def norm_cdf(x: float) -> float:  # pragma: no cover - compiled by numba
    """Phi(x) via erfc: accurate to full relative precision in both tails."""
    return 0.5 * math.erfc(-x * SQRT_HALF)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def norm_pdf(x: float) -> float:  # pragma: no cover - compiled by numba
    """phi(x)."""
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)

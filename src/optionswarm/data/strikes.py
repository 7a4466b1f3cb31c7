"""Strike grids like the listed SPX grid: fine increments near the money, wider further out.

A grid is a set of bands ``(max |K/S - 1|, increment)``; strikes inside a band are multiples of
its increment. The default (``SPX_BANDS``) lists 5-point strikes within 10% of spot, 25-point
strikes out to 25%, and 100-point strikes beyond. The range of an expiry's grid scales with the
standard deviation of the forward over its life: ``[S exp(-n_down s), S exp(n_up s)]`` with
``s = sigma sqrt(T)``, clipped to ``[min_moneyness, max_moneyness]`` of spot and widened to at
least ``min_half_width`` so that even the shortest expiry lists a handful of strikes.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = ["SPX_BANDS", "StrikeGrid", "grid_bounds", "strike_grid", "strike_grids"]

SPX_BANDS: tuple[tuple[float, float], ...] = ((0.10, 5.0), (0.25, 25.0), (10.0, 100.0))


class StrikeGrid(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Strike increments by distance from spot, and how far the grid reaches."""

    bands: tuple[tuple[float, float], ...] = SPX_BANDS
    n_down: float = 4.0
    n_up: float = 2.5
    min_half_width: float = 0.03
    min_moneyness: float = 0.2
    max_moneyness: float = 2.0


def _band_grid(
    low: float, high: float, spot: float, bands: tuple[tuple[float, float], ...]
) -> npt.NDArray[np.float64]:
    pieces: list[npt.NDArray[np.float64]] = []
    inner = 0.0
    for outer, step in bands:
        lo = max(low, spot * (1.0 - outer))
        hi = min(high, spot * (1.0 + outer))
        if lo <= hi:
            ks = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1, dtype=np.float64)
            ks *= step
            pieces.append(ks[np.abs(ks / spot - 1.0) >= inner] if inner > 0 else ks)
        inner = outer
    strikes = np.unique(np.concatenate(pieces)) if pieces else np.empty(0)
    return strikes[strikes > 0.0]


def grid_bounds(
    spot: float, sigma: npt.ArrayLike, years: npt.ArrayLike, grid: StrikeGrid
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Lowest and highest listed strike level of each expiry (arrays over expiries)."""
    spread = np.asarray(sigma, dtype=np.float64) * np.sqrt(
        np.maximum(np.asarray(years, dtype=np.float64), 0.0)
    )
    low = spot * np.maximum(
        grid.min_moneyness, np.minimum(np.exp(-grid.n_down * spread), 1.0 - grid.min_half_width)
    )
    high = spot * np.minimum(
        grid.max_moneyness, np.maximum(np.exp(grid.n_up * spread), 1.0 + grid.min_half_width)
    )
    return low, high


def strike_grids(
    spot: float, sigma: npt.ArrayLike, years: npt.ArrayLike, grid: StrikeGrid | None = None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """The grids of many expiries at once: ``(expiry index, strike)`` pairs, strikes ascending
    within each expiry. One union grid is built and cut to each expiry's bounds."""
    grid = grid or StrikeGrid()
    low, high = grid_bounds(spot, sigma, years, grid)
    if low.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    union = _band_grid(float(low.min()), float(high.max()), spot, grid.bands)
    inside = (union[None, :] >= low[:, None] - 1e-9) & (union[None, :] <= high[:, None] + 1e-9)
    expiry_index, strike_index = np.nonzero(inside)
    return expiry_index, union[strike_index]


def strike_grid(
    spot: float, sigma: float, years: float, grid: StrikeGrid | None = None
) -> npt.NDArray[np.float64]:
    """The sorted, unique strikes listed for one expiry, given spot, ATM vol and time to expiry."""
    return strike_grids(spot, [sigma], [years], grid)[1]

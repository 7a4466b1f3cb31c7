"""Exact best matching between two sides with capacities, for small margin groupings.

Each side's items are expanded into single units; a linear assignment (scipy's Hungarian
solver) picks the pairs of greatest total weight, and every row unit may also stay unpaired
(weight 0). Beyond ``max_cells`` the caller falls back to its greedy matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["match_units"]

_FORBIDDEN = -1e18


def match_units(
    row_caps: Sequence[int],
    col_caps: Sequence[int],
    weight: Callable[[int, int], float | None],
    max_cells: int = 16_384,
) -> dict[tuple[int, int], int] | None:
    """Units paired per ``(row, col)`` maximising the total weight; None if too large.

    ``weight(i, j)`` is the gain of pairing one unit of row ``i`` with one of column ``j``, or
    None when they cannot pair. Pairs of weight <= 0 are never made.
    """
    n_rows, n_cols = sum(row_caps), sum(col_caps)
    if n_rows == 0 or n_cols == 0:
        return {}
    if n_rows * (n_cols + n_rows) > max_cells:
        return None
    matrix = np.full((n_rows, n_cols + n_rows), _FORBIDDEN)
    matrix[:, n_cols:] = 0.0  # staying unpaired
    row_of = np.repeat(np.arange(len(row_caps)), row_caps)
    col_of = np.repeat(np.arange(len(col_caps)), col_caps)
    row_starts = np.concatenate(([0], np.cumsum(row_caps)))
    col_starts = np.concatenate(([0], np.cumsum(col_caps)))
    for i in range(len(row_caps)):
        for j in range(len(col_caps)):
            gain = weight(i, j)
            if gain is not None and gain > 0:
                matrix[row_starts[i] : row_starts[i + 1], col_starts[j] : col_starts[j + 1]] = gain
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    pairs: dict[tuple[int, int], int] = {}
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if c < n_cols and matrix[r, c] > 0:
            key = (int(row_of[r]), int(col_of[c]))
            pairs[key] = pairs.get(key, 0) + 1
    return pairs

# ruff: noqa: PLR0917  # pricing takes (S, K, T, r, q, sigma, ...) positionally, as PLR0913
"""Why a pricing input gives NaN: a per-element reason code, computed with numpy.

The pricing kernels return NaN for an invalid element and carry on with the rest of the chain;
call :func:`input_errors` on the same inputs to learn which rule each NaN broke.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
import numpy.typing as npt

from optionswarm.pricing._arrays import as_flat_inputs

__all__ = ["InputError", "input_errors"]


class InputError(enum.IntEnum):
    """The first rule an element breaks (checked in this order); stored as int8."""

    OK = 0
    NON_FINITE = 1  # NaN or infinity in any input
    NONPOSITIVE_SPOT = 2
    NONPOSITIVE_STRIKE = 3
    NEGATIVE_TIME = 4
    NONPOSITIVE_VOL = 5


def input_errors(S: Any, K: Any, T: Any, r: Any, q: Any, sigma: Any) -> npt.NDArray[np.int8]:
    """Per-element :class:`InputError` codes for the pricing inputs (broadcast together)."""
    shape, (s, k, t, rr, qq, v), _ = as_flat_inputs(
        {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": sigma}
    )
    codes = np.zeros(s.shape[0], dtype=np.int8)
    rules = [
        (v <= 0.0, InputError.NONPOSITIVE_VOL),
        (t < 0.0, InputError.NEGATIVE_TIME),
        (k <= 0.0, InputError.NONPOSITIVE_STRIKE),
        (s <= 0.0, InputError.NONPOSITIVE_SPOT),
    ]
    finite = np.isfinite(s) & np.isfinite(k) & np.isfinite(t)
    finite &= np.isfinite(rr) & np.isfinite(qq) & np.isfinite(v)
    rules.append((~finite, InputError.NON_FINITE))
    for broken, code in rules:  # later rules win: the order above is reversed on purpose
        codes[broken] = code
    return codes.reshape(shape)

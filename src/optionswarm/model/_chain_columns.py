"""Column specification and validation for ``ChainSnapshot`` (one function per concern)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from optionswarm.model._checks import fail
from optionswarm.model._occ import _ROOT, MAX_STRIKE_MILLI

__all__ = ["COLUMN_DTYPES", "COLUMN_NAMES", "coerce_column", "validate_columns"]

# Column name -> dtype it is stored as. Order is the storage/transport order.
COLUMN_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "root": np.dtype(object),
    "expiry_ns": np.dtype(np.int64),
    "strike": np.dtype(np.float64),
    "is_call": np.dtype(np.bool_),
    "bid": np.dtype(np.float64),
    "ask": np.dtype(np.float64),
    "bid_size": np.dtype(np.int64),
    "ask_size": np.dtype(np.int64),
    "volume": np.dtype(np.int64),
    "open_interest": np.dtype(np.int64),
    "iv": np.dtype(np.float64),
    "quality_flags": np.dtype(np.uint32),
}
COLUMN_NAMES: Final[tuple[str, ...]] = tuple(COLUMN_DTYPES)
# A strike may carry float noise from arithmetic (97.50000000000001) but must be on the 0.001 grid.
_MILLI_TOLERANCE = 1e-6
_INT_LIMITS = {np.dtype(np.int64): (-(2**63), 2**63 - 1), np.dtype(np.uint32): (0, 2**32 - 1)}


def _coerce_root(name: str, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if values.dtype.kind not in "UO":
        raise fail(name, f"must hold str roots, got dtype {values.dtype}")
    out = values.astype(object)
    for root in set(out.tolist()):
        if not isinstance(root, str) or _ROOT.fullmatch(root) is None:
            raise fail(name, f"roots must be 1-6 characters A-Z or 0-9, got {root!r}")
    return out


def _coerce_integers(name: str, values: npt.NDArray[Any], dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    if values.dtype.kind not in "iu":
        raise fail(name, f"must hold integers, got dtype {values.dtype}")
    low, high = _INT_LIMITS[dtype]
    if int(values.min()) < low or int(values.max()) > high:  # values.size > 0 here
        raise fail(name, f"values must lie within [{low}, {high}]")
    return values.astype(dtype)


def _coerce_floats(name: str, values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    if values.dtype.kind == "O":  # a list mixing numbers and None (absent)
        if not all(_is_number_or_none(v) for v in values.tolist()):
            raise fail(name, "must hold numbers (None for absent)")
    elif values.dtype.kind not in "fiu":
        raise fail(name, f"must hold numbers, got dtype {values.dtype}")
    return values.astype(np.float64) + 0.0  # also turns -0.0 into 0.0 for canonical encoding


def _is_number_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def coerce_column(name: str, raw: object) -> npt.NDArray[Any]:
    """A fresh, read-only, 1-D copy of ``raw`` in the column's dtype, or a named error."""
    dtype = COLUMN_DTYPES[name]
    values = np.array(raw, copy=True)
    if values.ndim != 1:
        raise fail(name, f"must be 1-dimensional, got shape {values.shape}")
    if values.size == 0:
        values = values.astype(dtype)
    elif name == "root":
        values = _coerce_root(name, values)
    elif dtype.kind in "iu":
        values = _coerce_integers(name, values, dtype)
    elif dtype.kind == "b":
        if values.dtype.kind != "b":
            raise fail(name, f"must hold booleans, got dtype {values.dtype}")
    else:
        values = _coerce_floats(name, values)
    values.setflags(write=False)
    return values


def _first_row(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_prices(columns: Mapping[str, npt.NDArray[Any]]) -> None:
    for name in ("bid", "ask", "iv"):
        values = columns[name]
        bad = np.isinf(values) | (values < 0)
        if bad.any():
            row = _first_row(bad)
            raise fail(name, f"row {row}: must be NaN (absent) or finite >= 0, got {values[row]!r}")
    bid, ask = columns["bid"], columns["ask"]
    crossed = bid > ask  # False wherever either side is NaN
    if crossed.any():
        row = _first_row(crossed)
        raise fail("bid", f"row {row}: bid {bid[row]!r} is above ask {ask[row]!r} (crossed)")


def _check_counts(columns: Mapping[str, npt.NDArray[Any]]) -> None:
    for name in ("bid_size", "ask_size", "volume", "open_interest"):
        negative = columns[name] < 0
        if negative.any():
            row = _first_row(negative)
            raise fail(name, f"row {row}: must be >= 0, got {columns[name][row]}")


def _check_unique_contracts(columns: Mapping[str, npt.NDArray[Any]]) -> None:
    if len(columns["strike"]) < 2:
        return
    _, root_codes = np.unique(columns["root"].astype(str), return_inverse=True)
    keys = (columns["strike"], columns["is_call"], columns["expiry_ns"], root_codes)
    order = np.lexsort(keys)
    same = np.ones(len(order) - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    if same.any():
        row = int(order[_first_row(same) + 1])
        raise fail("strike", f"row {row}: the same contract appears twice in the chain")


def validate_columns(columns: Mapping[str, npt.NDArray[Any]], ts_ns: int) -> None:
    """Equal lengths, strikes > 0, live expiries, sane prices/sizes, one row per contract."""
    length = len(columns["strike"])
    for name in COLUMN_NAMES:
        if len(columns[name]) != length:
            raise fail(name, f"length {len(columns[name])} differs from strike's length {length}")
    strike = columns["strike"]
    bad_strike = ~(np.isfinite(strike) & (strike > 0) & (strike <= MAX_STRIKE_MILLI / 1000))
    if bad_strike.any():
        row = _first_row(bad_strike)
        raise fail("strike", f"row {row}: must be > 0 and <= 99999.999, got {strike[row]!r}")
    milli = strike * 1000
    off_grid = np.abs(milli - np.rint(milli)) > _MILLI_TOLERANCE
    if off_grid.any():
        row = _first_row(off_grid)
        raise fail("strike", f"row {row}: {strike[row]!r} is not a whole number of thousandths")
    expired = columns["expiry_ns"] < ts_ns
    if expired.any():
        row = _first_row(expired)
        raise fail("expiry_ns", f"row {row}: contract expired before the snapshot time ts_ns")
    _check_prices(columns)
    _check_counts(columns)
    _check_unique_contracts(columns)

"""Input handling shared by the pricing functions: broadcast, coerce, flatten.

Every public pricing function accepts scalars or numpy arrays (or anything ``np.asarray`` takes)
for each contract parameter. They are broadcast together with numpy's rules; shapes that do not
broadcast raise ``ValueError`` naming the offending argument. The kernels then run over flat,
C-contiguous ``float64`` (and ``bool`` for ``is_call``) arrays and results are reshaped back.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "as_flat_inputs"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _as_array(name: str, value: Any, dtype: type) -> npt.NDArray[Any]:
    if type(value) is float and dtype is np.float64:  # the common scalar: skip the checks
        return np.float64(value)  # type: ignore[return-value]
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise ValueError(f"{name}: cannot be read as an array ({exc})") from exc
    if dtype is np.bool_:
        if arr.dtype != np.bool_:
            raise ValueError(f"{name}: must be boolean (True = call), got dtype {arr.dtype}")
        return arr
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: must be numeric, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _common_shape(names: list[str], arrays: list[npt.NDArray[Any]]) -> tuple[int, ...]:
    shapes = {a.shape for a in arrays if a.ndim}
    if len(shapes) <= 1:
        return shapes.pop() if shapes else ()
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    shape: tuple[int, ...] = ()
    for name, arr in zip(names, arrays, strict=True):  # find the first one that disagrees
        try:
            shape = np.broadcast_shapes(shape, arr.shape)
        except ValueError:
            raise ValueError(
                f"{name}: shape {arr.shape} does not broadcast with the other inputs "
                f"(shape so far {shape})"
            ) from None
    raise AssertionError  # unreachable: some pair failed above


def _flat(arr: npt.NDArray[Any], shape: tuple[int, ...], size: int) -> npt.NDArray[Any]:
    if arr.shape == shape and arr.flags.c_contiguous:
        return arr.reshape(-1)
    if arr.ndim == 0:
        return np.full(size, arr, dtype=arr.dtype)
    return np.ascontiguousarray(np.broadcast_to(arr, shape)).reshape(-1)


def as_flat_inputs(
    floats: dict[str, Any], is_call: Any | None = None
) -> tuple[tuple[int, ...], list[FloatArray], BoolArray | None]:
    """Broadcast the named inputs together; return (shape, flat float arrays, flat is_call).

    Raises ``ValueError`` naming the first argument whose shape does not broadcast with the
    ones before it, or whose dtype is not numeric (boolean for ``is_call``).
    """
    arrays: list[npt.NDArray[Any]] = []
    names: list[str] = []
    for name, value in floats.items():
        arrays.append(_as_array(name, value, np.float64))
        names.append(name)
    if is_call is not None:
        arrays.append(_as_array("is_call", is_call, np.bool_))
        names.append("is_call")
    shape = _common_shape(names, arrays)
    size = math.prod(shape)
    flat = [_flat(a, shape, size) for a in arrays]
    if is_call is not None:
        calls = flat.pop()
        return shape, flat, calls
    return shape, flat, None

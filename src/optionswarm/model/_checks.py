"""Field checks shared by the ``__post_init__`` of every domain type.

Each helper reads ``obj.<name>``, validates it, and (for lossless coercions such as ``int -> float``
on a float field, or ``"buy" -> Side.BUY``) writes the normalised value back, so that two equal
values always encode to the same bytes. Every failure raises ``ModelValidationError(name, ...)``.
"""

from __future__ import annotations

import enum
import math
import re
from typing import Any, TypeVar

import msgspec
import numpy as np
from msgspec.structs import force_setattr

from optionswarm.model._errors import ModelValidationError

__all__ = [
    "MAX_TS_NS",
    "coerce_scalar",
    "enum_field",
    "fail",
    "float_field",
    "int_field",
    "optional_float_field",
    "optional_text_field",
    "reason_code_field",
    "text_field",
    "ts_field",
    "unit_field",
]

MAX_TS_NS = 2**63 - 1
_REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_E = TypeVar("_E", bound=enum.Enum)


def fail(field: str, reason: str) -> ModelValidationError:
    """Build the error for ``field`` (callers ``raise fail(...)`` so flow stays visible)."""
    return ModelValidationError(field, reason)


def _type_name(value: object) -> str:
    return type(value).__name__


def int_field(
    obj: msgspec.Struct, name: str, *, min_value: int | None = None, max_value: int | None = None
) -> int:
    """Require a true ``int`` (``bool`` and ``float`` are rejected) within the bounds."""
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(name, f"must be an int, got {_type_name(value)} {value!r}")
    if min_value is not None and value < min_value:
        raise fail(name, f"must be >= {min_value}, got {value}")
    if max_value is not None and value > max_value:
        raise fail(name, f"must be <= {max_value}, got {value}")
    return value


def ts_field(obj: msgspec.Struct, name: str = "ts_ns") -> int:
    """A UTC timestamp in integer nanoseconds, within int64."""
    return int_field(obj, name, min_value=0, max_value=MAX_TS_NS)


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(name, f"must be a number, got {_type_name(value)} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise fail(name, f"must be finite, got {number!r}")
    return number


def float_field(
    obj: msgspec.Struct,
    name: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    positive: bool = False,
) -> float:
    """Require a finite number (``int`` accepted and stored as ``float``) within the bounds.

    ``-0.0`` is stored as ``0.0`` so that equal values always encode to the same bytes.
    """
    value = getattr(obj, name)
    number = _as_float(name, value) + 0.0  # IEEE: -0.0 + 0.0 == +0.0
    if positive and not number > 0.0:
        raise fail(name, f"must be > 0, got {number!r}")
    if min_value is not None and number < min_value:
        raise fail(name, f"must be >= {min_value}, got {number!r}")
    if max_value is not None and number > max_value:
        raise fail(name, f"must be <= {max_value}, got {number!r}")
    if type(value) is not float or (number == 0.0 and math.copysign(1.0, value) < 0):
        force_setattr(obj, name, number)
    return number


def optional_float_field(
    obj: msgspec.Struct, name: str, *, min_value: float | None = None
) -> float | None:
    """Like ``float_field`` but ``None`` is allowed."""
    if getattr(obj, name) is None:
        return None
    return float_field(obj, name, min_value=min_value)


def unit_field(obj: msgspec.Struct, name: str) -> float:
    """A finite number in the closed interval [0, 1]."""
    return float_field(obj, name, min_value=0.0, max_value=1.0)


def text_field(
    obj: msgspec.Struct, name: str, *, max_len: int = 256, allow_empty: bool = False
) -> str:
    """A ``str`` without control characters or surrounding whitespace, at most ``max_len`` long."""
    value = getattr(obj, name)
    if not isinstance(value, str):
        raise fail(name, f"must be a str, got {_type_name(value)} {value!r}")
    if not value:
        if allow_empty:
            return value
        raise fail(name, "must not be empty")
    if len(value) > max_len:
        raise fail(name, f"must be at most {max_len} characters, got {len(value)}")
    if value != value.strip():
        raise fail(name, f"must not start or end with whitespace, got {value!r}")
    if not value.isprintable():
        raise fail(name, f"must not contain control characters, got {value!r}")
    return value


def optional_text_field(obj: msgspec.Struct, name: str, *, max_len: int = 256) -> str | None:
    """Like ``text_field`` but ``None`` is allowed."""
    if getattr(obj, name) is None:
        return None
    return text_field(obj, name, max_len=max_len)


def reason_code_field(obj: msgspec.Struct, name: str) -> str:
    """A machine-readable reason code: lower-case snake_case, 1-64 characters."""
    value = getattr(obj, name)
    if not isinstance(value, str) or _REASON_CODE.fullmatch(value) is None:
        raise fail(
            name, f"must be a snake_case reason code like 'insufficient_data', got {value!r}"
        )
    return value


def enum_field(obj: msgspec.Struct, name: str, enum_type: type[_E]) -> _E:
    """A member of ``enum_type``; its value (e.g. ``"buy"``) is accepted and normalised."""
    value = getattr(obj, name)
    if isinstance(value, enum_type):
        return value
    try:
        member = enum_type(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(m.value) for m in enum_type)
        raise fail(name, f"must be one of {allowed}, got {value!r}") from None
    force_setattr(obj, name, member)
    return member


def coerce_scalar(value: Any) -> Any:
    """Turn numpy scalars into Python ``int``/``float``/``bool``; leave everything else alone."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value

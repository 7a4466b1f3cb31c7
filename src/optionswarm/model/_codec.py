"""Canonical encoding: deterministic JSON bytes for every domain type, so records can be hashed.

``encode`` writes struct fields and dict keys in sorted order with msgspec's shortest round-trip
float formatting; equal values give equal bytes. ``decode`` validates fully and raises only
``ModelValidationError`` (malformed JSON: field ``"$"``; wrong type: the JSON path; bad value: the
field named by the model). A ``ChainSnapshot`` travels as its ``to_dict`` form.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final, TypeVar

import msgspec

from optionswarm.model._chain import ChainSnapshot
from optionswarm.model._errors import ModelValidationError

__all__ = ["DEFAULT_MAX_BYTES", "decode", "digest", "encode"]

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
_T = TypeVar("_T")
_ENCODER = msgspec.json.Encoder(order="sorted")
_PATH = re.compile(r" - at `(\$[^`]*)`$")


def encode(obj: object) -> bytes:
    """Deterministic JSON bytes of a domain value (structs, tuples and dicts of them)."""
    if isinstance(obj, ChainSnapshot):
        return _ENCODER.encode(obj.to_dict())
    try:
        return _ENCODER.encode(obj)
    except (TypeError, msgspec.EncodeError) as error:
        raise ModelValidationError("$", f"cannot encode {type(obj).__name__}: {error}") from None


def digest(obj: object) -> str:
    """SHA-256 hex digest of ``encode(obj)``."""
    return hashlib.sha256(encode(obj)).hexdigest()


def _from_validation_error(error: msgspec.ValidationError) -> ModelValidationError:
    cause = error.__cause__
    message = str(error)
    match = _PATH.search(message)
    path = match.group(1) if match else "$"
    if isinstance(cause, ModelValidationError):
        where = f" (at {path})" if path != "$" else ""
        return ModelValidationError(cause.field, f"{cause.reason}{where}")
    field = path.rsplit(".", 1)[-1] if "." in path else path
    return ModelValidationError(field, message)


def decode(data: bytes | str, type: type[_T], *, max_bytes: int = DEFAULT_MAX_BYTES) -> _T:
    """Parse and validate JSON into ``type``; raises ``ModelValidationError`` on any problem."""
    if len(data) > max_bytes:
        raise ModelValidationError("$", f"payload of {len(data)} bytes exceeds {max_bytes}")
    try:
        if type is ChainSnapshot:
            raw = msgspec.json.decode(data, type=dict[str, Any])
            return ChainSnapshot.from_dict(raw)  # type: ignore[return-value]  # type is ChainSnapshot
        return msgspec.json.decode(data, type=type)
    except msgspec.ValidationError as error:
        raise _from_validation_error(error) from error
    except msgspec.DecodeError as error:
        raise ModelValidationError("$", f"malformed JSON: {error}") from None

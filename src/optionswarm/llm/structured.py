"""Structured output: a JSON schema for the engine to decode under, and strict validation.

The schema constrains decoding where the engine supports it; validation runs on every answer
regardless (a remote server may ignore the schema, a cached answer came from an older
schema). Anything that does not decode into the target type — bad JSON, an unknown or
missing field, a value outside the allowed set, an oversize string — is an
``InvalidOutputError``, never a default.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from optionswarm.llm._errors import InvalidOutputError

__all__ = ["canonical_schema", "parse_answer"]

T = TypeVar("T")

_MAX_ANSWER_BYTES = 16_384


def canonical_schema(schema: dict[str, Any]) -> str:
    """The schema as canonical JSON text (sorted keys), as ``ChatRequest.schema`` holds it."""
    return msgspec.json.encode(schema, order="sorted").decode()


def parse_answer(text: str, answer_type: type[T]) -> T:
    """Decode ``text`` strictly into ``answer_type``; ``InvalidOutputError`` on any defect."""
    stripped = text.strip()
    if not stripped:
        raise InvalidOutputError("the model returned no text")
    if len(stripped.encode("utf-8")) > _MAX_ANSWER_BYTES:
        raise InvalidOutputError(f"the answer exceeds {_MAX_ANSWER_BYTES} bytes")
    try:
        return msgspec.json.decode(stripped, type=answer_type, strict=True)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise InvalidOutputError(f"invalid answer: {exc}") from exc

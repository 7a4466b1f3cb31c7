"""The one error the domain model raises for bad values.

``ModelValidationError`` (a ``ValueError``) carries ``.field`` (the offending field name) and
``.reason`` (a human sentence). Its message always starts with ``"<field>: "``.

What callers catch:

* building a type in Python (``Quote(...)``, ``Quote.checked(...)``, ``OccSymbol.parse(...)``,
  ``ChainSnapshot.from_arrays(...)``) raises ``ModelValidationError``;
* ``optionswarm.model.decode(data, type)`` also raises ``ModelValidationError`` (for malformed
  JSON, wrong types and bad values alike; ``.field`` is the field or the JSON path);
* calling ``msgspec.json.decode(..., type=X)`` directly raises ``msgspec.ValidationError`` instead:
  msgspec wraps errors raised in ``__post_init__``. The message still starts with the field name and
  the original ``ModelValidationError`` is its ``__cause__``. Prefer ``decode`` from this package.
"""

from __future__ import annotations

__all__ = ["ModelValidationError"]


class ModelValidationError(ValueError):
    """A value from outside failed validation; ``field`` names the offending field."""

    field: str
    reason: str

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[ModelValidationError], tuple[str, str]]:
        return (type(self), (self.field, self.reason))

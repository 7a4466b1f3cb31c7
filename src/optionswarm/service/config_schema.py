"""``ConfigChanges``: every changeable setting as a dotted key with its own type and bounds.

Built from ``Settings`` (one level of sections), so the OpenAPI document lists exactly the keys a
``PATCH /api/config`` may change, each with its schema; unknown keys and the locked ``api``
keys (users file, secret file, state dir, host) are refused by validation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    create_model,
    model_validator,
)

from optionswarm.config import Settings

__all__ = ["LOCKED_KEYS", "ConfigChanges", "changeable_keys"]

LOCKED_KEYS = frozenset({"api.users_file", "api.secret_file", "api.state_dir", "api.host"})


def changeable_keys() -> dict[str, tuple[Any, Any]]:
    """``dotted key -> (annotation, FieldInfo)`` of every setting the API may change."""
    keys: dict[str, tuple[Any, Any]] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            for sub, info in section.model_fields.items():
                keys[f"{name}.{sub}"] = (info.annotation, info)
        else:
            keys[name] = (field.annotation, field)
    return {k: v for k, v in keys.items() if k not in LOCKED_KEYS}


def _strictness(annotation: Any) -> list[Any]:
    """Strict scalars (no ``"5"`` for 5); dates only as ISO strings."""
    if annotation in (int, float, bool, str):
        return [Strict()]
    if annotation is dt.date:
        return [BeforeValidator(_iso_date)]
    return []


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("a date must be a YYYY-MM-DD string")
    return dt.date.fromisoformat(value)


def _at_least_one(model: BaseModel) -> BaseModel:
    if not model.model_fields_set:
        raise ValueError("name at least one setting to change")
    return model


def _build() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for key, (annotation, info) in changeable_keys().items():
        metadata = [*info.metadata, *_strictness(annotation)]
        typed = Annotated[annotation, *metadata] if metadata else annotation
        fields[key.replace(".", "__")] = (typed, Field(default=None, alias=key))
    model: type[BaseModel] = create_model(
        "ConfigChanges",
        __config__=ConfigDict(
            extra="forbid",
            frozen=True,
            populate_by_name=False,
            json_schema_extra={"minProperties": 1},
        ),
        __validators__={"_one": cast(Any, model_validator(mode="after")(_at_least_one))},
        **fields,
    )
    model.__doc__ = "Settings to change, by dotted key (at least one)."
    return model


ConfigChanges = _build()

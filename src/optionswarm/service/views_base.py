"""Base types of the service's views: response and request bases, nullable numbers, dates."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Num = Annotated[float | None, BeforeValidator(_finite_or_none)]
Role = Literal["viewer", "trader", "approver", "admin"]
__all__ = ["ID_PATTERN", "SYMBOL_PATTERN", "IsoDate", "Num", "Request", "Role", "View"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
SYMBOL_PATTERN = r"^[A-Za-z0-9^][A-Za-z0-9 ._^\-]{0,31}$"


class View(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(frozen=True)


class Request(BaseModel):
    """Base of every request model: unknown fields and loose types (``"1"`` for 1) are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a YYYY-MM-DD date") from None
    raise ValueError("a date must be a YYYY-MM-DD string")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

"""The base of every domain struct: immutable, keyword-only, strict about unknown fields."""

from __future__ import annotations

import msgspec

__all__ = ["DomainStruct"]


class DomainStruct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Frozen, keyword-only msgspec struct; decoding rejects fields it does not know."""

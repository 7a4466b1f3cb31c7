"""Storage ports and their implementations (transactional, time-series, cold, hot, vector)."""

from __future__ import annotations

import importlib
from typing import Any

__all__: list[str] = []

# Time-series, hot, cold and quarantine stores (data layer). Re-exported lazily so that importing
# one store (e.g. ``storage.sql``) does not load DuckDB and pyarrow.
_LAZY_EXPORTS: dict[str, str] = {
    "ChainSeries": "optionswarm.storage.series",
    "ChainStore": "optionswarm.storage.chains",
    "ColdArchive": "optionswarm.storage.cold",
    "CompactionReport": "optionswarm.storage.cold",
    "HotStore": "optionswarm.storage.hot",
    "InProcessHotStore": "optionswarm.storage.hot",
    "QuarantineStore": "optionswarm.storage.quarantine",
    "StagedFiles": "optionswarm.storage.atomic",
}
__all__ += [
    "ChainSeries",
    "ChainStore",
    "ColdArchive",
    "CompactionReport",
    "HotStore",
    "InProcessHotStore",
    "QuarantineStore",
    "StagedFiles",
]


def __getattr__(name: str) -> Any:
    module = _LAZY_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

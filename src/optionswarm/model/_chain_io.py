"""Transport forms of a ``ChainSnapshot``: a JSON-ready dict and a pyarrow Table.

Imported lazily by ``ChainSnapshot`` so that importing the model does not import pyarrow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from optionswarm.model._chain_columns import COLUMN_DTYPES, COLUMN_NAMES
from optionswarm.model._checks import fail

__all__ = [
    "ARROW_METADATA_KEY",
    "ARROW_SCHEMA",
    "chain_parts_from_arrow",
    "chain_parts_from_dict",
    "chain_to_arrow",
    "chain_to_dict",
]

ARROW_METADATA_KEY = b"optionswarm.chain"
SCALAR_NAMES = ("underlying", "ts_ns", "spot", "rate", "dividend_yield", "modelled", "source")
_REQUIRED_SCALARS = ("underlying", "ts_ns", "spot")
ARROW_SCHEMA = pa.schema(
    [
        pa.field("root", pa.string(), nullable=False),
        pa.field("expiry_ns", pa.int64(), nullable=False),
        pa.field("strike", pa.float64(), nullable=False),
        pa.field("is_call", pa.bool_(), nullable=False),
        pa.field("bid", pa.float64()),
        pa.field("ask", pa.float64()),
        pa.field("bid_size", pa.int64(), nullable=False),
        pa.field("ask_size", pa.int64(), nullable=False),
        pa.field("volume", pa.int64(), nullable=False),
        pa.field("open_interest", pa.int64(), nullable=False),
        pa.field("iv", pa.float64()),
        pa.field("quality_flags", pa.uint32(), nullable=False),
    ]
)
Parts = tuple[dict[str, Any], dict[str, Any]]


def _column_to_list(values: npt.NDArray[Any]) -> list[Any]:
    if values.dtype.kind == "f":
        return [None if np.isnan(v) else v for v in values.tolist()]
    as_list: list[Any] = values.tolist()
    return as_list


def chain_to_dict(
    scalars: Mapping[str, Any], columns: Mapping[str, npt.NDArray[Any]]
) -> dict[str, Any]:
    """Scalars and one plain list per column; NaN becomes ``None``."""
    out = dict(scalars)
    out.update({name: _column_to_list(values) for name, values in columns.items()})
    return out


def _split_scalars(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    missing = [name for name in _REQUIRED_SCALARS if name not in data]
    if missing:
        raise fail(missing[0], f"is missing from the {where}")
    return {name: data[name] for name in SCALAR_NAMES if name in data}


def _list_to_column(name: str, values: Any) -> Any:
    if not isinstance(values, list | tuple | np.ndarray):
        raise fail(name, f"must be a list, got {type(values).__name__}")
    if COLUMN_DTYPES[name].kind == "f":
        return np.array(values, dtype=object)  # null becomes NaN, checked in coerce_column
    if any(v is None for v in values):
        raise fail(name, "must not hold null")
    return np.array(values)


def chain_parts_from_dict(data: Mapping[str, Any]) -> Parts:
    """Split a ``to_dict`` mapping into (scalars, columns); unknown keys are rejected."""
    if not isinstance(data, Mapping):
        raise fail("chain", f"must be a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - set(SCALAR_NAMES) - set(COLUMN_NAMES))
    if unknown:
        raise fail(unknown[0], "is not a field of ChainSnapshot")
    scalars = _split_scalars(data, "chain dict")
    columns = {}
    for name in COLUMN_NAMES:
        if name not in data:
            raise fail(name, "is missing from the chain dict")
        columns[name] = _list_to_column(name, data[name])
    return scalars, columns


def chain_to_arrow(scalars: Mapping[str, Any], columns: Mapping[str, npt.NDArray[Any]]) -> pa.Table:
    """A Table in ``ARROW_SCHEMA``; NaN prices become nulls; scalars go to the schema metadata."""
    arrays = []
    for field in ARROW_SCHEMA:
        values = columns[field.name]
        if field.name == "root":
            arrays.append(pa.array(values.tolist(), type=field.type))
        elif values.dtype.kind == "f":
            arrays.append(pa.array(values, type=field.type, mask=np.isnan(values)))
        else:
            arrays.append(pa.array(values, type=field.type))
    metadata = {ARROW_METADATA_KEY: json.dumps(dict(scalars), sort_keys=True).encode()}
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA.with_metadata(metadata))


def chain_parts_from_arrow(table: pa.Table) -> Parts:
    """Split a Table written by ``chain_to_arrow`` into (scalars, columns)."""
    if not isinstance(table, pa.Table):
        raise fail("table", f"must be a pyarrow.Table, got {type(table).__name__}")
    raw = (table.schema.metadata or {}).get(ARROW_METADATA_KEY)
    if raw is None:
        raise fail("metadata", f"the table has no {ARROW_METADATA_KEY.decode()!r} schema metadata")
    try:
        meta = json.loads(raw)
    except ValueError:
        raise fail("metadata", "the chain metadata is not valid JSON") from None
    if not isinstance(meta, dict):
        raise fail("metadata", "the chain metadata must be a JSON object")
    scalars = _split_scalars(meta, "table metadata")
    columns: dict[str, Any] = {}
    for name in COLUMN_NAMES:
        if name not in table.column_names:
            raise fail(name, "is missing from the table")
        column = table.column(name)
        if COLUMN_DTYPES[name].kind != "f" and column.null_count:
            raise fail(name, "must not hold nulls")
        columns[name] = column.to_numpy(zero_copy_only=False)
    return scalars, columns

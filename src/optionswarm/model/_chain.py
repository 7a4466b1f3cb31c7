"""``ChainSnapshot``: one underlying's option chain at one instant, held column by column.

Every per-contract field is a read-only numpy array of the same length, so pricing and Greeks run
on the whole chain at once. Arrays are copied and frozen on construction, so a snapshot never
changes after it is built. A snapshot is not JSON-encodable as a struct: use ``to_dict`` /
``from_dict`` (JSON-ready) or ``to_arrow`` / ``from_arrow`` (Parquet, IPC), or
``optionswarm.model.encode`` / ``decode``, which use ``to_dict`` for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
from msgspec.structs import force_setattr

from optionswarm.model._base import DomainStruct
from optionswarm.model._chain_columns import COLUMN_NAMES, coerce_column, validate_columns
from optionswarm.model._checks import fail, float_field, text_field, ts_field
from optionswarm.model._expiry import NS_PER_YEAR, expiry_date_of

__all__ = ["ChainSnapshot"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_SCALARS = ("underlying", "ts_ns", "spot", "rate", "dividend_yield", "modelled", "source")


class ChainSnapshot(DomainStruct, frozen=True, kw_only=True, eq=False):
    """An option chain at ``ts_ns``; build it with ``ChainSnapshot.from_arrays``.

    ``rate`` and ``dividend_yield`` are continuously compounded. ``bid``/``ask``/``iv`` are NaN
    where absent. ``expiry_ns`` is the expiry instant (UTC ns, see ``expiry_instant_ns``).
    ``modelled`` marks a chain produced by a model rather than quoted by a market (provenance).
    """

    underlying: str
    ts_ns: int
    spot: float
    root: npt.NDArray[np.object_]
    expiry_ns: IntArray
    strike: FloatArray
    is_call: BoolArray
    bid: FloatArray
    ask: FloatArray
    bid_size: IntArray
    ask_size: IntArray
    volume: IntArray
    open_interest: IntArray
    iv: FloatArray
    quality_flags: npt.NDArray[np.uint32]
    rate: float = 0.0
    dividend_yield: float = 0.0
    modelled: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        text_field(self, "underlying", max_len=32)
        ts = ts_field(self)
        float_field(self, "spot", positive=True)
        float_field(self, "rate", min_value=-1.0, max_value=1.0)
        float_field(self, "dividend_yield", min_value=-1.0, max_value=1.0)
        if not isinstance(self.modelled, bool):
            raise fail("modelled", f"must be a bool, got {self.modelled!r}")
        text_field(self, "source", max_len=128, allow_empty=True)
        columns = {name: coerce_column(name, getattr(self, name)) for name in COLUMN_NAMES}
        validate_columns(columns, ts)
        for name, values in columns.items():
            force_setattr(self, name, values)

    @classmethod
    def from_arrays(
        cls,
        *,
        underlying: str,
        ts_ns: int,
        spot: float,
        root: str | npt.ArrayLike,
        expiry_ns: npt.ArrayLike,
        strike: npt.ArrayLike,
        is_call: npt.ArrayLike,
        bid: npt.ArrayLike,
        ask: npt.ArrayLike,
        rate: float = 0.0,
        dividend_yield: float = 0.0,
        modelled: bool = False,
        bid_size: npt.ArrayLike | None = None,
        ask_size: npt.ArrayLike | None = None,
        volume: npt.ArrayLike | None = None,
        open_interest: npt.ArrayLike | None = None,
        iv: npt.ArrayLike | None = None,
        quality_flags: npt.ArrayLike | None = None,
        source: str = "",
    ) -> ChainSnapshot:
        """Validate, copy and freeze the columns; a str ``root`` is repeated on every row.

        Sizes, volume, open interest and flags default to 0 and ``iv`` to NaN.
        """
        length = len(np.asarray(strike).reshape(-1))
        zeros = np.zeros(length, dtype=np.int64)
        columns: dict[str, Any] = {
            "root": np.full(length, root, dtype=object) if isinstance(root, str) else root,
            "expiry_ns": expiry_ns,
            "strike": strike,
            "is_call": is_call,
            "bid": bid,
            "ask": ask,
            "bid_size": zeros if bid_size is None else bid_size,
            "ask_size": zeros if ask_size is None else ask_size,
            "volume": zeros if volume is None else volume,
            "open_interest": zeros if open_interest is None else open_interest,
            "iv": np.full(length, np.nan) if iv is None else iv,
            "quality_flags": zeros.astype(np.uint32) if quality_flags is None else quality_flags,
        }
        return cls(
            underlying=underlying,
            ts_ns=ts_ns,
            spot=spot,
            rate=rate,
            dividend_yield=dividend_yield,
            modelled=modelled,
            source=source,
            **columns,
        )

    def __len__(self) -> int:
        return len(self.strike)

    def __repr__(self) -> str:
        return (
            f"ChainSnapshot(underlying={self.underlying!r}, ts_ns={self.ts_ns}, spot={self.spot},"
            f" rows={len(self)}, expiries={len(self.expiries())}, modelled={self.modelled})"
        )

    @property
    def mid(self) -> FloatArray:
        """(bid + ask) / 2 per row; NaN where either side is absent."""
        return (self.bid + self.ask) / 2.0

    @property
    def spread(self) -> FloatArray:
        """ask - bid per row; NaN where either side is absent."""
        return self.ask - self.bid

    @property
    def is_put(self) -> BoolArray:
        """Logical not of ``is_call``."""
        return ~self.is_call

    def time_to_expiry(self, ts_ns: int | None = None) -> FloatArray:
        """Years (ACT/365 on nanoseconds) from ``ts_ns`` (default: the snapshot time) to expiry."""
        now = self.ts_ns if ts_ns is None else ts_ns
        return (self.expiry_ns - now).astype(np.float64) / NS_PER_YEAR

    def expiries(self) -> IntArray:
        """Distinct expiry instants, ascending."""
        return np.unique(self.expiry_ns)

    def expiry_dates(self) -> list[dt.date]:
        """Distinct expiry dates (New York calendar), ascending."""
        return [expiry_date_of(int(ns)) for ns in self.expiries()]

    def occ_symbols(self) -> list[str]:
        """The 21-character OSI symbol of every row, in row order."""
        dates = {int(ns): f"{expiry_date_of(int(ns)):%y%m%d}" for ns in self.expiries()}
        rights = np.where(self.is_call, "C", "P")
        milli = np.rint(self.strike * 1000).astype(np.int64)
        return [
            f"{root:<6}{dates[ns]}{right}{m:08d}"
            for root, ns, right, m in zip(
                self.root.tolist(),
                self.expiry_ns.tolist(),
                rights.tolist(),
                milli.tolist(),
                strict=True,
            )
        ]

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The per-row arrays by name (read-only views, storage order)."""
        return {name: getattr(self, name) for name in COLUMN_NAMES}

    def scalars(self) -> dict[str, Any]:
        """The snapshot-wide fields by name."""
        return {name: getattr(self, name) for name in _SCALARS}

    def slice(self, selector: npt.ArrayLike) -> ChainSnapshot:
        """The rows picked by a boolean mask (length ``len(self)``) or by integer positions."""
        index = np.asarray(selector)
        if index.dtype.kind == "b" and index.shape != (len(self),):
            raise fail("mask", f"boolean mask has shape {index.shape}, chain has {len(self)} rows")
        if index.dtype.kind not in "biu":
            raise fail("mask", f"must be a boolean mask or integer positions, got {index.dtype}")
        return self._rebuild({name: values[index] for name, values in self.columns().items()})

    def for_expiry(self, expiry_ns: int) -> ChainSnapshot:
        """The rows expiring at ``expiry_ns``."""
        return self.slice(self.expiry_ns == expiry_ns)

    def sorted(self) -> ChainSnapshot:
        """Rows ordered by expiry, root, strike, then call before put."""
        _, root_codes = np.unique(self.root.astype(str), return_inverse=True)
        order = np.lexsort((~self.is_call, self.strike, root_codes, self.expiry_ns))
        return self.slice(order)

    def with_columns(self, **columns: npt.ArrayLike) -> ChainSnapshot:
        """A new snapshot with some columns replaced (e.g. ``iv=solved``), fully revalidated."""
        unknown = sorted(set(columns) - set(COLUMN_NAMES))
        if unknown:
            raise fail(unknown[0], f"is not a chain column; columns are {', '.join(COLUMN_NAMES)}")
        return self._rebuild({**self.columns(), **columns})

    def _rebuild(self, columns: Mapping[str, Any]) -> ChainSnapshot:
        return ChainSnapshot(**self.scalars(), **columns)

    def equals(self, other: object) -> bool:
        """Same scalars and same columns (NaN equal to NaN)."""
        if not isinstance(other, ChainSnapshot) or self.scalars() != other.scalars():
            return False
        return all(
            np.array_equal(mine, theirs, equal_nan=mine.dtype.kind == "f")
            for mine, theirs in zip(self.columns().values(), other.columns().values(), strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: scalars plus one list per column (NaN becomes ``None``)."""
        as_dict: dict[str, Any] = _io().chain_to_dict(self.scalars(), self.columns())
        return as_dict

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChainSnapshot:
        """Inverse of ``to_dict`` (``None`` in a float column becomes NaN); fully validated."""
        scalars, columns = _io().chain_parts_from_dict(data)
        return cls(**scalars, **columns)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table``, one column per array, scalars in the schema metadata."""
        return _io().chain_to_arrow(self.scalars(), self.columns())

    @classmethod
    def from_arrow(cls, table: Any) -> ChainSnapshot:
        """Inverse of ``to_arrow``; fully validated."""
        scalars, columns = _io().chain_parts_from_arrow(table)
        return cls(**scalars, **columns)


def _io() -> ModuleType:
    """The transport module, imported on first use so that pyarrow (~0.2 s) stays off import."""
    import optionswarm.model._chain_io as chain_io  # noqa: PLC0415 -- deferred on purpose

    return chain_io

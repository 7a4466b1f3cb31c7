"""The canonical long-format chain table: one row per contract per quote time, keyed by OSI symbol.

Whatever the source (modelled, CBOE DataShop, ORATS, a mapped layout), chains become this Arrow
schema before validation and storage. Every row carries its ``root``, ``exercise`` and
``settlement`` (settlement and margin depend on them: SPX monthlies are AM-settled, SPXW
PM-settled), provenance (``modelled``, ``source``) and ``quality_flags`` (``QualityFlag`` bits
0-15 from the model, ``DataFlag`` bits 16+ for import marks).

``occ_symbols`` builds the 21-character OSI strings for a whole column at once (byte arithmetic in
numpy, no per-row Python); tests check it against ``model.OccSymbol.format``.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from optionswarm.model import (
    CASH_SETTLED_INDEX_ROOTS,
    NS_PER_YEAR,
    ChainSnapshot,
    ExerciseStyle,
    SettlementStyle,
    expiry_date_of,
    expiry_instant_ns,
)

__all__ = [
    "CANONICAL_SCHEMA",
    "DataFlag",
    "codes_of",
    "column_from_codes",
    "contract_terms",
    "expiry_instants",
    "implied_spot",
    "occ_symbols",
    "repeated",
    "snapshot_to_table",
    "table_to_snapshot",
]


class DataFlag(enum.IntFlag):
    """Import-time quality marks (bits 16+ of ``quality_flags``; bits 0-15 are ``QualityFlag``)."""

    CROSSED = 1 << 16  # bid above ask by no more than the validator's tolerance
    BELOW_INTRINSIC = 1 << 17  # mid below intrinsic value (by more than a tick)
    PLACEHOLDER = 1 << 18  # a vendor placeholder (998/999 price, -99.99 IV) read as missing
    IV_MISSING = 1 << 19  # no implied vol given


CANONICAL_SCHEMA = pa.schema(
    [
        pa.field("underlying", pa.string(), nullable=False),
        pa.field("ts_ns", pa.int64(), nullable=False),
        pa.field("occ_symbol", pa.string(), nullable=False),
        pa.field("root", pa.string(), nullable=False),
        pa.field("expiry", pa.date32(), nullable=False),
        pa.field("expiry_ns", pa.int64(), nullable=False),
        pa.field("strike", pa.float64(), nullable=False),
        pa.field("is_call", pa.bool_(), nullable=False),
        pa.field("exercise", pa.string(), nullable=False),
        pa.field("settlement", pa.string(), nullable=False),
        pa.field("bid", pa.float64()),
        pa.field("ask", pa.float64()),
        pa.field("bid_size", pa.int64()),
        pa.field("ask_size", pa.int64()),
        pa.field("volume", pa.int64()),
        pa.field("open_interest", pa.int64()),
        pa.field("iv", pa.float64()),
        pa.field("delta", pa.float64()),
        pa.field("spot", pa.float64()),
        pa.field("rate", pa.float64()),
        pa.field("dividend_yield", pa.float64()),
        pa.field("quality_flags", pa.uint32(), nullable=False),
        pa.field("modelled", pa.bool_(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
    ]
)

# ASCII digits of 0..9999 as one little-endian uint32 each: strike formatting is a table gather.
_TABLE4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), "<u4")
_OSI = np.dtype(
    {
        "names": ["root", "date", "right", "high", "low"],
        "formats": ["V6", "V6", "u1", "<u4", "<u4"],
        "offsets": [0, 6, 12, 13, 17],
        "itemsize": 21,
    }
)


def codes_of(values: Any, arrow_type: pa.DataType) -> tuple[list[Any], npt.NDArray[np.intp]]:
    """Distinct values and each row's index into them (Arrow hashing, no sort).

    A null becomes one more distinct value, ``None``, at the end of the list.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values), arrow_type)
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    distinct = encoded.dictionary.to_pylist()
    indices = pc.fill_null(encoded.indices, len(distinct))
    codes = indices.to_numpy(zero_copy_only=False).astype(np.intp)
    return [*distinct, None] if encoded.null_count else distinct, codes


def _fixed6(texts: list[str]) -> npt.NDArray[np.void]:
    raw = b"".join(f"{t:<6}"[:6].encode("ascii", errors="replace") for t in texts)
    return np.frombuffer(raw, dtype="V6")


def occ_symbols(
    root: Any, expiry: Any, is_call: npt.ArrayLike, strike_milli: Any
) -> pa.StringArray:
    """21-character padded OSI symbols, vectorised over whole columns (numpy or Arrow arrays).

    ``root``: 1-6 character roots; ``expiry``: dates (``datetime64[D]`` or Arrow ``date32``,
    years 2000-2099); ``is_call``: booleans; ``strike_milli``: strike x 1000, below 10^8.
    """
    roots, root_codes = codes_of(root, pa.string())
    dates, date_codes = codes_of(expiry, pa.date32())
    milli = np.asarray(strike_milli, dtype=np.int64)
    out = np.empty(milli.shape[0], dtype=_OSI)
    out["root"] = _fixed6([r or "" for r in roots])[root_codes]
    out["date"] = _fixed6([f"{d:%y%m%d}" if d else "000000" for d in dates])[date_codes]
    out["right"] = np.where(np.asarray(is_call, dtype=bool), ord("C"), ord("P"))
    out["high"] = _TABLE4[milli // 10_000]
    out["low"] = _TABLE4[milli % 10_000]
    offsets = np.arange(0, 21 * milli.shape[0] + 1, 21, dtype=np.int32)
    return pa.StringArray.from_buffers(
        milli.shape[0], pa.py_buffer(offsets), pa.py_buffer(out.view(np.uint8))
    )


def column_from_codes(codes: npt.NDArray[np.intp], values: list[str]) -> pa.Array:
    """A plain string column from per-row codes into a few distinct values (built in Arrow)."""
    indices = pa.array(codes.astype(np.int32), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).cast(pa.string())


def repeated(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` on every one of ``n`` rows."""
    return column_from_codes(np.zeros(n, dtype=np.intp), [value])


def contract_terms(roots: Any) -> tuple[pa.Array, pa.Array]:
    """Exercise style and settlement (model enum values) of each root, as string columns.

    Cash-settled index roots (``model.CASH_SETTLED_INDEX_ROOTS``) are European with their AM/PM
    settlement; every other root is American and PM-settled (equity and ETF options).
    """
    names, codes = codes_of(roots, pa.string())
    exercise = [
        (ExerciseStyle.EUROPEAN if r in CASH_SETTLED_INDEX_ROOTS else ExerciseStyle.AMERICAN).value
        for r in names
    ]
    settlement = [CASH_SETTLED_INDEX_ROOTS.get(r, SettlementStyle.PM).value for r in names]
    return column_from_codes(codes, exercise), column_from_codes(codes, settlement)


def expiry_instants(expiry: Any, settlement: Any) -> npt.NDArray[np.int64]:
    """Expiry instants (UTC ns): 09:30 New York for AM settlement, 16:00 for PM."""
    dates, date_codes = codes_of(expiry, pa.date32())
    styles, style_codes = codes_of(settlement, pa.string())
    table = np.array(
        [[expiry_instant_ns(d, SettlementStyle(s)) for s in styles] for d in dates],
        dtype=np.int64,
    ).reshape(len(dates), len(styles))
    return table[date_codes, style_codes]


def snapshot_to_table(chain: ChainSnapshot) -> pa.Table:
    """The canonical rows of a ``ChainSnapshot``."""
    n = len(chain)
    expiry = np.array([expiry_date_of(int(ns)) for ns in chain.expiries()], dtype="datetime64[D]")
    expiry_days = expiry[np.searchsorted(chain.expiries(), chain.expiry_ns)]
    exercise, settlement = contract_terms(chain.root)
    milli = np.rint(chain.strike * 1000).astype(np.int64)
    columns: dict[str, Any] = {
        "underlying": repeated(chain.underlying, n),
        "ts_ns": np.full(n, chain.ts_ns, dtype=np.int64),
        "occ_symbol": occ_symbols(chain.root, expiry_days, chain.is_call, milli),
        "root": pa.array(chain.root, pa.string()),
        "expiry": pa.array(expiry_days, pa.date32()),
        "expiry_ns": chain.expiry_ns,
        "strike": chain.strike,
        "is_call": chain.is_call,
        "exercise": exercise,
        "settlement": settlement,
        "bid": chain.bid,
        "ask": chain.ask,
        "bid_size": chain.bid_size,
        "ask_size": chain.ask_size,
        "volume": chain.volume,
        "open_interest": chain.open_interest,
        "iv": chain.iv,
        "delta": np.full(n, np.nan),
        "spot": np.full(n, chain.spot),
        "rate": np.full(n, chain.rate),
        "dividend_yield": np.full(n, chain.dividend_yield),
        "quality_flags": chain.quality_flags,
        "modelled": np.full(n, chain.modelled),
        "source": repeated(chain.source, n),
    }
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


def _floats(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _ints(table: pa.Table, name: str) -> npt.NDArray[np.int64]:
    column = pc.fill_null(table.column(name), 0)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def _scalar(values: npt.NDArray[np.float64], default: float) -> float:
    finite = values[np.isfinite(values)]
    return float(finite[0]) if finite.size else default


def implied_spot(table: pa.Table, rate: float = 0.0, dividend_yield: float = 0.0) -> float:
    """Spot implied by put-call parity on the nearest expiry (NaN if no strike has both sides).

    At each strike with call and put mids, ``F = K + (C - P) e^{rT}``; the strike with the
    smallest ``|C - P|`` (nearest the money) gives ``S = F e^{-(r - q) T}``.
    """
    mid = (_floats(table, "bid") + _floats(table, "ask")) / 2.0
    expiry_ns = _ints(table, "expiry_ns")
    ts = _ints(table, "ts_ns")
    is_call = np.asarray(table.column("is_call").to_numpy(zero_copy_only=False), dtype=bool)
    strike = _floats(table, "strike")
    for expiry in np.unique(expiry_ns[expiry_ns > ts]).tolist():
        rows = (expiry_ns == expiry) & np.isfinite(mid)
        calls = dict(
            zip(strike[rows & is_call].tolist(), mid[rows & is_call].tolist(), strict=True)
        )
        pairs = [
            (k, calls[k] - p)
            for k, p in zip(
                strike[rows & ~is_call].tolist(), mid[rows & ~is_call].tolist(), strict=True
            )
            if k in calls
        ]
        if pairs:
            k, gap = min(pairs, key=lambda pair: abs(pair[1]))
            years = (expiry - int(ts[0])) / NS_PER_YEAR
            forward = k + gap * float(np.exp(rate * years))
            return float(forward * np.exp(-(rate - dividend_yield) * years))
    return float("nan")


def table_to_snapshot(table: pa.Table) -> ChainSnapshot:
    """One ``ChainSnapshot`` from canonical rows of a single underlying and quote time.

    Crossed quotes (flagged ``CROSSED``) keep their flag but lose both prices: a snapshot never
    holds bid > ask. Rows without a spot (a vendor file without the underlying's price) get the
    spot implied by put-call parity (``implied_spot``).
    """
    if table.num_rows == 0:
        raise ValueError("no rows: a chain snapshot needs at least one contract")
    bid, ask = _floats(table, "bid"), _floats(table, "ask")
    crossed = bid > ask
    bid = np.where(crossed, np.nan, bid)
    ask = np.where(crossed, np.nan, ask)
    first = table.slice(0, 1).to_pylist()[0]
    rate = _scalar(_floats(table, "rate"), 0.0)
    dividend_yield = _scalar(_floats(table, "dividend_yield"), 0.0)
    spot = _scalar(_floats(table, "spot"), np.nan)
    if not np.isfinite(spot):
        spot = implied_spot(table, rate, dividend_yield)
    return ChainSnapshot.from_arrays(
        underlying=first["underlying"],
        ts_ns=int(first["ts_ns"]),
        spot=spot,
        rate=rate,
        dividend_yield=dividend_yield,
        modelled=bool(pc.any(table.column("modelled")).as_py()),
        source=first["source"],
        root=np.asarray(table.column("root").to_numpy(zero_copy_only=False), dtype=object),
        expiry_ns=_ints(table, "expiry_ns"),
        strike=_floats(table, "strike"),
        is_call=np.asarray(table.column("is_call").to_numpy(zero_copy_only=False), dtype=bool),
        bid=bid,
        ask=ask,
        bid_size=_ints(table, "bid_size"),
        ask_size=_ints(table, "ask_size"),
        volume=_ints(table, "volume"),
        open_interest=_ints(table, "open_interest"),
        iv=_floats(table, "iv"),
        quality_flags=_ints(table, "quality_flags").astype(np.uint32),
    )

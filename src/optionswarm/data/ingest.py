"""Read a vendor file (CSV via ``pyarrow.csv``, or Parquet) and turn it into canonical rows.

Reading is typed and multi-threaded; if a value does not parse, the file is read again as text
and each column converted tolerantly, so one bad value marks one record ``unparsable`` rather
than failing the import. Conversion is columnar: dates, symbols and expiries are formatted once
per distinct value.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from optionswarm.data.calendar import NEW_YORK, previous_trading_day
from optionswarm.data.canonical import (
    CANONICAL_SCHEMA,
    DataFlag,
    codes_of,
    column_from_codes,
    contract_terms,
    expiry_instants,
    occ_symbols,
    repeated,
)
from optionswarm.data.expiries import third_friday
from optionswarm.data.vendors import VendorLayout

__all__ = ["Canonicalised", "canonicalise", "file_columns", "fit_layout", "read_vendor_file"]

_TEXT_FIELDS = {"underlying", "root", "right"}
_DATE_FIELDS = {"quote_date", "expiry"}
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(nan|NaN|inf|Inf)\s*$"
_PUT_VALUES = ("P", "p", "PUT", "Put", "put")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Canonicalised(msgspec.Struct, frozen=True, kw_only=True):
    """Canonical rows, the raw row each came from, and rows whose values did not parse."""

    table: pa.Table
    raw_row: npt.NDArray[np.int64]
    unparsable: npt.NDArray[np.bool_]


def _field_types(layout: VendorLayout) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {}
    for field, column in layout.columns.items():
        if field in _TEXT_FIELDS | _DATE_FIELDS:  # few distinct values: parse each once
            types[column] = pa.dictionary(pa.int32(), pa.string())
        else:
            types[column] = pa.float64()
    return types


def file_columns(path: str | os.PathLike[str]) -> list[str]:
    """The column names of a CSV (its header) or Parquet file, without reading the data."""
    if Path(path).suffix.lower() in {".parquet", ".pq"}:
        return list(pq.read_schema(path).names)
    names = pcsv.open_csv(path, read_options=pcsv.ReadOptions(block_size=1 << 16)).schema.names
    return list(names)


def fit_layout(layout: VendorLayout, columns: list[str]) -> VendorLayout:
    """The layout without optional fields whose column the file lacks (those read as absent).

    A missing required column (underlying, dates, strike, right or the four wide-layout prices)
    is an error naming it.
    """
    present = set(columns)
    required = {"underlying", "quote_date", "expiry", "strike"}
    required |= (
        {"right"} if layout.shape == "long" else {"call_bid", "call_ask", "put_bid", "put_ask"}
    )
    missing = sorted(layout.columns[f] for f in required if layout.columns[f] not in present)
    if missing:
        raise ValueError(f"layout {layout.name!r} needs column(s) {missing}, not in the file")
    kept = {f: c for f, c in layout.columns.items() if c in present}
    return (
        layout
        if len(kept) == len(layout.columns)
        else msgspec.structs.replace(layout, columns=kept)
    )


def read_vendor_file(path: str | os.PathLike[str], layout: VendorLayout) -> pa.Table:
    """The mapped columns of a CSV or Parquet file (numbers as float64 where they parse)."""
    columns = sorted(set(layout.columns.values()))
    if Path(path).suffix.lower() in {".parquet", ".pq"}:
        return pq.read_table(path, columns=columns)
    types = _field_types(layout)
    convert = pcsv.ConvertOptions(
        include_columns=columns, column_types=types, strings_can_be_null=True
    )
    try:
        return pcsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid:
        text = {c: pa.string() for c in columns}
        return pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                include_columns=columns, column_types=text, strings_can_be_null=True
            ),
        )


def _text_codes(values: pa.ChunkedArray) -> tuple[list[str], npt.NDArray[np.intp]]:
    """Distinct texts (null as "") and each row's code, hashing once in Arrow."""
    names, codes = codes_of(values, pa.string())
    return [str(v) if v is not None else "" for v in names], codes


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    return values if pa.types.is_string(values.type) else values.cast(pa.string())


def _numbers(values: pa.ChunkedArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Float values (NaN where missing) and a mask of values that are present but not numbers."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        stripped = pc.utf8_trim_whitespace(values)
        present = pc.fill_null(pc.not_equal(stripped, ""), False)
        ok = pc.fill_null(pc.match_substring_regex(stripped, _NUMBER), False)
        cleaned = pc.if_else(ok, stripped, pa.scalar(None, pa.string()))
        floats = pc.cast(cleaned, pa.float64())
        bad = np.asarray(pc.and_(present, pc.invert(ok)).to_numpy(zero_copy_only=False))
        return np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64), bad
    floats = pc.cast(values, pa.float64())
    return (
        np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64),
        np.zeros(len(values), dtype=bool),
    )


def _dates(
    values: pa.ChunkedArray, fmt: str
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """Dates (NaT where missing/bad) and a mask of unparsable dates, one parse per distinct text."""
    if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
        days = pc.cast(values, pa.date32()).to_numpy(zero_copy_only=False)
        return days.astype("datetime64[D]"), np.zeros(len(values), dtype=bool)
    texts, codes = codes_of(values, pa.string())
    parsed: list[np.datetime64] = []
    unparsable: list[bool] = []
    for text in texts:
        try:
            parsed.append(np.datetime64(dt.datetime.strptime(str(text).strip(), fmt).date(), "D"))
            unparsable.append(False)
        except ValueError:
            parsed.append(np.datetime64("NaT", "D"))
            unparsable.append(text is not None and str(text).strip() != "")
    days = np.array(parsed, dtype="datetime64[D]")[codes]
    return days, np.array(unparsable, dtype=bool)[codes]


def _quote_instants(days: npt.NDArray[np.datetime64], at: dt.time) -> npt.NDArray[np.int64]:
    out = np.full(days.shape[0], -1, dtype=np.int64)
    valid = ~np.isnat(days)
    uniq, codes = np.unique(days[valid], return_inverse=True)
    instants = []
    for day in uniq.tolist():
        local = dt.datetime.combine(day, at, tzinfo=NEW_YORK)
        delta = local.astimezone(dt.UTC) - _EPOCH
        instants.append((delta.days * 86_400 + delta.seconds) * 1_000_000_000)
    out[valid] = np.asarray(instants, dtype=np.int64)[codes] if instants else -1
    return out


def _derived_roots(
    underlying: pa.Array, expiry: npt.NDArray[np.datetime64], layout: VendorLayout
) -> pa.Array:
    """Roots for layouts without a root column: weekly root off the standard monthly date."""
    roots = np.asarray(underlying.to_numpy(zero_copy_only=False), dtype=object)
    if not layout.weekly_roots:
        return underlying
    uniq = np.unique(expiry[~np.isnat(expiry)])
    standard = set()
    for day in uniq.tolist():
        monthly = previous_trading_day(third_friday(day.year, day.month))
        if day == monthly:
            standard.add(day)
    is_monthly = np.isin(expiry, np.array(sorted(standard), dtype="datetime64[D]"))
    for under, weekly in layout.weekly_roots.items():
        roots[(roots == under) & ~is_monthly] = weekly
    return pa.array(roots, pa.string())


def _column(raw: pa.Table, layout: VendorLayout, field: str) -> pa.ChunkedArray | None:
    column = layout.column(field)
    return None if column is None else raw.column(column)


def _numeric(
    raw: pa.Table, layout: VendorLayout, field: str, bad: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    values = _column(raw, layout, field)
    if values is None:
        return np.full(raw.num_rows, np.nan)
    floats, unparsable = _numbers(values)
    bad |= unparsable
    return floats


def _placeholders(
    values: npt.NDArray[np.float64], marks: tuple[float, ...], flags: npt.NDArray[np.uint32]
) -> npt.NDArray[np.float64]:
    if not marks:
        return values
    hit = np.isin(np.round(values, 6), np.round(np.asarray(marks), 6))
    flags[hit] |= np.uint32(DataFlag.PLACEHOLDER)
    return np.where(hit, np.nan, values)


def _sides(
    raw: pa.Table, layout: VendorLayout, bad: npt.NDArray[np.bool_]
) -> tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.int64]]:
    """Per-contract columns (long), with wide files reshaped to a call row then a put row."""
    n = raw.num_rows

    def num(field: str) -> npt.NDArray[np.float64]:
        return _numeric(raw, layout, field, bad)

    if layout.shape == "long":
        names, codes = _text_codes(raw.column(layout.columns["right"]))
        is_call = np.array([v in layout.call_values for v in names], dtype=bool)[codes]
        is_put = np.array([v in _PUT_VALUES for v in names], dtype=bool)[codes]
        bad |= ~(is_call | is_put)
        cols = {
            f: num(f)
            for f in (
                "bid",
                "ask",
                "bid_size",
                "ask_size",
                "volume",
                "open_interest",
                "iv",
                "delta",
            )
        }
        cols["is_call"] = is_call
        return cols, np.arange(n, dtype=np.int64)
    both = np.concatenate
    shared_iv, shared_delta = num("iv"), num("delta")
    call_delta = num("call_delta")
    call_delta = np.where(np.isnan(call_delta), shared_delta, call_delta)
    put_delta = num("put_delta")
    put_delta = np.where(np.isnan(put_delta), call_delta - 1.0, put_delta)
    call_iv, put_iv = num("call_iv"), num("put_iv")
    cols = {
        "bid": both((num("call_bid"), num("put_bid"))),
        "ask": both((num("call_ask"), num("put_ask"))),
        "bid_size": both((num("call_bid_size"), num("put_bid_size"))),
        "ask_size": both((num("call_ask_size"), num("put_ask_size"))),
        "volume": both((num("call_volume"), num("put_volume"))),
        "open_interest": both((num("call_open_interest"), num("put_open_interest"))),
        "iv": both(
            (
                np.where(np.isnan(call_iv), shared_iv, call_iv),
                np.where(np.isnan(put_iv), shared_iv, put_iv),
            )
        ),
        "delta": both((call_delta, put_delta)),
        "is_call": both((np.ones(n, dtype=bool), np.zeros(n, dtype=bool))),
    }
    return cols, np.concatenate((np.arange(n), np.arange(n))).astype(np.int64)


def _ints_or_null(values: npt.NDArray[np.float64]) -> pa.Array:
    """Counts as int64; missing stays null, non-integral values truncate toward zero."""
    mask = np.isnan(values)
    return pa.array(np.where(mask, 0, values).astype(np.int64), pa.int64(), mask=mask)


def canonicalise(raw: pa.Table, layout: VendorLayout) -> Canonicalised:
    """The canonical rows of a raw vendor table (wide layouts give two rows per raw row)."""
    bad = np.zeros(raw.num_rows, dtype=bool)
    quote_day, bad_quote_day = _dates(raw.column(layout.columns["quote_date"]), layout.date_format)
    expiry, bad_expiry = _dates(raw.column(layout.columns["expiry"]), layout.expiry_format)
    bad |= bad_quote_day | bad_expiry
    names, codes = _text_codes(raw.column(layout.columns["underlying"]))
    underlying = column_from_codes(codes, [v.lstrip("^").upper() for v in names])
    root_column = _column(raw, layout, "root")
    if root_column is None:
        root = _derived_roots(underlying, expiry, layout)
    else:
        root_names, root_codes = _text_codes(root_column)
        root = column_from_codes(root_codes, root_names)
    strike = _numeric(raw, layout, "strike", bad) / layout.strike_scale
    spot = _numeric(raw, layout, "spot", bad)
    cols, raw_row = _sides(raw, layout, bad)
    flags = np.zeros(raw_row.shape[0], dtype=np.uint32)
    for side in ("bid", "ask"):
        cols[side] = _placeholders(cols[side], layout.price_placeholders, flags)
    cols["iv"] = _placeholders(cols["iv"], layout.iv_placeholders, flags) / layout.iv_scale
    take = pa.array(raw_row)
    root_rows = root.take(take)
    expiry_rows = expiry[raw_row]
    strike_rows = strike[raw_row]
    valid = ~np.isnat(expiry_rows) & np.isfinite(strike_rows) & (strike_rows > 0)
    valid &= strike_rows < 100_000
    milli = np.where(valid, np.rint(strike_rows * 1000), 1).astype(np.int64)
    safe_expiry = np.where(np.isnat(expiry_rows), np.datetime64("2000-01-01"), expiry_rows)
    exercise, settlement = contract_terms(root_rows)
    expiry_ns = np.where(np.isnat(expiry_rows), -1, expiry_instants(safe_expiry, settlement))
    ts_ns = _quote_instants(quote_day, layout.quote_time)[raw_row]
    n = raw_row.shape[0]
    table = pa.Table.from_pydict(
        {
            "underlying": underlying.take(take),
            "ts_ns": ts_ns,
            "occ_symbol": occ_symbols(root_rows, safe_expiry, cols["is_call"], milli),
            "root": root_rows,
            "expiry": pa.array(safe_expiry, pa.date32()),
            "expiry_ns": expiry_ns,
            "strike": strike_rows,
            "is_call": cols["is_call"],
            "exercise": exercise,
            "settlement": settlement,
            "bid": cols["bid"],
            "ask": cols["ask"],
            "bid_size": _ints_or_null(cols["bid_size"]),
            "ask_size": _ints_or_null(cols["ask_size"]),
            "volume": _ints_or_null(cols["volume"]),
            "open_interest": _ints_or_null(cols["open_interest"]),
            "iv": cols["iv"],
            "delta": cols["delta"],
            "spot": spot[raw_row],
            "rate": np.full(n, np.nan),
            "dividend_yield": np.full(n, np.nan),
            "quality_flags": flags,
            "modelled": np.zeros(n, dtype=bool),
            "source": repeated(layout.source or layout.name, n),
        },
        schema=CANONICAL_SCHEMA,
    )
    return Canonicalised(table=table, raw_row=raw_row, unparsable=bad[raw_row])

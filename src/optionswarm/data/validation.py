"""The validator every chain record from outside passes, vectorised over a whole canonical table.

A record is **rejected** (quarantined with a reason code, never stored) for, in this order:
a source value that does not parse; an unparsable timestamp; an unknown symbol (malformed root
or underlying, or one outside the configured set); a strike missing, <= 0 or beyond the OSI
range; an expiry before the quote time; negative sizes; a negative or infinite price; no price
at all; a quote crossed by more than the tolerance; a duplicate of an earlier record (same
contract, same time); a record older than an earlier one of the same contract (out of order);
a quote older than ``max_quote_age_ns`` before ``as_of_ns`` (stale); a mid outside the collar
around the contract's previous mid (the earlier record in the batch, else ``previous_mid``).

A record that is suspicious but usable is **kept and flagged** (``quality_flags``): one side
missing (``NO_BID``/``NO_ASK``), locked (``LOCKED``), crossed within the tolerance
(``DataFlag.CROSSED``), mid below intrinsic value (``DataFlag.BELOW_INTRINSIC``), no implied vol
(``DataFlag.IV_MISSING``). The first failing check in the order above names the reason.
All checks are numpy/pyarrow operations over whole columns; nothing loops per row.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from optionswarm.data.canonical import DataFlag
from optionswarm.model import QualityFlag

__all__ = ["REJECT_SENTENCES", "RejectReason", "ValidationResult", "ValidatorConfig", "validate"]

_ROOT = re.compile(r"[A-Z0-9]{1,6}")
_MAX_STRIKE = 99_999.999
_MAX_PRICE = 1e7  # no listed option trades above this; larger values are corrupt


class RejectReason(enum.IntEnum):
    """Why a record was quarantined (``code`` is the machine-readable reason string)."""

    BAD_TIMESTAMP = 1
    UNKNOWN_SYMBOL = 2
    BAD_STRIKE = 3
    EXPIRED = 4
    NEGATIVE_SIZE = 5
    BAD_PRICE = 6
    NO_PRICES = 7
    CROSSED_QUOTE = 8
    DUPLICATE = 9
    OUT_OF_ORDER = 10
    STALE_QUOTE = 11
    PRICE_COLLAR = 12
    UNPARSABLE = 13

    @property
    def code(self) -> str:
        """The snake_case reason code stored with the quarantined record."""
        return self.name.lower()


REJECT_SENTENCES: dict[RejectReason, str] = {
    RejectReason.BAD_TIMESTAMP: "the quote time is missing or unparsable",
    RejectReason.UNKNOWN_SYMBOL: "the root or underlying is malformed or not a known symbol",
    RejectReason.BAD_STRIKE: "the strike is missing, not positive or outside the OSI range",
    RejectReason.EXPIRED: "the contract expired before the quote time",
    RejectReason.NEGATIVE_SIZE: "a size, volume or open interest is negative",
    RejectReason.BAD_PRICE: "a price is negative, infinite or absurdly large",
    RejectReason.NO_PRICES: "neither bid nor ask is present",
    RejectReason.CROSSED_QUOTE: "the bid is above the ask by more than the tolerance",
    RejectReason.DUPLICATE: "the same contract at the same time appeared earlier",
    RejectReason.OUT_OF_ORDER: "the record is older than an earlier record of the same contract",
    RejectReason.STALE_QUOTE: "the quote is older than the allowed age",
    RejectReason.PRICE_COLLAR: "the mid moved outside the collar around the previous mid",
    RejectReason.UNPARSABLE: "a field holds a value that is not a number or date",
}


class ValidatorConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits of the validator (see the module docstring).

    The collar lets a mid move by ``max(collar_abs, collar_rel * previous mid)``: wide, because
    options legitimately move by multiples in a day (a $0.10 put can be $6 after a crash), while
    a fat finger (10.25 -> 900) still fails.
    """

    crossed_tolerance: float = 0.05
    collar_rel: float = 10.0
    collar_abs: float = 25.0
    intrinsic_tolerance: float = 0.05
    max_quote_age_ns: int | None = None
    known_underlyings: frozenset[str] | None = None


class ValidationResult(msgspec.Struct, frozen=True, kw_only=True):
    """Every row with updated flags (``checked``), which to keep, and why the others failed.

    ``accepted`` materialises the kept rows; a store can instead take ``checked`` with
    ``accepted_rows`` and fold the selection into its own sort (one copy instead of two).
    """

    checked: pa.Table
    keep: npt.NDArray[np.bool_]
    rejected_rows: npt.NDArray[np.int64]
    rejected_reasons: npt.NDArray[np.int8]
    flagged: int

    @property
    def accepted(self) -> pa.Table:
        """The accepted rows, flags updated."""
        return self.checked if self.keep.all() else self.checked.filter(pa.array(self.keep))

    @property
    def accepted_rows(self) -> npt.NDArray[np.int64]:
        """Positions of the accepted rows in ``checked``."""
        return np.flatnonzero(self.keep).astype(np.int64)

    @property
    def accepted_count(self) -> int:
        """How many rows were accepted."""
        return int(np.count_nonzero(self.keep))

    def reason_counts(self) -> dict[str, int]:
        """How many records each reason rejected."""
        codes, counts = np.unique(self.rejected_reasons, return_counts=True)
        return {RejectReason(int(c)).code: int(n) for c, n in zip(codes, counts, strict=True)}


def _floats(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _ints(table: pa.Table, name: str, fill: int = 0) -> npt.NDArray[np.int64]:
    column = pc.fill_null(table.column(name), fill)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def _reject(reason: npt.NDArray[np.int8], mask: npt.NDArray[np.bool_], why: RejectReason) -> None:
    reason[(reason == 0) & mask] = why


def _bad_symbols(table: pa.Table, cfg: ValidatorConfig) -> npt.NDArray[np.bool_]:
    bad = np.zeros(table.num_rows, dtype=bool)
    for name, known in (("root", None), ("underlying", cfg.known_underlyings)):
        encoded = pc.dictionary_encode(pc.fill_null(table.column(name), "")).combine_chunks()
        values = encoded.dictionary.to_pylist()
        if name == "root":
            invalid = [_ROOT.fullmatch(v) is None for v in values]
        else:
            invalid = [v == "" or (known is not None and v not in known) for v in values]
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        bad |= np.asarray(invalid, dtype=bool)[indices] if values else False
    return bad


def _sequence_checks(
    table: pa.Table,
    ts: npt.NDArray[np.int64],
    mid: npt.NDArray[np.float64],
    previous_mid: Mapping[str, float] | None,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Duplicate and out-of-order masks, and each row's previous mid of the same contract."""
    encoded = pc.dictionary_encode(table.column("occ_symbol")).combine_chunks()
    code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    order = np.argsort(code, kind="stable")  # file order within each contract
    same = np.zeros(code.shape[0], dtype=bool)
    same[1:] = code[order][1:] == code[order][:-1]
    ts_sorted = ts[order]
    prev_ts = np.empty_like(ts_sorted)
    prev_ts[1:] = ts_sorted[:-1]
    duplicate = np.zeros_like(same)
    out_of_order = np.zeros_like(same)
    duplicate[order] = same & (ts_sorted == prev_ts)
    out_of_order[order] = same & (ts_sorted < prev_ts)
    prev_mid = np.full(code.shape[0], np.nan)
    mid_sorted = mid[order]
    shifted = np.full_like(mid_sorted, np.nan)
    shifted[1:] = mid_sorted[:-1]
    prev_mid[order] = np.where(same, shifted, np.nan)
    if previous_mid:
        known = np.array([previous_mid.get(s, np.nan) for s in encoded.dictionary.to_pylist()])
        first = np.isnan(prev_mid)
        prev_mid[first] = known[code[first]]
    return duplicate, out_of_order, prev_mid


def _flags(
    table: pa.Table,
    bid: npt.NDArray[np.float64],
    ask: npt.NDArray[np.float64],
    cfg: ValidatorConfig,
) -> npt.NDArray[np.uint32]:
    flags = _ints(table, "quality_flags").astype(np.uint32)
    flags[np.isnan(bid) | (bid == 0)] |= np.uint32(QualityFlag.NO_BID)
    flags[np.isnan(ask)] |= np.uint32(QualityFlag.NO_ASK)
    flags[(bid == ask) & (bid > 0)] |= np.uint32(QualityFlag.LOCKED)
    flags[bid > ask] |= np.uint32(DataFlag.CROSSED)
    flags[np.isnan(_floats(table, "iv"))] |= np.uint32(DataFlag.IV_MISSING)
    spot, strike = _floats(table, "spot"), _floats(table, "strike")
    is_call = np.asarray(table.column("is_call").to_numpy(zero_copy_only=False), dtype=bool)
    intrinsic = np.maximum(np.where(is_call, spot - strike, strike - spot), 0.0)
    below = (bid + ask) / 2.0 < intrinsic - cfg.intrinsic_tolerance  # False where NaN
    flags[below] |= np.uint32(DataFlag.BELOW_INTRINSIC)
    return flags


def validate(
    table: pa.Table,
    config: ValidatorConfig | None = None,
    *,
    as_of_ns: int | None = None,
    previous_mid: Mapping[str, float] | None = None,
    unparsable: npt.NDArray[np.bool_] | None = None,
) -> ValidationResult:
    """Split canonical rows into accepted (flagged) and rejected (with reasons).

    ``unparsable`` marks rows whose source values did not parse (rejected first).
    """
    cfg = config or ValidatorConfig()
    n = table.num_rows
    reason = np.zeros(n, dtype=np.int8)
    if unparsable is not None:
        _reject(reason, unparsable, RejectReason.UNPARSABLE)
    ts = _ints(table, "ts_ns", fill=-1)
    _reject(reason, ts <= 0, RejectReason.BAD_TIMESTAMP)
    _reject(reason, _bad_symbols(table, cfg), RejectReason.UNKNOWN_SYMBOL)
    strike = _floats(table, "strike")
    _reject(reason, ~((strike > 0) & (strike <= _MAX_STRIKE)), RejectReason.BAD_STRIKE)
    expiry_ns = _ints(table, "expiry_ns", fill=-1)
    _reject(reason, (expiry_ns < ts) | (expiry_ns <= 0), RejectReason.EXPIRED)
    sizes = [_ints(table, c) for c in ("bid_size", "ask_size", "volume", "open_interest")]
    _reject(reason, np.logical_or.reduce([s < 0 for s in sizes]), RejectReason.NEGATIVE_SIZE)
    bid, ask = _floats(table, "bid"), _floats(table, "ask")
    absurd = (bid > _MAX_PRICE) | (ask > _MAX_PRICE) | (bid < 0) | (ask < 0)  # inf included
    _reject(reason, absurd, RejectReason.BAD_PRICE)
    _reject(reason, np.isnan(bid) & np.isnan(ask), RejectReason.NO_PRICES)
    with np.errstate(invalid="ignore", over="ignore"):  # rows with inf/huge values are rejected
        _reject(reason, bid - ask > cfg.crossed_tolerance + 1e-9, RejectReason.CROSSED_QUOTE)
        mid = np.where(np.isnan(bid), ask, np.where(np.isnan(ask), bid, bid / 2.0 + ask / 2.0))
    duplicate, out_of_order, prev_mid = _sequence_checks(table, ts, mid, previous_mid)
    _reject(reason, duplicate, RejectReason.DUPLICATE)
    _reject(reason, out_of_order, RejectReason.OUT_OF_ORDER)
    if as_of_ns is not None and cfg.max_quote_age_ns is not None:
        _reject(reason, ts < as_of_ns - cfg.max_quote_age_ns, RejectReason.STALE_QUOTE)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf only on rejected rows
        band = np.maximum(cfg.collar_abs, cfg.collar_rel * prev_mid)
        _reject(reason, np.abs(mid - prev_mid) > band, RejectReason.PRICE_COLLAR)
        flags = _flags(table, bid, ask, cfg)
    keep = reason == 0
    column = table.schema.get_field_index("quality_flags")
    checked = table.set_column(column, table.schema.field(column), pa.array(flags, pa.uint32()))
    rejected = np.flatnonzero(~keep)
    changed = flags != _ints(table, "quality_flags").astype(np.uint32)
    return ValidationResult(
        checked=checked,
        keep=keep,
        rejected_rows=rejected.astype(np.int64),
        rejected_reasons=reason[rejected],
        flagged=int(np.count_nonzero(changed & keep)),
    )

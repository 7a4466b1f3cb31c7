"""Deterministic fakes for testing components alone: a priced toy chain and an audit sink."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from optionswarm.model import ChainSnapshot, SettlementStyle, expiry_instant_ns
from optionswarm.pricing import bsm_price

__all__ = ["RecordingAuditSink", "toy_chain"]


def toy_chain(
    *,
    day: dt.date,
    spot: float,
    expiries: Sequence[tuple[str, dt.date, SettlementStyle]],
    strikes: Sequence[float],
    vol: float = 0.2,
    half_spread: float = 0.05,
    underlying: str = "sp500",
) -> ChainSnapshot:
    """A chain at the ``day``'s 16:00 New York close, quoted at BSM value +- ``half_spread``.

    Every (root, expiry, settlement) gets every strike as a call and a put; IV is flat ``vol``.
    """
    ts = expiry_instant_ns(day, SettlementStyle.PM)
    rows: list[tuple[str, int, float, bool]] = [
        (root, expiry_instant_ns(expiry, style), k, is_call)
        for root, expiry, style in expiries
        for k in strikes
        for is_call in (True, False)
    ]
    expiry_ns = np.array([r[1] for r in rows], dtype=np.int64)
    strike = np.array([r[2] for r in rows])
    is_call = np.array([r[3] for r in rows])
    years = (expiry_ns - ts) / (365 * 86_400e9)
    value = bsm_price(spot, strike, years, 0.0, 0.0, vol, is_call)
    bid = np.maximum(np.round(value - half_spread, 2), 0.0)
    ask = np.round(value + half_spread, 2)
    return ChainSnapshot.from_arrays(
        underlying=underlying,
        ts_ns=ts,
        spot=spot,
        root=np.array([r[0] for r in rows], dtype=object),
        expiry_ns=expiry_ns,
        strike=strike,
        is_call=is_call,
        bid=bid,
        ask=ask,
        iv=np.full(len(rows), vol),
        modelled=True,
    )


class RecordingAuditSink:
    """An ``AuditSink`` that keeps records in a list; ``root`` hashes their repr (for tests)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, Any, int]] = []
        self.batches = 0

    def append_many(self, events: Iterable[tuple[str, Any, int]]) -> list[Any]:
        """Keep the batch."""
        batch = list(events)
        self.records.extend(batch)
        self.batches += 1
        return batch

    def root(self, size: int | None = None) -> bytes:
        """A stand-in root: the SHA-256 of the records' repr."""
        return hashlib.sha256(repr(self.records[:size]).encode()).digest()

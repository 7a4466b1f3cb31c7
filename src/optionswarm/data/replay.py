"""Replay: bars and chain snapshots from any mix of sources, as one timestamp-ordered event stream.

Each source is an iterable of typed events (``model.Bar``, ``model.ChainSnapshot``) already in
time order -- ``bar_events(series)``, ``modelled_chain_events(builder, ...)``,
``stored_chain_events(store, ...)`` or any generator. ``ReplayFeed`` merges them lazily (a heap
over the sources, ties broken by source order, so a day's bar precedes its chain when the bar
source comes first) and paces them on the node's clock:

* ``speed=None`` -- as fast as possible. A simulated clock (anything with ``advance_to``) is
  moved to each event's time before the event is emitted, so timers fire in order.
* ``speed=k`` -- ``k`` times real time: event ``i`` is emitted when ``clock.now_ns()`` has
  advanced ``(ts_i - ts_0) / k`` since the first event, waiting with ``sleep`` (seconds).

The clock needs only ``now_ns()`` (``ReplayClock``), so the engine's simulated and wall clocks
both fit. A source that goes back in time raises ``ReplayOrderError`` naming it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np
import pyarrow as pa

from optionswarm.data.canonical import table_to_snapshot
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.sources import BarSeries
from optionswarm.model import Bar, ChainSnapshot
from optionswarm.storage.chains import ChainStore, partition_bounds

__all__ = [
    "ReplayClock",
    "ReplayEvent",
    "ReplayFeed",
    "ReplayOrderError",
    "bar_events",
    "modelled_chain_events",
    "stored_chain_events",
]

ReplayEvent = Bar | ChainSnapshot


class ReplayOrderError(ValueError):
    """A replay source yielded an event older than its previous one."""


@runtime_checkable
class ReplayClock(Protocol):
    """The little the feed needs from a clock."""

    def now_ns(self) -> int:
        """Current time in UTC nanoseconds."""
        ...


def bar_events(series: BarSeries) -> Iterator[Bar]:
    """The bars of a series as events (built lazily, oldest first)."""
    for i in range(len(series)):
        yield Bar(
            symbol=series.symbol,
            ts_ns=int(series.ts_ns[i]),
            open=float(series.open[i]),
            high=float(series.high[i]),
            low=float(series.low[i]),
            close=float(series.close[i]),
            volume=int(series.volume[i]),
        )


def modelled_chain_events(
    builder: ModelledChainBuilder,
    symbol: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Iterator[ChainSnapshot]:
    """Modelled chains of every session in ``[start, end]``."""
    return builder.iter_chains(symbol, start, end)


def stored_chain_events(
    store: ChainStore, underlying: str, start_ns: int, end_ns: int
) -> Iterator[ChainSnapshot]:
    """Stored chains with ``start_ns <= ts <= end_ns``, one snapshot per quote time."""
    for day in store.days(underlying):
        first, last = partition_bounds(day)
        if last < start_ns or first > end_ns:
            continue
        rows = store.scan(underlying, max(first, start_ns), min(last, end_ns))
        ts = rows.column("ts_ns").to_numpy()
        for stamp in np.unique(ts).tolist():
            yield table_to_snapshot(rows.filter(pa.array(ts == stamp)))


def _checked(index: int, source: Iterable[ReplayEvent]) -> Iterator[tuple[int, int, ReplayEvent]]:
    last = None
    for event in source:
        if last is not None and event.ts_ns < last:
            raise ReplayOrderError(f"source {index} went back in time: {event.ts_ns} after {last}")
        last = event.ts_ns
        yield event.ts_ns, index, event


class ReplayFeed:
    """Merges event sources in time order and paces them on a clock (see module docstring)."""

    def __init__(
        self,
        sources: Iterable[Iterable[ReplayEvent]],
        clock: ReplayClock,
        *,
        speed: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be > 0 (or None for as fast as possible), got {speed}")
        self._sources = list(sources)
        self._clock = clock
        self._speed = speed
        self._sleep = sleep
        self.emitted = 0

    def __iter__(self) -> Iterator[ReplayEvent]:
        merged = heapq.merge(
            *(_checked(i, s) for i, s in enumerate(self._sources)),
            key=lambda item: (item[0], item[1]),
        )
        advance = getattr(self._clock, "advance_to", None)
        origin: tuple[int, int] | None = None
        for ts_ns, _, event in merged:
            if self._speed is None:
                if advance is not None:
                    advance(ts_ns)
            else:
                origin = origin or (ts_ns, self._clock.now_ns())
                self._wait(origin, ts_ns)
            self.emitted += 1
            yield event

    def _wait(self, origin: tuple[int, int], ts_ns: int) -> None:
        assert self._speed is not None
        due = origin[1] + int((ts_ns - origin[0]) / self._speed)
        remaining = due - self._clock.now_ns()
        if remaining > 0:
            self._sleep(remaining / 1e9)

    def run(self, handler: Callable[[ReplayEvent], object]) -> int:
        """Feed every event to ``handler``; returns how many were emitted."""
        count = 0
        for event in self:
            handler(event)
            count += 1
        return count

"""Counters of the data layer (a plain object now; the monitoring subsystem exports them later)."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["DataMetrics"]


class DataMetrics:
    """Named monotonic counters, e.g. ``records_read``, ``quarantined.crossed_quote``."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def inc(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` (>= 0) to a counter."""
        if amount < 0:
            raise ValueError(f"counters only go up; got {amount} for {name!r}")
        with self._lock:
            self._counts[name] += amount

    def get(self, name: str) -> int:
        """A counter's value (0 if never incremented)."""
        return self._counts.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        """Every counter, sorted by name."""
        with self._lock:
            return dict(sorted(self._counts.items()))

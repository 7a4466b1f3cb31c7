"""Ring buffers and rolling statistics with O(1) (or O(log n)) work per update.

Nothing here looks at data it has not been given: every statistic is over the values appended
so far, the newest last.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import numpy.typing as npt

__all__ = ["RingBuffer", "RollingMoments", "RollingRank"]


class RingBuffer:
    """A fixed-capacity float buffer; appending beyond capacity drops the oldest value."""

    __slots__ = ("_count", "_data", "_head", "capacity")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._data = np.zeros(capacity, dtype=np.float64)
        self._head = 0  # next write position
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def full(self) -> bool:
        """True once ``capacity`` values have been appended."""
        return self._count == self.capacity

    def append(self, value: float) -> float | None:
        """Add ``value``; return the value it pushed out (None while not yet full)."""
        evicted = float(self._data[self._head]) if self.full else None
        self._data[self._head] = value
        self._head = (self._head + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)
        return evicted

    def ago(self, lag: int) -> float:
        """The value ``lag`` appends ago (0 = the newest); IndexError if not held."""
        if not 0 <= lag < self._count:
            raise IndexError(f"lag {lag} not held (have {self._count})")
        return float(self._data[(self._head - 1 - lag) % self.capacity])

    def values(self) -> npt.NDArray[np.float64]:
        """The held values, oldest first (a copy)."""
        if not self.full:
            return self._data[: self._count].copy()
        return np.concatenate((self._data[self._head :], self._data[: self._head]))

    def clear(self) -> None:
        """Forget every value."""
        self._head = 0
        self._count = 0


class RollingMoments:
    """Mean and sample standard deviation over the last ``window`` values, O(1) per update.

    Running sums are of deviations from a shift (the first value, then the window mean at each
    rebuild) and are rebuilt from the buffer every ``window`` updates, so neither cancellation
    nor rounding drift can build up. A standard deviation near zero carries an absolute error of
    about sqrt(machine epsilon) x the values' distance from the shift.
    """

    __slots__ = ("_buffer", "_shift", "_since_rebuild", "_sum", "_sum_sq")

    def __init__(self, window: int) -> None:
        if window < 2:
            raise ValueError(f"window must be >= 2, got {window}")
        self._buffer = RingBuffer(window)
        self._shift: float | None = None
        self._sum = 0.0
        self._sum_sq = 0.0
        self._since_rebuild = 0

    def __len__(self) -> int:
        return len(self._buffer)

    @property
    def full(self) -> bool:
        """True once the window is filled."""
        return self._buffer.full

    def append(self, value: float) -> None:
        """Add one value (evicting the oldest when full)."""
        if self._shift is None:
            self._shift = value
        evicted = self._buffer.append(value)
        d = value - self._shift
        self._sum += d
        self._sum_sq += d * d
        if evicted is not None:
            e = evicted - self._shift
            self._sum -= e
            self._sum_sq -= e * e
        self._since_rebuild += 1
        if self._since_rebuild >= self._buffer.capacity:
            held = self._buffer.values()
            self._shift = math.fsum(held) / len(held)
            deviations = held - self._shift
            self._sum = math.fsum(deviations)
            self._sum_sq = math.fsum(deviations * deviations)
            self._since_rebuild = 0

    @property
    def mean(self) -> float:
        """Mean of the held values (NaN when empty)."""
        n = len(self._buffer)
        if not n or self._shift is None:
            return math.nan
        return self._shift + self._sum / n

    @property
    def std(self) -> float:
        """Sample standard deviation (NaN below two values)."""
        n = len(self._buffer)
        if n < 2:
            return math.nan
        var = (self._sum_sq - self._sum * self._sum / n) / (n - 1)
        return math.sqrt(max(var, 0.0))


class RollingRank:
    """Rank and percentile of the newest value within the last ``window`` values.

    ``rank`` is (x - min) / (max - min) (the trader's "IV rank"); ``percentile`` is the share of
    the *other* held values strictly below x. A sorted copy is kept: O(log n) search per update.
    """

    __slots__ = ("_buffer", "_sorted")

    def __init__(self, window: int) -> None:
        if window < 2:
            raise ValueError(f"window must be >= 2, got {window}")
        self._buffer = RingBuffer(window)
        self._sorted: list[float] = []

    def __len__(self) -> int:
        return len(self._buffer)

    def append(self, value: float) -> None:
        """Add one finite value (evicting the oldest when full)."""
        if not math.isfinite(value):
            raise ValueError(f"RollingRank takes finite values, got {value}")
        evicted = self._buffer.append(value)
        if evicted is not None:
            del self._sorted[bisect.bisect_left(self._sorted, evicted)]
        bisect.insort(self._sorted, value)

    def rank(self, value: float) -> float:
        """(value - min) / (max - min) over the held values, clipped to [0, 1]; NaN if < 2."""
        if len(self._sorted) < 2:
            return math.nan
        low, high = self._sorted[0], self._sorted[-1]
        if high - low <= 0.0:
            return 0.5
        return min(max((value - low) / (high - low), 0.0), 1.0)

    def percentile(self, value: float) -> float:
        """Share of held values strictly below ``value``, excluding one copy of it; NaN if < 2."""
        n = len(self._sorted)
        if n < 2:
            return math.nan
        below = bisect.bisect_left(self._sorted, value)
        return below / (n - 1)

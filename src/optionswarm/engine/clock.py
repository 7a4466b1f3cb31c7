"""Clocks: the only place the engine learns the time.

``SimulatedClock`` (backtest) moves only when told to and fires due timers in time order, so a
backtest is deterministic. ``WallClock`` (paper/live) reads the system time — the one place in the
engine that does — and fires timers from a background thread.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import msgspec

__all__ = [
    "Clock",
    "ClockError",
    "SimulatedClock",
    "TimeEvent",
    "TimerCallback",
    "WallClock",
]


class ClockError(ValueError):
    """A timer that cannot be honoured (past alarm, bad interval, duplicate name, rewind)."""


class TimeEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A timer firing: ``ts_ns`` is the scheduled instant (the clock reads this while firing)."""

    name: str
    ts_ns: int


TimerCallback = Callable[[TimeEvent], None]


@runtime_checkable
class Clock(Protocol):
    """Time and timers in UTC nanoseconds."""

    def now_ns(self) -> int:
        """The current time, UTC ns."""
        ...

    def set_alarm(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        """Fire ``callback`` once at ``at_ns``."""
        ...

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire ``callback`` every ``interval_ns`` from ``start_ns`` until ``stop_ns``."""
        ...

    def cancel(self, name: str) -> None:
        """Cancel a timer or alarm; unknown names are ignored."""
        ...

    def timer_names(self) -> list[str]:
        """Names of the pending timers and alarms, sorted."""
        ...


class _Timer(msgspec.Struct, kw_only=True):
    name: str
    next_ns: int
    interval_ns: int  # 0 for a one-shot alarm
    stop_ns: int | None
    callback: TimerCallback
    generation: int


class _TimerTable:
    """Timers in a heap keyed by (time, insertion sequence): ties fire in the order set."""

    def __init__(self) -> None:
        self.timers: dict[str, _Timer] = {}
        self.heap: list[tuple[int, int, str, int]] = []
        self._seq = 0
        self._generation = 0

    def add(self, timer_args: dict[str, object], now_ns: int) -> None:
        name = str(timer_args["name"])
        if name in self.timers:
            raise ClockError(f"timer {name!r} already exists; cancel it first")
        self._generation += 1
        timer = _Timer(**timer_args, generation=self._generation)  # type: ignore[arg-type]
        if timer.next_ns < now_ns:
            raise ClockError(f"timer {name!r} would first fire at {timer.next_ns} < now {now_ns}")
        self.timers[name] = timer
        self._push(timer)

    def _push(self, timer: _Timer) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (timer.next_ns, self._seq, timer.name, timer.generation))

    def cancel(self, name: str) -> None:
        self.timers.pop(name, None)  # heap entry becomes stale and is skipped

    def next_due(self, until_ns: int) -> _Timer | None:
        """Pop the earliest live timer due at or before ``until_ns``."""
        while self.heap and self.heap[0][0] <= until_ns:
            _, _, name, generation = heapq.heappop(self.heap)
            timer = self.timers.get(name)
            if timer is not None and timer.generation == generation:
                return timer
        return None

    def peek_ns(self) -> int | None:
        while self.heap:
            _, _, name, generation = self.heap[0]
            timer = self.timers.get(name)
            if timer is not None and timer.generation == generation:
                return self.heap[0][0]
            heapq.heappop(self.heap)
        return None

    def reschedule(self, timer: _Timer) -> None:
        """After firing: re-arm a repeating timer or forget a one-shot alarm."""
        if self.timers.get(timer.name) is not timer:
            return  # cancelled (or replaced) by its own callback
        nxt = timer.next_ns + timer.interval_ns
        if timer.interval_ns == 0 or (timer.stop_ns is not None and nxt > timer.stop_ns):
            del self.timers[timer.name]
            return
        timer.next_ns = nxt
        self._push(timer)


def _timer_args(
    name: str,
    first_ns: int,
    interval_ns: int,
    callback: TimerCallback,
    stop_ns: int | None,
) -> dict[str, object]:
    if interval_ns < 0:
        raise ClockError(f"timer {name!r}: interval must be > 0, got {interval_ns}")
    return {
        "name": name,
        "next_ns": first_ns,
        "interval_ns": interval_ns,
        "stop_ns": stop_ns,
        "callback": callback,
    }


class SimulatedClock:
    """A clock that moves only by ``advance_to``; timers fire in time order while it moves."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns
        self._table = _TimerTable()

    def now_ns(self) -> int:
        """The simulated time."""
        return self._now_ns

    def set_alarm(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        """Fire once when the clock reaches ``at_ns``."""
        self._table.add(_timer_args(name, at_ns, 0, callback, None), self._now_ns)

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire every ``interval_ns``, first at ``start_ns + interval_ns`` (default start: now)."""
        if interval_ns <= 0:
            raise ClockError(f"timer {name!r}: interval must be > 0, got {interval_ns}")
        first = (self._now_ns if start_ns is None else start_ns) + interval_ns
        self._table.add(_timer_args(name, first, interval_ns, callback, stop_ns), self._now_ns)

    def cancel(self, name: str) -> None:
        """Cancel a pending timer or alarm."""
        self._table.cancel(name)

    def timer_names(self) -> list[str]:
        """Pending timer names, sorted."""
        return sorted(self._table.timers)

    def next_event_ns(self) -> int | None:
        """When the next timer fires, or None."""
        return self._table.peek_ns()

    def advance_to(self, ts_ns: int) -> list[TimeEvent]:
        """Move to ``ts_ns``, firing every timer due on the way (the clock reads each firing time).

        Returns the events fired, in order. Moving backwards is an error.
        """
        if ts_ns < self._now_ns:
            raise ClockError(f"simulated clock cannot move back from {self._now_ns} to {ts_ns}")
        fired: list[TimeEvent] = []
        if self._table.heap:
            while (timer := self._table.next_due(ts_ns)) is not None:
                self._now_ns = timer.next_ns
                event = TimeEvent(name=timer.name, ts_ns=timer.next_ns)
                timer.callback(event)
                fired.append(event)
                self._table.reschedule(timer)
        self._now_ns = ts_ns
        return fired


class WallClock:
    """The real time (UTC ns) with timers fired from one daemon thread.

    ``stop()`` ends the timer thread; timers set afterwards start it again. Callbacks run on the
    timer thread, one at a time.
    """

    def __init__(self) -> None:
        self._table = _TimerTable()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._running = False

    def now_ns(self) -> int:
        """System UTC time in nanoseconds."""
        return time.time_ns()

    def set_alarm(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        """Fire once at ``at_ns`` (an instant already passed fires at once)."""
        with self._cond:
            self._table.add(_timer_args(name, at_ns, 0, callback, None), min(at_ns, self.now_ns()))
            self._wake()

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire every ``interval_ns`` from ``start_ns`` (default now) until ``stop_ns``."""
        if interval_ns <= 0:
            raise ClockError(f"timer {name!r}: interval must be > 0, got {interval_ns}")
        with self._cond:
            now = self.now_ns()
            first = (now if start_ns is None else start_ns) + interval_ns
            self._table.add(
                _timer_args(name, first, interval_ns, callback, stop_ns), min(first, now)
            )
            self._wake()

    def cancel(self, name: str) -> None:
        """Cancel a pending timer or alarm."""
        with self._cond:
            self._table.cancel(name)
            self._cond.notify_all()

    def timer_names(self) -> list[str]:
        """Pending timer names, sorted."""
        with self._cond:
            return sorted(self._table.timers)

    def stop(self) -> None:
        """Stop the timer thread (pending timers stay registered but do not fire)."""
        with self._cond:
            self._running = False
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self._thread = None

    def _wake(self) -> None:
        if not self._running:
            self._running = True
            self._thread = threading.Thread(target=self._loop, name="wallclock-timers", daemon=True)
            self._thread.start()
        self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                timer = self._wait_for_due()
                if timer is None:
                    return
            timer.callback(TimeEvent(name=timer.name, ts_ns=timer.next_ns))
            with self._cond:
                self._table.reschedule(timer)

    def _wait_for_due(self) -> _Timer | None:
        while self._running:
            now = self.now_ns()
            timer = self._table.next_due(now)
            if timer is not None:
                return timer
            nxt = self._table.peek_ns()
            self._cond.wait(timeout=None if nxt is None else max(nxt - now, 0) / 1e9)
        return None

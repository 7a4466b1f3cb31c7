"""``ReplayDriver``: history replayed into a running node at a chosen pace, on the event loop.

Events (bars and chain snapshots, in time order) are grouped by timestamp into sessions. Before a
session the driver waits: while paused; while ``hold()`` says a person has something to decide
(at most ``hold_limit_s`` wall seconds); and for the pace (``speed`` sessions per wall second).
A ``barrier`` (the multi-process ingest role's) is waited for without limit before each session:
the node has finished the previous one. Then it moves the node's simulated clock to the
session's time (due timers fire, e.g. approval expiries), publishes the session's events and
closes the session. The next session's events (the modelled chain: numpy work, and the GARCH fit
on first use) are built in a worker thread while the loop waits, so the loop is busy only for the
node's own processing of each session and the API stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import msgspec
import structlog

from optionswarm.data.replay import ReplayEvent

__all__ = ["ReplayDriver", "ReplayState", "ReplayStatus"]

_log = structlog.get_logger("optionswarm.replay")


class _AdvancingClock(Protocol):
    def now_ns(self) -> int: ...

    def advance_to(self, ts_ns: int) -> object: ...


class ReplayState(enum.StrEnum):
    """Where the replay is."""

    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    HOLDING = "holding"  # waiting for a person to decide an open approval
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"


class ReplayStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A snapshot of the replay's progress (``modelled``: the chains are modelled, not quoted)."""

    state: ReplayState
    underlying: str
    speed: float
    ts_ns: int
    sessions_done: int
    sessions_total: int
    modelled: bool
    error: str = ""


class ReplayDriver:
    """Paces ``events`` into the node: see the module docstring."""

    def __init__(
        self,
        events: Iterator[ReplayEvent],
        clock: _AdvancingClock,
        *,
        publish: Callable[[ReplayEvent], None],
        close_session: Callable[[int], None],
        underlying: str,
        sessions_total: int,
        speed: float,
        modelled: bool = True,
        hold: Callable[[], bool] | None = None,
        hold_limit_s: float = 900.0,
        after_session: Callable[[int], None] | None = None,
        barrier: Callable[[], bool] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0 sessions per second, got {speed}")
        self._events = events
        self._clock = clock
        self._publish = publish
        self._close_session = close_session
        self._after_session = after_session
        self._hold = hold
        self._barrier = barrier
        self.hold_limit_s = hold_limit_s
        self.underlying = underlying
        self.sessions_total = sessions_total
        self.modelled = modelled
        self.speed = speed
        self.sessions_done = 0
        self.state = ReplayState.READY
        self.error = ""
        self._running = asyncio.Event()
        self._running.set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._lookahead: ReplayEvent | None = None

    # -- control ---------------------------------------------------------------------------
    def start(self, *, paused: bool = False) -> None:
        """Begin replaying on the running event loop (optionally paused)."""
        if self._task is not None:
            raise RuntimeError("the replay is already started")
        if paused:
            self.pause()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="replay")

    def pause(self) -> None:
        """Stop before the next session until :meth:`resume`."""
        if self.state in (ReplayState.FINISHED, ReplayState.STOPPED, ReplayState.FAILED):
            return
        self._running.clear()
        self.state = ReplayState.PAUSED

    def resume(self) -> None:
        """Carry on after :meth:`pause`."""
        if self.state is ReplayState.PAUSED:
            self.state = ReplayState.RUNNING
        self._running.set()

    def set_speed(self, speed: float) -> None:
        """Sessions per wall second from now on."""
        if not speed > 0:
            raise ValueError(f"speed must be > 0 sessions per second, got {speed}")
        self.speed = speed

    async def stop(self) -> None:
        """Finish the session in progress, then stop (idempotent)."""
        self._stopping = True
        self._running.set()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.state not in (ReplayState.FINISHED, ReplayState.FAILED):
            self.state = ReplayState.STOPPED

    async def wait(self) -> None:
        """Until the replay has finished, failed or stopped."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def status(self) -> ReplayStatus:
        """Where the replay is now."""
        return ReplayStatus(
            state=self.state,
            underlying=self.underlying,
            speed=self.speed,
            ts_ns=self._clock.now_ns(),
            sessions_done=self.sessions_done,
            sessions_total=self.sessions_total,
            modelled=self.modelled,
            error=self.error,
        )

    # -- the loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        if self.state is ReplayState.READY:
            self.state = ReplayState.RUNNING
        try:
            session = await asyncio.to_thread(self._next_session)
            while session and not self._stopping:
                # build the next session (chains: numpy work) off the loop while this one waits
                upcoming = asyncio.ensure_future(asyncio.to_thread(self._next_session))
                try:
                    await self._gate()
                    if self._stopping:
                        break
                    self._play(session)
                    await asyncio.sleep(1.0 / self.speed)
                    session = await upcoming
                finally:
                    if not upcoming.done():
                        upcoming.cancel()
            if not self._stopping:
                self.state = ReplayState.FINISHED
                _log.info("replay finished", sessions=self.sessions_done)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing session stops the replay, visibly
            self.state = ReplayState.FAILED
            self.error = f"{type(exc).__name__}: {exc}"
            _log.exception("replay failed", sessions=self.sessions_done)

    def _next_session(self) -> list[ReplayEvent]:
        """The events of the next timestamp (runs in a worker thread, one call at a time)."""
        first = self._lookahead if self._lookahead is not None else next(self._events, None)
        self._lookahead = None
        if first is None:
            return []
        session = [first]
        for event in self._events:
            if event.ts_ns != first.ts_ns:
                if event.ts_ns < first.ts_ns:
                    raise ValueError(f"replay went back in time: {event.ts_ns} after {first.ts_ns}")
                self._lookahead = event
                break
            session.append(event)
        return session

    def _play(self, session: list[ReplayEvent]) -> None:
        """Move the clock to the session, publish its events, close it (on the loop)."""
        ts_ns = session[0].ts_ns
        self._clock.advance_to(ts_ns)
        for event in session:
            self._publish(event)
        self._close_session(ts_ns)
        self.sessions_done += 1
        if self._after_session is not None:
            self._after_session(ts_ns)

    async def _gate(self) -> None:
        """Wait while paused, then while a person must decide (bounded), before a session."""
        while not self._running.is_set():
            await self._running.wait()
        while self._barrier is not None and not self._barrier() and not self._stopping:
            await asyncio.sleep(0.001)
        if self._hold is None or not self._hold():
            return
        deadline = time.monotonic() + self.hold_limit_s
        self.state = ReplayState.HOLDING
        while self._hold() and time.monotonic() < deadline and not self._stopping:
            await asyncio.sleep(0.05)
            if not self._running.is_set():
                await self._running.wait()
                self.state = ReplayState.HOLDING
        if self.state is ReplayState.HOLDING:
            self.state = ReplayState.RUNNING

"""``ScheduledAgent``: a slow agent on its own thread and cadence, publishing to a sink.

It implements the swarm's ``SlowAgent`` protocol (``agent_id``, ``start(sink)``, ``stop()``).
Each tick asks a ``ContextSource`` for the current contexts and publishes what the analysis
returns. From a thread, publish into a ``HandoffSink`` that the hot path drains into its
board on its own thread. ``run_once`` does one tick synchronously — what a deterministic
backtest calls at each decision time. An analysis that raises publishes nothing for that
tick (the views it would replace expire), and the loop goes on.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

import structlog

from optionswarm.agents.protocol import ViewSink
from optionswarm.agents.slow.context import AnalystContext
from optionswarm.model import View

__all__ = ["Analysis", "ContextSource", "HandoffSink", "ScheduledAgent"]

_log = structlog.get_logger(__name__)

Analysis = Callable[[AnalystContext], Sequence[View]]


class ContextSource(Protocol):
    """Supplies the contexts to analyse now (one per underlying)."""

    def contexts(self) -> Sequence[AnalystContext]:
        """The current contexts."""
        ...


class HandoffSink:
    """A thread-safe mailbox between a slow agent's thread and the hot path's thread.

    The slow thread ``publish``es; the hot path calls ``drain_into(board)`` on its own thread
    before reading the board, so a board that is not thread-safe (``ViewBoard``) is only ever
    touched by one thread. ``publish`` and ``drain_into`` are O(1) per view.
    """

    def __init__(self) -> None:
        self._views: deque[View] = deque()

    def publish(self, view: View) -> None:
        """Queue ``view`` (any thread)."""
        self._views.append(view)

    def drain_into(self, sink: ViewSink) -> int:
        """Move every queued view into ``sink`` (the consumer's thread); returns how many."""
        moved = 0
        while True:
            try:
                view = self._views.popleft()
            except IndexError:
                return moved
            sink.publish(view)
            moved += 1


class ScheduledAgent:
    """Runs ``analysis`` every ``interval_s`` on a daemon thread (see the module docstring)."""

    def __init__(
        self, agent_id: str, analysis: Analysis, source: ContextSource, interval_s: float
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s!r}")
        self.agent_id = agent_id
        self._analysis = analysis
        self._source = source
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def run_once(self, sink: ViewSink) -> list[View]:
        """Analyse every current context now and publish the views; returns them."""
        published: list[View] = []
        for context in self._source.contexts():
            try:
                views = self._analysis(context)
            except Exception as exc:  # one bad tick must not end the loop
                _log.warning("slow_agent_error", agent_id=self.agent_id, error=repr(exc))
                continue
            for view in views:
                sink.publish(view)
                published.append(view)
        self.ticks += 1
        return published

    def _loop(self, sink: ViewSink) -> None:
        while not self._stop.is_set():
            self.run_once(sink)
            self._stop.wait(self._interval_s)

    def start(self, sink: ViewSink) -> None:
        """Begin publishing to ``sink`` from a daemon thread (no-op when running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(sink,), name=f"slow-{self.agent_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 60.0) -> None:
        """Stop after the current tick (waits up to ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

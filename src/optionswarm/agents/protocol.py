"""The agent protocol for both speeds, and the board that holds each agent's latest view.

* A ``FastAgent`` runs synchronously on every market update: ``on_update(state) -> View`` in
  microseconds, no I/O. It sees only the ``MarketState`` it is handed, which holds data stamped
  at or before ``state.ts_ns``.
* A ``SlowAgent`` (LLM analyst, news reader) runs on its own cadence and *publishes* views with
  a time-to-live to a ``ViewBoard``; it is never awaited on the hot path. A slow, failing or
  absent agent simply has no live view, which consensus treats as an abstention.
* ``ViewBoard.live(now)`` is what consensus reads: the latest unexpired view per agent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import msgspec

from optionswarm.features import Features
from optionswarm.model import ChainSnapshot, View

__all__ = ["FastAgent", "MarketState", "SlowAgent", "ViewBoard", "ViewSink"]


class MarketState(msgspec.Struct, frozen=True, kw_only=True):
    """What a fast agent sees at ``ts_ns``: the features and the latest chain (may be None)."""

    underlying: str
    ts_ns: int
    features: Features
    chain: ChainSnapshot | None = None


@runtime_checkable
class FastAgent(Protocol):
    """A synchronous agent on the hot path."""

    agent_id: str

    def on_update(self, state: MarketState) -> View:
        """Return this agent's view (or an abstention) as of ``state.ts_ns``."""
        ...


class ViewSink(Protocol):
    """Where a slow agent publishes its views."""

    def publish(self, view: View) -> None:
        """Accept one view."""
        ...


@runtime_checkable
class SlowAgent(Protocol):
    """An agent that publishes views on its own cadence (e.g. an LLM analyst).

    ``start(sink)`` begins publishing to ``sink`` (from a task or thread of its own); ``stop``
    ends it. Its views carry a ``ttl_ns``; consensus ignores them once expired.
    """

    agent_id: str

    def start(self, sink: ViewSink) -> None:
        """Begin publishing views to ``sink``."""
        ...

    def stop(self) -> None:
        """Stop publishing."""
        ...


class ViewBoard:
    """The latest view per (agent, underlying); ``live`` returns those unexpired at ``now``.

    A view older than the one held for its agent is ignored (late delivery never rolls a view
    back); a view stamped after ``now`` is not live at ``now``. Slow agents publish from their
    own threads: a lock guards the board (held for a dictionary update or copy only).
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], View] = {}
        self._lock = threading.Lock()

    def publish(self, view: View) -> None:
        """Hold ``view`` unless a newer one from the same agent is already held."""
        key = (view.agent_id, view.underlying)
        with self._lock:
            held = self._latest.get(key)
            if held is None or view.ts_ns >= held.ts_ns:
                self._latest[key] = view

    def publish_all(self, views: Iterable[View]) -> None:
        """Publish several views."""
        for view in views:
            self.publish(view)

    def live(self, underlying: str, now_ns: int) -> list[View]:
        """The live views on ``underlying`` at ``now_ns``, ordered by agent id."""
        with self._lock:
            held = list(self._latest.items())
        views = [view for (_, name), view in held if name == underlying and view.is_live(now_ns)]
        return sorted(views, key=lambda view: view.agent_id)

    def clear(self) -> None:
        """Forget every view."""
        with self._lock:
            self._latest.clear()

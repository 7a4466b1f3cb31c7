"""``EventHub``: the node's bus events as JSON-ready messages, fanned out to stream clients.

The hub subscribes to the topics a person watches (quotes, chains, decisions, orders, fills,
risk, approvals, portfolio) and turns each event into ``{"type", "ts_ns", "seq", "data"}``.
Every subscriber gets its own bounded ``asyncio.Queue``; a client that does not keep up loses
its oldest messages (counted in ``dropped``), never slows the node down. Everything runs on the
event loop's thread, the thread the node runs on.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec

from optionswarm.bus import MessageBus, Subscription, Topic
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, FILLS, PORTFOLIO, REJECTIONS
from optionswarm.execution import ORDER_EVENTS
from optionswarm.model import ChainSnapshot
from optionswarm.oversight.types import APPROVAL_DECIDED, APPROVAL_EXPIRED, APPROVAL_REQUESTED
from optionswarm.risk import (
    RISK_TOPICS,
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
    TradingStateChanged,
)

__all__ = ["EventHub", "StreamEvent", "StreamFanout"]

StreamEvent = dict[str, Any]
"""One message to a stream client: ``{"type": str, "ts_ns": int, "seq": int, "data": dict}``."""


def _chain_summary(chain: ChainSnapshot) -> dict[str, Any]:
    return {
        "underlying": chain.underlying,
        "ts_ns": chain.ts_ns,
        "rows": len(chain),
        "spot": chain.spot,
        "modelled": chain.modelled,
    }


def _plain(event: object) -> dict[str, Any]:
    data = msgspec.to_builtins(event)
    return data if isinstance(data, dict) else {"value": data}


_STREAMED: tuple[tuple[str, Topic[Any], Callable[[Any], dict[str, Any]]], ...] = (
    ("quote", BARS, _plain),
    ("chain", CHAINS, _chain_summary),
    ("decision", DECISIONS, _plain),
    ("order", ORDER_EVENTS, _plain),
    ("rejection", REJECTIONS, _plain),
    ("fill", FILLS, _plain),
    ("breaker", RISK_TOPICS[BreakerTripped], _plain),
    ("breaker", RISK_TOPICS[BreakerReset], _plain),
    ("state", RISK_TOPICS[TradingStateChanged], _plain),
    ("state", RISK_TOPICS[KillSwitchEngaged], _plain),
    ("approval", APPROVAL_REQUESTED, _plain),
    ("approval", APPROVAL_DECIDED, _plain),
    ("approval", APPROVAL_EXPIRED, _plain),
    ("portfolio", PORTFOLIO, _plain),
)


class StreamFanout:
    """Bounded fan-out of stream messages to asyncio queues (one per client), with a history.

    A client that does not keep up loses its oldest messages (counted in ``dropped``).
    """

    def __init__(self, *, history: int = 200) -> None:
        self._queues: set[asyncio.Queue[StreamEvent]] = set()
        self.recent: deque[StreamEvent] = deque(maxlen=history)
        self.dropped = 0
        self.published = 0

    def offer(self, message: StreamEvent) -> None:
        """Keep ``message`` in ``recent`` and put it on every client's queue."""
        self.recent.append(message)
        self.published += 1
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()  # the slow client loses its oldest message
                self.dropped += 1
            queue.put_nowait(message)

    def subscribe(self, maxsize: int = 1000) -> asyncio.Queue[StreamEvent]:
        """A new client's queue of messages (bounded; oldest dropped when full)."""
        queue: asyncio.Queue[StreamEvent] = asyncio.Queue(maxsize=maxsize)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[StreamEvent]) -> None:
        """Forget a client's queue."""
        self._queues.discard(queue)

    @property
    def subscribers(self) -> int:
        """How many clients are connected."""
        return len(self._queues)

    def queue_depths(self) -> list[int]:
        """Messages waiting per client (for metrics)."""
        return [queue.qsize() for queue in self._queues]


class EventHub(StreamFanout):
    """The node's bus events, fanned out to any number of asyncio consumers."""

    def __init__(self, bus: MessageBus, *, history: int = 200) -> None:
        super().__init__(history=history)
        self.bus = bus
        self._seq = itertools.count(1)
        self._subscriptions: list[Subscription] = []

    def start(self) -> None:
        """Subscribe to the streamed topics."""
        for kind, topic, convert in _STREAMED:
            self._subscriptions.append(self.bus.subscribe(topic, self._forwarder(kind, convert)))

    def stop(self) -> None:
        """Unsubscribe; connected clients keep their queues until they leave."""
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def _forwarder(
        self, kind: str, convert: Callable[[Any], dict[str, Any]]
    ) -> Callable[[Any], None]:
        def forward(event: Any) -> None:
            ts_ns = getattr(event, "ts_ns", None)
            self.emit(kind, convert(event), ts_ns if isinstance(ts_ns, int) else 0)

        return forward

    def emit(self, kind: str, data: dict[str, Any], ts_ns: int) -> StreamEvent:
        """Send one message to every subscriber (and keep it in ``recent``)."""
        message: StreamEvent = {"type": kind, "ts_ns": ts_ns, "seq": next(self._seq), "data": data}
        self.offer(message)
        return message

"""The dashboard's live stream across processes: the trading role's hub onto NATS, and back.

In the trading role a :class:`StreamPublisher` drains the ``EventHub`` (the same JSON-ready
``{type, ts_ns, seq, data}`` events a local client gets) on the node's thread and publishes them
in frames on the ``stream.events`` topic (every ``interval_s``, 50 ms by default). In the api
role a :class:`StreamBridge` subscribes to that topic and is what ``/api/stream`` uses as
``runtime.hub``: ``subscribe(maxsize)`` gives each client its own bounded queue, ``unsubscribe``
forgets it; the events, their order and their ``seq`` are the trading hub's own.

Delivery is best effort for a client, as in one process: the topic travels on JetStream through
the bus (at least once; the bus drops redelivered frames), but a client that does not keep up
loses its oldest events, and one connected after an event never sees it (``recent`` keeps the
last few). One api process per bus ``consumer`` name: processes sharing one split the frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import msgspec
import structlog

from optionswarm.bus import MessageBus, Subscription, Topic
from optionswarm.cluster.service_rpc import RunOnNode
from optionswarm.service.hub import EventHub, StreamEvent, StreamFanout

__all__ = ["STREAM", "HubEvent", "StreamBridge", "StreamFrame", "StreamPublisher"]


class HubEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One hub event on the wire (``data`` holds plain JSON-ready values)."""

    type: str
    ts_ns: int
    seq: int
    data: dict[str, Any]


class StreamFrame(msgspec.Struct, frozen=True, kw_only=True):
    """Hub events in the order the hub emitted them (one bus message for a burst)."""

    events: tuple[HubEvent, ...]


STREAM: Topic[StreamFrame] = Topic("stream.events", StreamFrame)
_log = structlog.get_logger("optionswarm.cluster.stream")


class StreamPublisher:
    """Trading side: every event of ``hub`` onto ``bus``, in frames of at most ``batch``.

    The hub lives on the node's thread, which need not run an event loop: a publisher thread
    drains the hub's queue there through ``run_on_node`` every ``interval_s`` and publishes
    what it got. A burst beyond ``maxsize`` undrained events loses its oldest, as any slow
    stream client would. Call :meth:`start` and :meth:`stop` on the node's thread, or while it
    runs nothing (before the node thread starts, after it stopped).
    """

    def __init__(
        self,
        hub: EventHub,
        bus: MessageBus,
        run_on_node: RunOnNode,
        *,
        interval_s: float = 0.05,
        maxsize: int = 10_000,
        batch: int = 500,
    ) -> None:
        self.hub = hub
        self.bus = bus
        self.run_on_node = run_on_node
        self.interval_s = interval_s
        self.maxsize = maxsize
        self.batch = batch
        self.frames = 0
        self._queue: asyncio.Queue[StreamEvent] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, thread: bool = True) -> None:
        """Subscribe to the hub and forward every ``interval_s`` on a thread of its own;
        ``thread=False``: the caller calls :meth:`forward` when it likes."""
        if self._queue is not None:
            return
        self._queue = self.hub.subscribe(self.maxsize)
        if thread:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="stream-publisher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.forward()
            except Exception as error:  # the node stopped, or the bus is gone: stop streaming
                if not self._stop.is_set():
                    _log.warning("stream_publisher_stopped", error=repr(error))
                return
            self._stop.wait(self.interval_s)

    def forward(self) -> int:
        """Drain the hub's queue now and publish what was in it; returns the event count."""
        queue = self._queue
        if queue is None:
            return 0
        events = self.run_on_node(lambda: _drain(queue))
        for start in range(0, len(events), self.batch):
            chunk = events[start : start + self.batch]
            self.bus.publish(STREAM, StreamFrame(events=tuple(_wire(e) for e in chunk)))
            self.frames += 1
        return len(events)

    def stop(self) -> None:
        """Stop forwarding and leave the hub (events not yet drained are dropped). It does not
        wait for the publisher thread, which may be waiting for the node's thread; a frame in
        flight is still published, or dropped once the bus is closed."""
        self._stop.set()
        self._thread = None
        queue, self._queue = self._queue, None
        if queue is not None:
            self.hub.unsubscribe(queue)


def _drain(queue: asyncio.Queue[StreamEvent]) -> list[StreamEvent]:
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def _wire(event: StreamEvent) -> HubEvent:
    return HubEvent(type=event["type"], ts_ns=event["ts_ns"], seq=event["seq"], data=event["data"])


class StreamBridge(StreamFanout):
    """Api side: a hub fed from ``stream.events`` (see the module docstring).

    Frames arrive on the bus's delivery thread and are fanned out on the event loop of the first
    subscriber (the server's), so each client's ``asyncio.Queue`` is touched on its own loop only.
    """

    def __init__(self, bus: MessageBus, *, history: int = 200) -> None:
        super().__init__(history=history)
        self.bus = bus
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._subscription: Subscription | None = None

    def start(self) -> None:
        """Subscribe to the trading role's stream."""
        if self._subscription is None:
            self._subscription = self.bus.subscribe(STREAM, self._on_frame)

    def stop(self) -> None:
        """Unsubscribe; connected clients keep their queues until they leave."""
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            self.bus.unsubscribe(subscription)

    def _on_frame(self, frame: StreamFrame) -> None:
        events: list[StreamEvent] = [msgspec.structs.asdict(e) for e in frame.events]
        with self._lock:
            loop = self._loop
            if loop is None:  # nobody subscribed yet: only ``recent`` changes
                self.recent.extend(events)
                self.published += len(events)
                return
        with contextlib.suppress(RuntimeError):  # the server's loop has closed
            loop.call_soon_threadsafe(self._fan_out, events)

    def _fan_out(self, events: list[StreamEvent]) -> None:
        for event in events:
            self.offer(event)

    def subscribe(self, maxsize: int = 1000) -> asyncio.Queue[StreamEvent]:
        """A new client's queue of events (call on the server's event loop)."""
        with self._lock:
            self._loop = asyncio.get_running_loop()
        return super().subscribe(maxsize)

"""The consuming half of ``NatsBus``: one durable consumer per topic, one dispatcher thread.

Threading model: the nats-py callback (event-loop thread) only puts the raw message on a queue;
the single dispatcher thread decodes it, drops it if its message id was already handled
(redelivery), calls the topic's handlers in subscription order and hands the message back to the
loop to be acknowledged. Handlers therefore run one at a time, never on the loop thread, so a
handler may publish, subscribe or make requests without deadlocking the client.
"""

from __future__ import annotations

import collections
import queue
import threading
import traceback
from collections.abc import Callable
from typing import Any

import structlog
from nats.aio.msg import Msg

from optionswarm.bus._nats_codec import MessageCodec
from optionswarm.bus._nats_loop import LoopBatcher
from optionswarm.bus._nats_publish import FRAME_HEADER, MSG_ID_HEADER

__all__ = ["FRAME_HEADER", "Dispatcher", "SeenWindow", "TopicConsumer"]

_log = structlog.get_logger("optionswarm.bus.nats")
Handler = Callable[[Any], None]


class SeenWindow:
    """The last ``size`` message ids handled, for dropping redeliveries (FIFO eviction)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._order: collections.deque[str] = collections.deque()
        self._ids: set[str] = set()

    def add(self, msg_id: str) -> bool:
        """Record ``msg_id``; False if it was already in the window."""
        if msg_id in self._ids:
            return False
        self._ids.add(msg_id)
        self._order.append(msg_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class TopicConsumer:
    """Local state of one subscribed topic: handlers, dedupe window, progress."""

    def __init__(self, topic: str, codec: MessageCodec[Any], seen_window: int) -> None:
        self.topic = topic
        self.codec = codec
        self.handlers: tuple[tuple[int, Handler], ...] = ()
        self.seen = SeenWindow(seen_window)
        self.handled_seq = 0  # highest stream sequence dispatched (dispatcher thread writes)
        self.subscription: Any = None


class Dispatcher:
    """The one thread that runs handlers (see the module docstring)."""

    def __init__(self, acks: LoopBatcher[Msg]) -> None:
        self._queue: queue.SimpleQueue[tuple[TopicConsumer, Msg] | None] = queue.SimpleQueue()
        self._acks = acks
        self.delivered = 0
        self.handler_errors = 0
        self.duplicates = 0
        self.poison = 0
        self.activity = 0  # bumped per message handled (``flush`` consistency check)
        self.busy = False
        self._thread = threading.Thread(target=self._main, name="optionswarm-bus-dispatch")
        self._thread.daemon = True
        self._thread.start()

    def on_thread(self) -> bool:
        """True when called from a handler (the dispatcher thread)."""
        return threading.current_thread() is self._thread

    def queued(self) -> int:
        """Messages received but not yet handled."""
        return self._queue.qsize()

    async def enqueue(self, consumer: TopicConsumer, msg: Msg) -> None:
        """nats-py callback body (loop thread): hand the message over."""
        self._queue.put((consumer, msg))

    def stop(self) -> None:
        """Finish the queued messages, then end the thread."""
        self._queue.put(None)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def _main(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self.busy = True
            consumer, msg = item
            try:
                self._handle(consumer, msg)
            finally:
                _note_sequence(consumer, msg)
                self._acks.submit(msg)
                self.activity += 1
                self.busy = False

    def _handle(self, consumer: TopicConsumer, msg: Msg) -> None:
        headers = msg.headers
        msg_id = headers.get(MSG_ID_HEADER) if headers else None
        if msg_id is not None and not consumer.seen.add(msg_id):
            self.duplicates += 1
            return
        try:
            if headers and FRAME_HEADER in headers:
                messages = consumer.codec.decode_many(msg.data)
            else:
                messages = [consumer.codec.decode(msg.data)]
        except Exception as error:  # a bad payload is poison: logged, acked, never delivered
            self.poison += 1
            _log.error("undecodable_message", topic=consumer.topic, error=repr(error))
            return
        handlers = consumer.handlers
        for message in messages:
            for _, handler in handlers:
                try:
                    handler(message)
                    self.delivered += 1
                except Exception as error:  # isolation: one subscriber never stops the others
                    self._on_handler_error(consumer.topic, handler, error)

    def _on_handler_error(self, topic: str, handler: Handler, error: Exception) -> None:
        self.handler_errors += 1
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        _log.error(
            "subscriber_failed",
            topic=topic,
            handler=getattr(handler, "__qualname__", repr(handler)),
            error=repr(error),
            where=f"{frame.filename}:{frame.lineno}" if frame is not None else "",
        )


def _note_sequence(consumer: TopicConsumer, msg: Msg) -> None:
    try:
        seq = msg.metadata.sequence.stream
    except Exception:  # not a JetStream message (cannot happen on a durable consumer)
        _log.warning("no_stream_sequence", topic=consumer.topic)
        return
    consumer.handled_seq = max(consumer.handled_seq, seq)

"""The embedded bus: synchronous, depth-first, in-process delivery.

Delivery is synchronous and in subscription order, so a backtest is deterministic: a handler that
publishes during delivery has its message delivered (depth-first) before ``publish`` returns.
Subscriber lists are immutable tuples replaced on change, so subscribing or unsubscribing during
delivery is safe and takes effect from the next message.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import structlog

from optionswarm.bus._port import (
    BusClosedError,
    BusStats,
    MessageTypeError,
    NoResponderError,
    RequestFailedError,
    Subscription,
)
from optionswarm.bus._topic import RequestTopic, Topic

__all__ = ["InProcessBus"]

M = TypeVar("M")
Req = TypeVar("Req")
Resp = TypeVar("Resp")

_log = structlog.get_logger("optionswarm.bus")

_Handler = Callable[[Any], None]


class InProcessBus:
    """In-process implementation of the ``MessageBus`` port (the embedded default)."""

    def __init__(self) -> None:
        self._handlers: dict[str, tuple[_Handler, ...]] = {}
        self._ids: dict[str, tuple[int, ...]] = {}
        self._responders: dict[str, Callable[[Any], Any]] = {}
        self._next_id = 0
        self._published = 0
        self._delivered = 0
        self._handler_errors = 0
        self._requests = 0
        self._closed = False

    def publish(self, topic: Topic[M], message: M) -> None:
        """Deliver ``message`` to each subscriber; a failing subscriber is logged and counted."""
        if message.__class__ is not topic.message_type and not isinstance(
            message, topic.message_type
        ):
            raise MessageTypeError(
                f"topic {topic.name!r} carries {topic.message_type.__name__}, "
                f"got {type(message).__name__}"
            )
        self._published += 1
        handlers = self._handlers.get(topic.name)
        if handlers is None:
            return
        self._delivered += len(handlers)
        for handler in handlers:
            try:
                handler(message)
            except Exception as exc:  # isolation is the point: one subscriber never kills the bus
                self._on_handler_error(topic.name, handler, exc)

    def _on_handler_error(self, topic: str, handler: _Handler, exc: Exception) -> None:
        self._delivered -= 1
        self._handler_errors += 1
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        _log.error(
            "subscriber_failed",
            topic=topic,
            handler=getattr(handler, "__qualname__", repr(handler)),
            error=repr(exc),
            where=f"{frame.filename}:{frame.lineno}" if frame is not None else "",
        )

    def subscribe(self, topic: Topic[M], handler: Callable[[M], None]) -> Subscription:
        """Register ``handler`` for ``topic``; returns a handle for ``unsubscribe``."""
        self._next_id += 1
        name = topic.name
        self._handlers[name] = (*self._handlers.get(name, ()), handler)
        self._ids[name] = (*self._ids.get(name, ()), self._next_id)
        return Subscription(topic=name, subscription_id=self._next_id)

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove one subscription; unknown or already removed handles are ignored."""
        ids = self._ids.get(subscription.topic, ())
        if subscription.subscription_id not in ids:
            return
        index = ids.index(subscription.subscription_id)
        handlers = self._handlers[subscription.topic]
        self._ids[subscription.topic] = ids[:index] + ids[index + 1 :]
        self._handlers[subscription.topic] = handlers[:index] + handlers[index + 1 :]
        if not self._handlers[subscription.topic]:
            del self._handlers[subscription.topic]
            del self._ids[subscription.topic]

    def register_responder(
        self, topic: RequestTopic[Req, Resp], responder: Callable[[Req], Resp]
    ) -> None:
        """Install the one responder of ``topic``; a second registration is a wiring bug."""
        if topic.name in self._responders:
            raise ValueError(f"request topic {topic.name!r} already has a responder")
        self._responders[topic.name] = responder

    def request(self, topic: RequestTopic[Req, Resp], message: Req) -> Resp:
        """Ask the responder; its failure surfaces as ``RequestFailedError`` to this caller only."""
        if not isinstance(message, topic.request_type):
            raise MessageTypeError(
                f"request topic {topic.name!r} takes {topic.request_type.__name__}, "
                f"got {type(message).__name__}"
            )
        if self._closed:
            raise BusClosedError(f"request on {topic.name!r} after close")
        responder = self._responders.get(topic.name)
        if responder is None:
            raise NoResponderError(f"no responder registered for {topic.name!r}")
        self._requests += 1
        try:
            response = responder(message)
        except Exception as exc:
            self._handler_errors += 1
            _log.error("responder_failed", topic=topic.name, error=repr(exc))
            raise RequestFailedError(f"responder of {topic.name!r} failed: {exc!r}") from exc
        if not isinstance(response, topic.response_type):
            raise MessageTypeError(
                f"responder of {topic.name!r} returned {type(response).__name__}, "
                f"expected {topic.response_type.__name__}"
            )
        return response

    def stats(self) -> BusStats:
        """Counters since creation."""
        return BusStats(
            published=self._published,
            delivered=self._delivered,
            handler_errors=self._handler_errors,
            requests=self._requests,
        )

    def _publish_after_close(self, topic: Topic[M], message: M) -> None:
        raise BusClosedError(f"publish on {topic.name!r} after close")

    def close(self) -> None:
        """Refuse further publishes and requests; subscriptions are dropped."""
        self._closed = True
        self.publish = self._publish_after_close  # type: ignore[method-assign]  # hot path stays check-free
        self._handlers.clear()
        self._ids.clear()
        self._responders.clear()

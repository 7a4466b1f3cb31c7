"""The message-bus port: what every implementation (in-process, NATS JetStream) provides.

Error tree::

    BusError
     +-- MessageTypeError     publish/request with a message of the wrong type (caller bug)
     +-- NoResponderError     request on a topic nobody answers (wiring bug)
     +-- RequestFailedError   the responder raised; the original error is the ``__cause__``
     +-- BusClosedError       the bus was closed

A subscriber's exception never reaches the publisher: it is logged, counted in
``BusStats.handler_errors`` and the remaining subscribers still receive the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

import msgspec

from optionswarm.bus._topic import RequestTopic, Topic

__all__ = [
    "BusClosedError",
    "BusError",
    "BusStats",
    "MessageBus",
    "MessageTypeError",
    "NoResponderError",
    "RequestFailedError",
    "Subscription",
]

M = TypeVar("M")
Req = TypeVar("Req")
Resp = TypeVar("Resp")


class BusError(RuntimeError):
    """Base of every bus error."""


class MessageTypeError(BusError, TypeError):
    """A message does not match its topic's declared type."""


class NoResponderError(BusError):
    """A request was sent to a topic without a registered responder."""


class RequestFailedError(BusError):
    """The responder raised while answering a request."""


class BusClosedError(BusError):
    """The bus has been closed; nothing more may be published."""


class BusStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counters since the bus was created."""

    published: int
    delivered: int
    handler_errors: int
    requests: int


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A handle returned by ``subscribe``; pass it to ``unsubscribe``."""

    topic: str
    subscription_id: int


@runtime_checkable
class MessageBus(Protocol):
    """Typed publish/subscribe and request/response between components."""

    def publish(self, topic: Topic[M], message: M) -> None:
        """Deliver ``message`` to every subscriber of ``topic`` (in subscription order)."""
        ...

    def subscribe(self, topic: Topic[M], handler: Callable[[M], None]) -> Subscription:
        """Call ``handler`` with every message later published on ``topic``."""
        ...

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop a subscription; unknown or repeated handles are ignored."""
        ...

    def register_responder(
        self, topic: RequestTopic[Req, Resp], responder: Callable[[Req], Resp]
    ) -> None:
        """Make ``responder`` answer requests on ``topic`` (one responder per topic)."""
        ...

    def request(self, topic: RequestTopic[Req, Resp], message: Req) -> Resp:
        """Send ``message`` to the topic's responder and return its answer."""
        ...

    def stats(self) -> BusStats:
        """Counters: published, delivered, handler errors, requests."""
        ...

    def close(self) -> None:
        """Stop delivering; later publishes raise ``BusClosedError``."""
        ...

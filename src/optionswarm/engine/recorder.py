"""``AuditRecorder``: appends every decision, order, rejection and fill to the audit log.

The node adds the risk engine's and the order manager's topics (verdicts, breaker trips and resets,
trading-state changes, order transitions, assignments), so that every event that matters is kept.
Kinds follow ``optionswarm.audit.AuditKind``'s dotted names.

Records are buffered and written in one group commit per session close (and on stop), so the
audit log costs one transaction per simulated day, not one per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from optionswarm.bus import MessageBus, Subscription, Topic
from optionswarm.engine.clock import Clock
from optionswarm.engine.component import Component
from optionswarm.engine.events import SessionClose
from optionswarm.engine.topics import DECISIONS, FILLS, ORDERS, REJECTIONS, SESSIONS

__all__ = ["ENGINE_RECORDED_TOPICS", "AuditRecorder", "AuditSink", "RecordedTopic"]


@runtime_checkable
class AuditSink(Protocol):
    """The part of ``optionswarm.audit.AuditLog`` the engine uses."""

    def append_many(self, events: Iterable[tuple[str, Any, int]]) -> list[Any]:
        """Append a batch atomically."""
        ...

    def root(self, size: int | None = None) -> bytes:
        """The Merkle root over the first ``size`` records (default: all)."""
        ...


RecordedTopic = tuple[str, Topic[Any]]
"""An audit kind and the bus topic whose messages are recorded under it."""

ENGINE_RECORDED_TOPICS: tuple[RecordedTopic, ...] = (
    ("strategy.decision", DECISIONS),
    ("order.submitted", ORDERS),
    ("order.rejected", REJECTIONS),
    ("order.fill", FILLS),
)


class AuditRecorder(Component):
    """Subscribes to ``topics`` (the engine's by default) and appends each message to ``sink``."""

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        sink: AuditSink,
        topics: Sequence[RecordedTopic] = ENGINE_RECORDED_TOPICS,
    ) -> None:
        super().__init__("audit-recorder", bus, clock)
        self.sink = sink
        self.topics = tuple(topics)
        self._buffer: list[tuple[str, Any, int]] = []
        self._subscriptions: list[Subscription] = []
        self.recorded = 0

    def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(topic, self._recorder(kind)) for kind, topic in self.topics
        ]
        self._subscriptions.append(self.bus.subscribe(SESSIONS, self._on_session))

    def _recorder(self, kind: str) -> Any:
        buffer = self._buffer
        clock = self.clock

        def record(message: Any) -> None:
            buffer.append((kind, message, clock.now_ns()))

        return record

    def _on_session(self, _: SessionClose) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the buffered records in one batch."""
        if self._buffer:
            self.sink.append_many(list(self._buffer))
            self.recorded += len(self._buffer)
            self._buffer.clear()

    def on_stop(self) -> None:
        self.flush()
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def root_hex(self) -> str:
        """Hex Merkle root of everything recorded so far."""
        self.flush()
        return self.sink.root().hex()

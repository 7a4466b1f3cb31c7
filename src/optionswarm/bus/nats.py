"""The scale-out bus: the ``MessageBus`` port on NATS JetStream (nats-py 2.x).

Layout on the server (``prefix`` keeps deployments and test runs apart):

* one stream per topic family (the topic name's first token): topic ``orders.fills`` is subject
  ``<prefix>.orders.fills`` in stream ``<PREFIX>_ORDERS``;
* one durable push consumer per (``consumer`` name, topic): ``<consumer>_orders_fills``. Give
  each role its own ``consumer`` name; processes sharing a name share (split) the messages, and a
  restarted process resumes from its consumer's acknowledged position;
* request/response on core NATS subjects ``<prefix>_rpc.<topic>`` (queue group ``responders``).

Delivery is at least once. Each publish carries a ``Nats-Msg-Id`` (the server drops a resend
within the duplicate window); each consumer keeps a window of handled ids and drops a redelivered
one, acknowledging it again, so a redelivery changes nothing. Publishing is asynchronous: at most
``max_pending_publishes`` may await their acknowledgement (then ``publish`` blocks), overdue ones
are resent with the same id, and ``flush`` waits until everything published is acknowledged and
every message on a topic this bus subscribes to has been handled. The client reconnects forever.

Threading: nats-py runs on one event-loop thread (``_nats_loop``); handlers run one at a time on
one dispatcher thread (``_nats_consume``); responders on a small thread pool. Unlike the
in-process bus, delivery is not depth-first: a message published by a handler is delivered after
that handler returns, and ``publish`` returns before any subscriber has run.

What a JetStream acknowledgement promises: the message is in the stream on the server (on a
quorum of ``replicas`` in a cluster). With the server's default ``sync_interval`` (2 min) it sits
in the page cache: it survives a killed server process, not a power cut of a single node. The
transactional store, not the bus, is the record of truth for orders, fills, approvals and audit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

import msgspec
import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from optionswarm.bus._nats_codec import codec_for
from optionswarm.bus._nats_consume import Dispatcher, TopicConsumer
from optionswarm.bus._nats_loop import LoopBatcher, LoopThread
from optionswarm.bus._nats_publish import (
    OutgoingMessage,
    PendingPublishes,
    PublishBackpressureError,
    PublishFailedError,
)
from optionswarm.bus._nats_rpc import RemoteResponderError, answer, raise_for_reply
from optionswarm.bus._port import (
    BusClosedError,
    BusError,
    BusStats,
    MessageTypeError,
    NoResponderError,
    RequestFailedError,
    Subscription,
)
from optionswarm.bus._topic import RequestTopic, Topic

__all__ = [
    "BusUnavailableError",
    "FlushTimeoutError",
    "NatsBus",
    "NatsBusConfig",
    "NatsTransportStats",
    "PublishBackpressureError",
    "PublishFailedError",
    "RemoteResponderError",
]

M = TypeVar("M")
Req = TypeVar("Req")
Resp = TypeVar("Resp")

_log = structlog.get_logger("optionswarm.bus.nats")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


class BusUnavailableError(BusError, ConnectionError):
    """The NATS server could not be reached when the bus was created."""


class FlushTimeoutError(BusError, TimeoutError):
    """``flush`` ran out of time before everything was acknowledged and handled."""


class NatsBusConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the server is and how streams, consumers and publishing behave."""

    servers: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    prefix: str = "osw"  # subject root and stream-name prefix: one per deployment or test run
    consumer: str = "node"  # durable consumer name stem: one per role
    replicas: int = 1  # stream replicas: 3 in a cluster so an ack means a quorum holds it
    storage: Literal["file", "memory"] = "file"
    max_age_s: float = 86_400.0  # the bus is a transport, not an archive
    max_bytes: int = -1
    duplicate_window_s: float = 120.0
    max_pending_publishes: int = 8_192
    publish_block_timeout_s: float = 30.0
    ack_timeout_s: float = 2.0  # resend a publish whose ack is this late (same message id)
    give_up_s: float = 60.0  # ... until this old: then counted as failed
    ack_wait_s: float = 30.0  # server redelivers a message not acked by a consumer in this time
    max_ack_pending: int = 16_384  # consumer-side back-pressure: unacked messages in flight
    seen_window: int = 100_000  # message ids remembered per topic for dropping redeliveries
    request_timeout_s: float = 5.0
    connect_timeout_s: float = 2.0
    reconnect_wait_s: float = 0.25
    responder_threads: int = 4
    close_timeout_s: float = 5.0


class NatsTransportStats(msgspec.Struct, frozen=True, kw_only=True):
    """What the NATS transport did beyond the port's ``BusStats``."""

    pending_publishes: int
    publish_retries: int
    publish_failures: int
    duplicates_dropped: int
    poison_messages: int
    reconnects: int


def _check_token(name: str, value: str) -> None:
    if not value or not set(value) <= _TOKEN_CHARS:
        raise ValueError(f"{name} {value!r} must be lowercase letters, digits, '_' or '-'")


class NatsBus:
    """``MessageBus`` on NATS JetStream (see the module docstring)."""

    def __init__(self, config: NatsBusConfig | None = None) -> None:
        self.config = cfg = config or NatsBusConfig()
        _check_token("prefix", cfg.prefix)
        _check_token("consumer", cfg.consumer)
        if cfg.give_up_s >= cfg.duplicate_window_s:
            raise ValueError(
                "give_up_s must be below duplicate_window_s, or a resend could duplicate"
            )
        self._reconnects = 0
        self._closed = False
        self._loop = LoopThread("optionswarm-bus-nats")
        try:
            self._nc: Client = self._loop.run(self._connect(), timeout=cfg.connect_timeout_s * 4)
        except Exception as error:
            self._loop.stop()
            raise BusUnavailableError(f"cannot reach NATS at {cfg.servers}: {error!r}") from error
        self._js = self._nc.jetstream()
        self._pending = PendingPublishes(
            self._nc,
            max_pending=cfg.max_pending_publishes,
            block_timeout_s=cfg.publish_block_timeout_s,
            ack_timeout_s=cfg.ack_timeout_s,
            give_up_s=cfg.give_up_s,
        )
        self._loop.run(self._pending.start(), timeout=10)
        self._outbox: LoopBatcher[OutgoingMessage] = LoopBatcher(
            self._loop.loop, self._pending.send
        )
        self._acks: LoopBatcher[Msg] = LoopBatcher(self._loop.loop, self._ack)
        self._dispatcher = Dispatcher(self._acks)
        self._sweeper = asyncio.run_coroutine_threadsafe(
            self._pending.sweep_forever(min(0.25, cfg.ack_timeout_s / 4)), self._loop.loop
        )
        self._responder_pool = ThreadPoolExecutor(
            cfg.responder_threads, thread_name_prefix="optionswarm-bus-responder"
        )
        self._lock = threading.RLock()
        self._streams: dict[str, str] = {}  # family -> stream name
        self._subjects: dict[str, str] = {}  # topic -> subject (its stream exists)
        self._consumers: dict[str, TopicConsumer] = {}
        self._responders: dict[str, Any] = {}
        self._origin = secrets.token_hex(6)
        self._ids = itertools.count(1)
        self._next_sub_id = 0
        self._requests = 0
        self._failures_reported = 0
        self._closed = False

    async def _connect(self) -> Client:
        cfg = self.config

        async def on_disconnected() -> None:
            if not self._closed:
                _log.warning("nats_disconnected", servers=cfg.servers)

        async def on_reconnected() -> None:
            self._reconnects += 1
            _log.info("nats_reconnected", servers=cfg.servers)

        async def on_error(error: Exception) -> None:
            _log.warning("nats_error", error=repr(error))

        client: Client = await nats.connect(
            list(cfg.servers),
            connect_timeout=cfg.connect_timeout_s,
            reconnect_time_wait=cfg.reconnect_wait_s,
            max_reconnect_attempts=-1,
            allow_reconnect=True,
            pending_size=64 * 1024 * 1024,
            disconnected_cb=on_disconnected,
            reconnected_cb=on_reconnected,
            error_cb=on_error,
        )
        return client

    # -- streams ---------------------------------------------------------------------------------

    def _subject(self, topic_name: str) -> str:
        subject = self._subjects.get(topic_name)
        if subject is not None:
            return subject
        with self._lock:
            family = topic_name.split(".", 1)[0]
            if family not in self._streams:
                self._streams[family] = self._loop.run(self._add_stream(family), timeout=30)
            subject = self._subjects[topic_name] = f"{self.config.prefix}.{topic_name}"
        return subject

    async def _add_stream(self, family: str) -> str:
        cfg = self.config
        name = f"{cfg.prefix}_{family}".upper()
        config = api.StreamConfig(
            name=name,
            subjects=[f"{cfg.prefix}.{family}", f"{cfg.prefix}.{family}.>"],
            retention=api.RetentionPolicy.LIMITS,
            storage=api.StorageType.FILE if cfg.storage == "file" else api.StorageType.MEMORY,
            max_age=cfg.max_age_s,
            max_bytes=cfg.max_bytes,
            duplicate_window=cfg.duplicate_window_s,
            num_replicas=cfg.replicas,
            discard=api.DiscardPolicy.OLD,
        )
        try:
            await self._js.add_stream(config)
        except nats.js.errors.BadRequestError:  # exists with other settings: adopt ours
            await self._js.update_stream(config)
        return name

    def delete_streams(self) -> None:
        """Delete every stream this bus created or used (test teardown, prefix retirement)."""
        with self._lock:
            names = list(self._streams.values())
            self._streams.clear()
            self._subjects.clear()
        for name in names:
            with contextlib.suppress(nats.js.errors.NotFoundError):
                self._loop.run(self._js.delete_stream(name), timeout=10)

    # -- publish ---------------------------------------------------------------------------------

    def publish(self, topic: Topic[M], message: M) -> None:
        """Queue ``message`` for JetStream; returns before any subscriber runs (see ``flush``)."""
        if message.__class__ is not topic.message_type and not isinstance(
            message, topic.message_type
        ):
            raise MessageTypeError(
                f"topic {topic.name!r} carries {topic.message_type.__name__}, "
                f"got {type(message).__name__}"
            )
        self._send(topic.name, codec_for(topic.message_type).encode(message), 1, frame=False)

    def publish_many(self, topic: Topic[M], messages: Sequence[M]) -> None:
        """Publish several messages of one topic as one JetStream message (one frame).

        Subscribers still receive them one by one, in order; framing is what carries
        100 k+ events/s through JetStream.
        """
        for message in messages:
            if not isinstance(message, topic.message_type):
                raise MessageTypeError(
                    f"topic {topic.name!r} carries {topic.message_type.__name__}, "
                    f"got {type(message).__name__}"
                )
        if messages:
            payload = codec_for(topic.message_type).encode_many(messages)
            self._send(topic.name, payload, len(messages), frame=True)

    def _send(self, topic_name: str, payload: bytes, count: int, *, frame: bool) -> None:
        if self._closed:
            raise BusClosedError(f"publish on {topic_name!r} after close")
        subject = self._subject(topic_name)
        self._pending.reserve(count)
        out = OutgoingMessage(
            subject=subject,
            payload=payload,
            msg_id=f"{self._origin}-{next(self._ids)}",
            topic=topic_name,
            frame=frame,
        )
        self._outbox.submit(out)

    # -- subscribe -------------------------------------------------------------------------------

    def subscribe(self, topic: Topic[M], handler: Callable[[M], None]) -> Subscription:
        """Call ``handler`` (on the dispatcher thread) for each later message on ``topic``."""
        subject = self._subject(topic.name)
        with self._lock:
            self._next_sub_id += 1
            consumer = self._consumers.get(topic.name)
            if consumer is not None:
                consumer.handlers = (*consumer.handlers, (self._next_sub_id, handler))
            else:  # the handler is in place before a durable's backlog starts arriving
                consumer = TopicConsumer(
                    topic.name, codec_for(topic.message_type), self.config.seen_window
                )
                consumer.handlers = ((self._next_sub_id, handler),)
                consumer.subscription = self._loop.run(
                    self._push_subscribe(topic.name, subject, consumer), timeout=30
                )
                self._consumers[topic.name] = consumer
            return Subscription(topic=topic.name, subscription_id=self._next_sub_id)

    async def _push_subscribe(self, topic: str, subject: str, consumer: TopicConsumer) -> Any:
        cfg = self.config
        durable = f"{cfg.consumer}_{topic.replace('.', '_')}"
        config = api.ConsumerConfig(
            durable_name=durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.NEW,
            ack_wait=cfg.ack_wait_s,
            max_ack_pending=cfg.max_ack_pending,
            max_deliver=-1,
            filter_subject=subject,
        )
        enqueue = self._dispatcher.enqueue

        async def on_message(msg: Msg) -> None:
            await enqueue(consumer, msg)

        subscription = await self._js.subscribe(
            subject,
            durable=durable,
            stream=self._streams[topic.split(".", 1)[0]],
            config=config,
            cb=on_message,
            manual_ack=True,
        )
        await self._nc.flush()  # the server holds the SUB before subscribe returns
        return subscription

    async def _ack(self, msg: Msg) -> None:
        try:
            await msg.ack()
        except (nats.errors.Error, OSError) as error:  # lost ack: the redelivery is dropped
            _log.warning("ack_failed", subject=msg.subject, error=repr(error))

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove one handler; the topic's consumer stays (messages without handlers are acked)."""
        with self._lock:
            consumer = self._consumers.get(subscription.topic)
            if consumer is not None:
                consumer.handlers = tuple(
                    pair for pair in consumer.handlers if pair[0] != subscription.subscription_id
                )

    # -- request / response ----------------------------------------------------------------------

    def register_responder(
        self, topic: RequestTopic[Req, Resp], responder: Callable[[Req], Resp]
    ) -> None:
        """Answer requests on ``topic`` (queue group: processes sharing a topic split requests)."""
        with self._lock:
            if topic.name in self._responders:
                raise ValueError(f"request topic {topic.name!r} already has a responder")
            self._responders[topic.name] = self._loop.run(self._serve(topic, responder), timeout=10)

    async def _serve(self, topic: RequestTopic[Any, Any], responder: Callable[[Any], Any]) -> Any:
        loop = asyncio.get_running_loop()
        pool = self._responder_pool

        async def on_request(msg: Msg) -> None:
            data, headers = await loop.run_in_executor(pool, answer, topic, responder, msg.data)
            if msg.reply:
                await self._nc.publish(msg.reply, data, headers=headers)

        subscription = await self._nc.subscribe(
            f"{self.config.prefix}_rpc.{topic.name}", queue="responders", cb=on_request
        )
        await self._nc.flush()  # another process may ask as soon as this returns
        return subscription

    def request(self, topic: RequestTopic[Req, Resp], message: Req) -> Resp:
        """Ask the topic's responder (in any process) and return its answer."""
        if not isinstance(message, topic.request_type):
            raise MessageTypeError(
                f"request topic {topic.name!r} takes {topic.request_type.__name__}, "
                f"got {type(message).__name__}"
            )
        if self._closed:
            raise BusClosedError(f"request on {topic.name!r} after close")
        timeout = self.config.request_timeout_s
        subject = f"{self.config.prefix}_rpc.{topic.name}"
        payload = codec_for(topic.request_type).encode(message)
        try:
            reply = self._loop.run(self._nc.request(subject, payload, timeout), timeout + 1)
        except nats.errors.NoRespondersError:
            raise NoResponderError(f"no responder registered for {topic.name!r}") from None
        except (nats.errors.TimeoutError, TimeoutError) as error:
            raise RequestFailedError(f"request on {topic.name!r} timed out") from error
        self._requests += 1
        raise_for_reply(topic, reply.headers, reply.data)
        try:
            return codec_for(topic.response_type).decode(reply.data)
        except Exception as error:
            raise MessageTypeError(
                f"reply on {topic.name!r} is not a {topic.response_type.__name__}: {error}"
            ) from error

    # -- progress, stats, lifecycle --------------------------------------------------------------

    def _settled(self) -> bool:
        dispatcher = self._dispatcher
        if self._pending.pending or dispatcher.queued() or dispatcher.busy:
            return False
        acked = self._pending.acked_seq
        return all(c.handled_seq >= acked.get(c.topic, 0) for c in list(self._consumers.values()))

    def _activity(self) -> tuple[int, int, int]:
        return (self._pending.activity, self._dispatcher.activity, self._pending.published)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every publish is acknowledged and every message this bus published on a
        topic it subscribes to has been handled; raise ``PublishFailedError`` if some publish
        was given up since the last flush, ``FlushTimeoutError`` when time runs out.
        """
        if self._dispatcher.on_thread():
            raise RuntimeError("flush from a handler would wait for that handler itself")
        deadline = time.monotonic() + timeout
        while True:
            before = self._activity()
            if self._settled() and self._activity() == before:
                break
            if time.monotonic() > deadline:
                raise FlushTimeoutError(
                    f"flush timed out after {timeout} s with {self._pending.pending} "
                    f"publishes pending and {self._dispatcher.queued()} messages queued"
                )
            time.sleep(0.0005)
        failed = self._pending.failed - self._failures_reported
        if failed:
            self._failures_reported = self._pending.failed
            raise PublishFailedError(f"{failed} publishes were never acknowledged by JetStream")

    def stats(self) -> BusStats:
        """Counters since creation (``delivered`` counts handler calls that returned)."""
        return BusStats(
            published=self._pending.published,
            delivered=self._dispatcher.delivered,
            handler_errors=self._dispatcher.handler_errors,
            requests=self._requests,
        )

    def transport_stats(self) -> NatsTransportStats:
        """Retries, failures, dropped redeliveries, poison messages and reconnects."""
        return NatsTransportStats(
            pending_publishes=self._pending.pending,
            publish_retries=self._pending.retries,
            publish_failures=self._pending.failed,
            duplicates_dropped=self._dispatcher.duplicates,
            poison_messages=self._dispatcher.poison,
            reconnects=self._reconnects,
        )

    async def _shutdown(self) -> None:
        """Send the last acks, withdraw every interest so the server stops routing to this
        process before it goes (a push consumer then waits for its next subscriber), close."""
        await self._acks.wait_idle(timeout=2.0)
        for sub in [c.subscription for c in self._consumers.values()]:
            await sub.unsubscribe()
        for sub in self._responders.values():
            await sub.unsubscribe()
        await self._nc.flush(timeout=2)
        await self._nc.close()

    def close(self) -> None:
        """Flush (bounded by ``close_timeout_s``), stop delivering and disconnect."""
        if self._closed:
            return
        try:
            self.flush(timeout=0 if self._dispatcher.on_thread() else self.config.close_timeout_s)
        except (BusError, RuntimeError) as error:
            _log.warning("close_without_full_flush", error=repr(error))
        self._closed = True
        self._dispatcher.stop()
        self._sweeper.cancel()
        try:
            self._loop.run(self._shutdown(), timeout=10)
        except Exception as error:  # closing a broken connection must not hide the shutdown
            _log.warning("nats_close_failed", error=repr(error))
        self._loop.stop()
        self._responder_pool.shutdown(wait=False)

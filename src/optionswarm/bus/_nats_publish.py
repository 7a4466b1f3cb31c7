"""The publishing half of ``NatsBus``: bounded pending publishes, acks, retries with one id.

Every publish gets a message id (``<origin>-<n>``) sent as the ``Nats-Msg-Id`` header, so the
server drops a resend inside the stream's duplicate window: a retry after a lost ack or a
reconnect never stores a message twice. The JetStream ack comes back on a reply subject named
after the message id (one wildcard subscription, ``<inbox>.<id>``), so an ack of any attempt
settles the publish. ``PendingPublishes`` bounds how many publishes may await their ack
(back-pressure: ``reserve`` blocks, then raises ``PublishBackpressureError``); a sweeper resends
any publish whose ack is later than ``ack_timeout_s`` and gives up (counted, logged, reported by
``flush``) after ``give_up_s``.

Cost: the publisher thread only takes a slot (two counters, no lock unless full) and queues; the
loop thread writes one HPUB per message and decodes one small JSON ack. This stays close to
nats-py's own ``publish_async`` (see ``benchmarks/bus.py``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import msgspec
import nats.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from optionswarm.bus._port import BusError

__all__ = [
    "FRAME_HEADER",
    "MSG_ID_HEADER",
    "OutgoingMessage",
    "PendingPublishes",
    "PublishBackpressureError",
    "PublishFailedError",
]

_log = structlog.get_logger("optionswarm.bus.nats")
MSG_ID_HEADER = "Nats-Msg-Id"
FRAME_HEADER = "Osw-Frame"


class PublishBackpressureError(BusError):
    """Too many publishes await their acknowledgement for longer than the blocking timeout."""


class PublishFailedError(BusError):
    """Some publishes were never acknowledged by JetStream within the give-up time."""


class OutgoingMessage(msgspec.Struct, kw_only=True):
    """One publish on its way: where, what, its id and its retry state (loop thread only)."""

    subject: str
    payload: bytes
    msg_id: str
    topic: str
    frame: bool = False  # payload holds several messages (``NatsBus.publish_many``)
    first_sent: float = 0.0
    last_sent: float = 0.0
    attempts: int = 0
    answered: bool = False  # the server refused the last attempt (resend after the timeout)


class _PubAck(msgspec.Struct):
    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    error: dict[str, Any] | None = None


_ACK = msgspec.json.Decoder(_PubAck)


class PendingPublishes:
    """Publishes awaiting their JetStream ack; their count is bounded (see module docstring)."""

    def __init__(
        self,
        client: Client,
        *,
        max_pending: int,
        block_timeout_s: float,
        ack_timeout_s: float,
        give_up_s: float,
    ) -> None:
        self._nc = client
        self._max_pending = max_pending
        self._block_timeout_s = block_timeout_s
        self._ack_timeout_s = ack_timeout_s
        self._give_up_s = give_up_s
        self._inflight: dict[str, OutgoingMessage] = {}
        self._count_lock = threading.Lock()  # a C lock: ~0.1 us uncontended
        self._reserved = 0
        self._released = 0
        self._room = threading.Condition()
        self._waiting = 0
        self.published = 0  # messages accepted for publishing (frames count their messages)
        self._reply_prefix = ""
        self.acked_seq: dict[str, int] = {}  # topic -> highest stream sequence acknowledged
        self.retries = 0
        self.failed = 0
        self.activity = 0  # bumped on every ack / failure (``flush`` consistency check)

    @property
    def pending(self) -> int:
        """Publishes reserved and not yet acknowledged or given up."""
        return self._reserved - self._released

    async def start(self) -> None:
        """Subscribe to the ack inbox (on the loop, once)."""
        self._reply_prefix = self._nc.new_inbox() + "."
        await self._nc.subscribe(self._reply_prefix + "*", cb=self._on_reply)

    def reserve(self, messages: int = 1) -> None:
        """Take a pending slot for a publish of ``messages``; blocks while all are taken."""
        with self._count_lock:
            self._reserved += 1
            self.published += messages
            taken = self._reserved
        if taken - self._released <= self._max_pending:
            return
        deadline = time.monotonic() + self._block_timeout_s
        with self._room:
            self._waiting += 1
            try:
                while taken - self._released > self._max_pending:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._settle_one()  # this publish is refused: its slot is free again
                        raise PublishBackpressureError(
                            f"{self.pending} publishes still await acknowledgement after "
                            f"{self._block_timeout_s} s; is the NATS server reachable?"
                        )
                    self._room.wait(min(left, 0.05))
            finally:
                self._waiting -= 1

    def _settle_one(self) -> None:
        with self._count_lock:
            self._released += 1
        self.activity += 1

    def _release(self) -> None:
        self._settle_one()
        if self._waiting:
            with self._room:
                self._room.notify()

    async def send(self, out: OutgoingMessage) -> None:
        """Publish (or resend) ``out`` on the loop; an error leaves it for the sweeper."""
        now = time.monotonic()
        if out.attempts == 0:
            out.first_sent = now
        out.attempts += 1
        out.last_sent = now
        out.answered = False
        self._inflight[out.msg_id] = out
        headers = {MSG_ID_HEADER: out.msg_id}
        if out.frame:
            headers[FRAME_HEADER] = "1"
        try:
            await self._nc.publish(
                out.subject, out.payload, reply=self._reply_prefix + out.msg_id, headers=headers
            )
        except (nats.errors.Error, OSError) as error:
            _log.warning("publish_deferred", subject=out.subject, error=repr(error))

    async def _on_reply(self, msg: Msg) -> None:
        out = self._inflight.get(msg.subject[len(self._reply_prefix) :])
        if out is None:
            return  # an ack of an earlier attempt of a publish already settled
        if msg.headers and msg.headers.get("Status") == "503":
            out.answered = True  # no stream took it (yet): the sweeper resends
            return
        try:
            ack = _ACK.decode(msg.data)
        except msgspec.DecodeError:
            ack = _PubAck(error={"description": msg.data[:200].decode(errors="replace")})
        if ack.error is not None:
            out.answered = True
            _log.warning("publish_refused", subject=out.subject, error=ack.error)
            return
        del self._inflight[out.msg_id]
        if ack.seq > self.acked_seq.get(out.topic, 0):
            self.acked_seq[out.topic] = ack.seq
        self._release()

    async def sweep_forever(self, period_s: float) -> None:
        """Resend publishes whose ack is overdue; give up on the hopeless ones."""
        while True:
            await asyncio.sleep(period_s)
            await self.sweep()

    async def sweep(self) -> None:
        """One pass of the sweeper."""
        now = time.monotonic()
        overdue = [
            out
            for out in self._inflight.values()
            if now - out.last_sent >= self._ack_timeout_s
            or (out.answered and now - out.last_sent >= self._ack_timeout_s / 4)
        ]
        for out in overdue:
            if now - out.first_sent >= self._give_up_s:
                del self._inflight[out.msg_id]
                self.failed += 1
                _log.error("publish_failed", subject=out.subject, msg_id=out.msg_id)
                self._release()
                continue
            self.retries += 1
            await self.send(out)

"""The publishing half of ``NatsBus``: bounded pending publishes, acks, retries with one id.

Every publish gets a message id (``<origin>-<n>``) sent as the ``Nats-Msg-Id`` header, so the
server drops a resend inside the stream's duplicate window: a retry after a lost ack or a
reconnect never stores a message twice. ``PendingPublishes`` bounds how many publishes may await
their ack (back-pressure: ``publish`` blocks, then raises ``PublishBackpressureError``); a sweeper
resends any publish whose ack has not come within ``ack_timeout_s`` and gives up (counted,
logged, reported by ``flush``) after ``give_up_s``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
import structlog
from nats.js import JetStreamContext

from optionswarm.bus._port import BusError

__all__ = ["OutgoingMessage", "PendingPublishes", "PublishBackpressureError", "PublishFailedError"]

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
    future: Any = None


class PendingPublishes:
    """Publishes awaiting their JetStream ack; their count is bounded (see module docstring)."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        max_pending: int,
        block_timeout_s: float,
        ack_timeout_s: float,
        give_up_s: float,
    ) -> None:
        self._js = js
        self._slots = threading.BoundedSemaphore(max_pending)
        self._block_timeout_s = block_timeout_s
        self._ack_timeout_s = ack_timeout_s
        self._give_up_s = give_up_s
        self._inflight: dict[str, OutgoingMessage] = {}
        self._retry: list[OutgoingMessage] = []
        self.pending = 0  # reserved slots not yet released (any thread reads)
        self.acked_seq: dict[str, int] = {}  # topic -> highest stream sequence acknowledged
        self.retries = 0
        self.failed = 0
        self.activity = 0  # bumped on every ack / failure (``flush`` consistency check)
        self._count_lock = threading.Lock()

    def reserve(self) -> None:
        """Take a pending slot before queueing a publish; blocks while all are taken."""
        if not self._slots.acquire(timeout=self._block_timeout_s):
            raise PublishBackpressureError(
                f"{self.pending} publishes still await acknowledgement after "
                f"{self._block_timeout_s} s; is the NATS server reachable?"
            )
        with self._count_lock:
            self.pending += 1

    def _release(self) -> None:
        with self._count_lock:
            self.pending -= 1
            self.activity += 1
        self._slots.release()

    async def send(self, out: OutgoingMessage) -> None:
        """Publish (or resend) ``out`` on the loop; an error leaves it for the sweeper."""
        now = time.monotonic()
        if out.attempts == 0:
            out.first_sent = now
        out.attempts += 1
        out.last_sent = now
        self._inflight[out.msg_id] = out
        try:
            headers = {MSG_ID_HEADER: out.msg_id}
            if out.frame:
                headers[FRAME_HEADER] = "1"
            future = await self._js.publish_async(out.subject, out.payload, headers=headers)
        except (nats.errors.Error, nats.js.errors.Error, OSError) as error:
            _log.warning("publish_deferred", subject=out.subject, error=repr(error))
            return  # still in flight: the sweeper resends it
        out.future = future
        future.add_done_callback(lambda done: self._on_done(out, done))

    def _on_done(self, out: OutgoingMessage, done: asyncio.Future[Any]) -> None:
        if done.cancelled() or self._inflight.get(out.msg_id) is not out:
            return
        error = done.exception()
        if error is not None:
            out.future = None  # leave it in flight; the sweeper resends after the timeout
            _log.warning("publish_refused", subject=out.subject, error=repr(error))
            return
        del self._inflight[out.msg_id]
        seq = done.result().seq
        if seq > self.acked_seq.get(out.topic, 0):
            self.acked_seq[out.topic] = seq
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
            and (out.future is None or not out.future.done() or out.future.exception())
        ]
        for out in overdue:
            if out.future is not None and not out.future.done():
                out.future.cancel()
            if now - out.first_sent >= self._give_up_s:
                del self._inflight[out.msg_id]
                self.failed += 1
                _log.error("publish_failed", subject=out.subject, msg_id=out.msg_id)
                self._release()
                continue
            self.retries += 1
            await self.send(out)

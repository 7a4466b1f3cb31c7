"""The ingest role: history replayed one session at a time onto NATS, behind a barrier.

It builds the same events as the single-process run (real bars, MODELLED chains) and paces them
with the same :class:`~optionswarm.service.replay.ReplayDriver`; each session becomes one
``SessionStep`` on a durable JetStream topic. Before the next session it waits until the trading
role has finished the previous one (``SessionDone``) and, as the single run does, while an
approval waits for a person. It learns the trading role's run and progress when it starts, so a
restarted ingest role carries on after the last session the node finished: none is played twice.
The first session waits until the agents role answers too. A trading role restarted after a crash
starts a new run; the ingest role notices while it waits at
the barrier and replays the new run from its first session.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any

import structlog

from optionswarm.bus import BusError, MessageBus
from optionswarm.bus._nats_codec import codec_for
from optionswarm.config import Settings
from optionswarm.data import ArchDataSource, UnderlyingSource
from optionswarm.data.replay import ReplayEvent
from optionswarm.engine import SimulatedClock
from optionswarm.model import Bar, ChainSnapshot
from optionswarm.service.replay import ReplayDriver, ReplayStatus
from optionswarm.service.runtime import replay_events

from .protocol import (
    REPLAY_CONTROL,
    SESSION_STEPS,
    SESSIONS_DONE,
    TRADING_STATUS,
    Ping,
    ReplayCommand,
    SessionDone,
    SessionEvent,
    SessionStep,
    StatusQuery,
    TradingStatus,
    health_topic,
)

__all__ = ["IngestRole"]

_log = structlog.get_logger("optionswarm.cluster.ingest")
_CHAINS = codec_for(ChainSnapshot)


class IngestRole:
    """Feeds the trading role (see the module docstring); run it on an event loop."""

    def __init__(
        self, settings: Settings, remote: MessageBus, *, source: UnderlyingSource | None = None
    ) -> None:
        self.settings = settings
        self.remote = remote
        self.source = source or ArchDataSource()
        replay = settings.replay
        self.bars = self.source.bars(settings.backtest.underlying, replay.start, replay.end)
        if len(self.bars) == 0:
            raise ValueError(f"no bars between {replay.start} and {replay.end}")
        self.clock = SimulatedClock(start_ns=int(self.bars.ts_ns[0]) - 1)
        self.run = ""
        self._lock = threading.Lock()
        self._published = 0
        self._done = 0
        self._approvals_open = False
        self._session: list[SessionEvent] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.driver: ReplayDriver | None = None

    # -- lifecycle (on the event loop) -----------------------------------------------------
    async def start(self, *, retry_s: float = 0.25, watch_s: float = 1.0) -> None:
        """Find the trading role (waiting for it), then replay from where its node is; while
        the barrier is closed, ask every ``watch_s`` whether the node started a new run."""
        self._loop = asyncio.get_running_loop()
        await self._agents_answer(retry_s)  # the first session goes to a complete node
        status = await self._trading_status(retry_s)
        self.remote.subscribe(SESSIONS_DONE, self._on_done)
        self.remote.register_responder(REPLAY_CONTROL, self._control)
        self._begin(status)
        self._watch = asyncio.ensure_future(self._watch_run(watch_s, retry_s))

    def _begin(self, status: TradingStatus) -> None:
        """Replay the trading role's run ``status.run`` after its last finished session."""
        with self._lock:
            self.run, self._published, self._done = status.run, status.seq, status.seq
            self._approvals_open = status.approvals_open
        self._session = []
        self.clock = SimulatedClock(start_ns=int(self.bars.ts_ns[0]) - 1)
        events = replay_events(self.settings, self.source, self.bars)
        if status.seq:  # a restart: the node has played these sessions already
            events = (e for e in events if e.ts_ns > status.ts_ns)
            self.clock.advance_to(status.ts_ns)
        replay = self.settings.replay
        self.driver = ReplayDriver(
            events,
            self.clock,
            publish=self._collect,
            close_session=self._send,
            underlying=self.settings.backtest.underlying,
            sessions_total=len(self.bars),
            speed=replay.speed,
            hold=self._hold if replay.hold_for_approvals else None,
            hold_limit_s=replay.hold_limit_s or self.settings.oversight.ttl_s,
            barrier=self._ready,
        )
        self.driver.sessions_done = status.seq
        self.driver.start(paused=replay.start_paused and not status.seq)
        _log.info("replaying", run=self.run, resume_after=status.seq)

    async def _watch_run(self, every_s: float, retry_s: float) -> None:
        """A trading role restarted after a crash starts a new run: replay it from its start
        (asked every ``every_s``, paused or not: a paused replay must follow the new run too)."""
        while True:
            await asyncio.sleep(every_s)
            try:
                status = await asyncio.to_thread(self.remote.request, TRADING_STATUS, StatusQuery())
            except BusError:
                continue  # the node is down or busy: the barrier keeps the replay waiting
            if status.run != self.run:
                _log.warning("the trading role started a new run", run=status.run, old=self.run)
                if self.driver is not None:
                    await self.driver.stop()
                self._begin(status)

    async def stop(self) -> None:
        """Stop after the session in progress."""
        watch = getattr(self, "_watch", None)
        if watch is not None:
            watch.cancel()
        if self.driver is not None:
            await self.driver.stop()

    async def _agents_answer(self, retry_s: float) -> None:
        for attempt in itertools.count():
            try:
                await asyncio.to_thread(self.remote.request, health_topic("agents"), Ping())
                return
            except BusError as error:
                if attempt == 0:
                    _log.info("waiting for the agents role", error=str(error))
                await asyncio.sleep(retry_s)

    async def _trading_status(self, retry_s: float) -> TradingStatus:
        for attempt in itertools.count():
            try:
                return await asyncio.to_thread(self.remote.request, TRADING_STATUS, StatusQuery())
            except BusError as error:
                if attempt == 0:
                    _log.info("waiting for the trading role", error=str(error))
                await asyncio.sleep(retry_s)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the driver's hooks (event loop) ---------------------------------------------------
    def _collect(self, event: ReplayEvent) -> None:
        if isinstance(event, Bar):
            self._session.append(SessionEvent(bar=event))
        else:
            self._session.append(SessionEvent(chain=_CHAINS.encode(event)))

    def _send(self, ts_ns: int) -> None:
        assert self.driver is not None
        with self._lock:
            self._published += 1
            seq = self._published
        events, self._session = tuple(self._session), []
        step = SessionStep(
            run=self.run,
            seq=seq,
            ts_ns=ts_ns,
            events=events,
            sessions_total=self.driver.sessions_total,
            speed=self.driver.speed,
        )
        self.remote.publish(SESSION_STEPS, step)

    def _ready(self) -> bool:
        with self._lock:
            return self._done >= self._published

    def _hold(self) -> bool:
        """True while an approval waits for a person (asked afresh once one was seen open)."""
        if not self._approvals_open:
            return False
        try:
            self._approvals_open = self.remote.request(TRADING_STATUS, StatusQuery()).approvals_open
        except BusError:
            return True  # the node cannot be asked: keep waiting
        return self._approvals_open

    # -- NATS threads ----------------------------------------------------------------------
    def _on_done(self, done: SessionDone) -> None:
        if done.run != self.run:
            return
        with self._lock:
            if done.seq >= self._done:
                self._done = done.seq
                self._approvals_open = done.approvals_open

    def _control(self, command: ReplayCommand) -> ReplayStatus:
        loop = self._loop
        if loop is None or self.driver is None:
            raise RuntimeError("the replay has not started")
        return asyncio.run_coroutine_threadsafe(self._apply(command), loop).result(timeout=10)

    async def _apply(self, command: ReplayCommand) -> ReplayStatus:
        driver = self.driver
        assert driver is not None
        actions: dict[str, Any] = {
            "status": lambda: None,
            "pause": driver.pause,
            "resume": driver.resume,
            "speed": lambda: driver.set_speed(command.speed or 0.0),
        }
        if command.action not in actions:
            raise ValueError(f"unknown replay action {command.action!r}")
        actions[command.action]()
        return driver.status()

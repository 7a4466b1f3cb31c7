"""The trading role: the node itself, fed sessions by the ingest role over NATS.

Risk, oversight, the order manager, the paper broker, the portfolio, the audit log and the stores
(PostgreSQL with ``[storage] url``) run here exactly as in the single-process run
(:class:`~optionswarm.service.runtime.NodeRuntime`), on one node thread. Each ``SessionStep`` is
played as the replay driver would play it; the strategy's place is taken by a
:class:`.RemoteStrategy` that converses with the agents role. ``SessionDone`` after each session is
the ingest role's barrier. Each start is a new run (its own run directory and table prefix); steps
of another run are dropped, and a redelivered step of this run is played once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import structlog

from optionswarm.bus import InProcessBus, MessageBus
from optionswarm.bus._nats_codec import codec_for
from optionswarm.config import Settings
from optionswarm.data import UnderlyingSource
from optionswarm.data.replay import ReplayEvent
from optionswarm.engine import Clock
from optionswarm.model import ChainSnapshot
from optionswarm.service.runtime import NodeRuntime, new_run_dir

from .node_thread import NodeThread
from .protocol import (
    SESSION_STEPS,
    SESSIONS_DONE,
    SUBMISSIONS,
    TRADING_STATUS,
    SessionDone,
    SessionStep,
    StatusQuery,
    TradingStatus,
)
from .remote_replay import RemoteReplay
from .remote_strategy import RemoteStrategy

__all__ = ["TradingRole"]

_log = structlog.get_logger("optionswarm.cluster.trading")
_CHAINS = codec_for(ChainSnapshot)


class TradingRole:
    """The node of the multi-process run (see the module docstring)."""

    runtime: NodeRuntime

    def __init__(
        self,
        settings: Settings,
        remote: MessageBus,
        *,
        source: UnderlyingSource | None = None,
        run_dir: Path | None = None,
    ) -> None:
        self.remote = remote
        self.thread = NodeThread()
        self._strategy_settings = settings
        run_dir = run_dir or new_run_dir(settings.api.state_dir)
        self.run = run_dir.name
        self._strategy: RemoteStrategy | None = None
        self.replay = RemoteReplay(
            remote,
            underlying=settings.backtest.underlying,
            speed=settings.replay.speed,
            now_ns=self._now_ns,
        )
        self.runtime = NodeRuntime(
            settings,
            source=source,
            run_dir=run_dir,
            bus=InProcessBus(),
            strategy=self._build_strategy,
            feed=self.replay,
        )
        self.settings = self.runtime.settings
        self.seq = 0
        self.sessions_played = 0

    def _now_ns(self) -> int:
        return self.runtime.clock.now_ns()

    def _build_strategy(self, bus: MessageBus, clock: Clock) -> RemoteStrategy:
        cfg = self._strategy_settings
        self._strategy = RemoteStrategy(
            cfg.strategy.name,
            bus,
            clock,
            cfg.strategy,
            underlying=cfg.backtest.underlying,
            initial_equity=cfg.portfolio.initial_cash,
            remote=self.remote,
            run=self.run,
        )
        return self._strategy

    @property
    def strategy(self) -> RemoteStrategy:
        """The agents role's stand-in on the node's bus."""
        assert self._strategy is not None
        return self._strategy

    # -- lifecycle (on the node thread) ----------------------------------------------------
    def start(self) -> None:
        """Start the node, then answer the other roles and take sessions."""
        asyncio.run(self.runtime.start())
        self.remote.register_responder(SUBMISSIONS, self.strategy.serve_submission)
        self.remote.register_responder(TRADING_STATUS, self._status_request)
        self.remote.subscribe(SESSION_STEPS, self._on_step)
        _log.info("trading role started", run=self.run, run_dir=str(self.runtime.run_dir))

    def stop(self) -> None:
        """Stop the node: working orders cancelled as configured, a final audit checkpoint."""
        asyncio.run(self.runtime.stop())

    # -- sessions --------------------------------------------------------------------------
    def _on_step(self, step: SessionStep) -> None:
        """A session from the ingest role (NATS dispatcher thread): play it on the node thread,
        then release the ingest role's barrier."""
        if step.run != self.run:
            _log.warning("step_of_another_run", run=step.run, seq=step.seq, expected=self.run)
            return
        done = self.thread.call(lambda: self.play(step))
        self.remote.publish(SESSIONS_DONE, done)

    def play(self, step: SessionStep) -> SessionDone:
        """Play one session as the replay driver does (a step already played is not)."""
        if step.seq > self.seq:
            events: list[ReplayEvent] = []
            for event in step.events:
                if event.bar is not None:
                    events.append(event.bar)
                else:
                    wire = _chain(event.chain)
                    chain = _CHAINS.decode(wire)
                    self.strategy.reuse_wire(chain, wire)  # the agents get the same bytes
                    events.append(chain)
            self.runtime.play_session(step.ts_ns, events)
            self.strategy.reuse_wire(None, b"")
            self.sessions_played += 1
            self.replay.note(step)
            self.seq = step.seq
            self.runtime.after_session(step.ts_ns)
        return SessionDone(
            run=self.run,
            seq=self.seq,
            ts_ns=self.runtime.clock.now_ns(),
            approvals_open=self.runtime.approval_open(),
        )

    # -- status ----------------------------------------------------------------------------
    def _status_request(self, _: StatusQuery) -> TradingStatus:
        return self.thread.call(self.status)

    def status(self) -> TradingStatus:
        """Where this node is (call on the node thread)."""
        return TradingStatus(
            run=self.run,
            run_dir=str(self.runtime.run_dir),
            seq=self.seq,
            ts_ns=self.runtime.clock.now_ns(),
            approvals_open=self.runtime.approval_open(),
            audit_records=self.runtime.audit.size,
            agent_failures=self.strategy.failures,
            agent_steps=self.strategy.answered,
            sessions_played=self.sessions_played,
        )


def _chain(data: Any) -> bytes:
    if not isinstance(data, bytes):
        raise ValueError("a session event carries neither a bar nor a chain")
    return data

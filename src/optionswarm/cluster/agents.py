"""The agents role: the strategy (the swarm and its consensus) on its own bus and clock.

It answers ``AGENT_STEPS``: the feedback the strategy has not seen, then the bar or chain, are
published on its in-process bus, as the single-process node would have delivered them. Each
order the strategy places goes to the trading role as a ``Submission`` while the strategy waits,
and the feedback it caused (a rejection) is published before the strategy's ``publish`` returns.
A restarted agents role warms up again from the history before the first session it will see and
carries on the run's order numbering (``AgentStep.sequence``); when the trading role starts a new
run, the strategy starts afresh with it.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from pydantic import TypeAdapter

from optionswarm.bus import BusError, InProcessBus, MessageBus
from optionswarm.bus._nats_codec import codec_for
from optionswarm.config import Settings
from optionswarm.data import ArchDataSource
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import StrategyDecision
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, ORDERS, PORTFOLIO, REJECTIONS
from optionswarm.model import ChainSnapshot, Decision, OrderIntent
from optionswarm.service import views as v
from optionswarm.service.agents_view import agent_views
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.registry import build_strategy

from .protocol import (
    AGENT_STEPS,
    SUBMISSIONS,
    TRADING_STATUS,
    AgentReply,
    AgentStep,
    Feedback,
    StatusQuery,
    Submission,
    TradingStatus,
)

__all__ = ["AgentsRole"]

_log = structlog.get_logger("optionswarm.cluster.agents")
_AGENTS = TypeAdapter(list[v.Agent])
_CHAINS = codec_for(ChainSnapshot)


class AgentsRole:
    """Serves the strategy to the trading role (see the module docstring)."""

    def __init__(self, settings: Settings, remote: MessageBus) -> None:
        self.settings = settings
        self.remote = remote
        self.run = ""  # the trading role's run this strategy belongs to
        self._lock = threading.Lock()  # one step at a time
        self.steps = 0
        self._fresh_strategy()

    def _fresh_strategy(self) -> None:
        """A new strategy on a new bus and clock (a new run starts from nothing)."""
        settings = self.settings
        self.bus = InProcessBus()
        self.clock = SimulatedClock(start_ns=0)
        self.strategy: StrategyComponent = build_strategy(
            settings.strategy.name,
            self.bus,
            self.clock,
            settings.strategy,
            underlying=settings.backtest.underlying,
            initial_equity=settings.portfolio.initial_cash,
        )
        self._decisions: list[StrategyDecision] = []
        self._last_decision: Decision | None = None
        self._decided_in_step = False
        self.bus.subscribe(DECISIONS, self._decisions.append)
        self.bus.subscribe(ORDERS, self._submit)
        self.strategy.start()

    def start(self) -> None:
        """Warm the strategy up, then answer the trading role.

        A swarm warms up on the history before the first session it will see, as it would on
        that session's bar: the replay's first day, or, when the trading role is already past
        it (this process was restarted), the day after the last session the node finished.
        """
        status = self._trading_status()
        if status is not None:
            self.run = status.run
        warm_up = getattr(self.strategy, "warm_up_before", None)
        if callable(warm_up):
            replay = self.settings.replay
            bars = (
                ArchDataSource()
                .bars(self.settings.backtest.underlying, replay.start, replay.end)
                .to_bars()
            )
            after = status.ts_ns if status is not None and status.seq else None
            upcoming = [bar for bar in bars if after is None or bar.ts_ns > after]
            if upcoming:
                warm_up(upcoming[0])
        self.remote.register_responder(AGENT_STEPS, self.step)
        _log.info("agents role serving", strategy=self.strategy.name, run=self.run)

    def _trading_status(self) -> TradingStatus | None:
        try:
            return self.remote.request(TRADING_STATUS, StatusQuery())
        except BusError:
            return None  # no trading role yet: a new run will start with the replay

    def stop(self) -> None:
        """Stop the strategy (the caller closes the NATS bus)."""
        self.strategy.stop()

    # -- a step (a responder thread; one at a time) ----------------------------------------
    def step(self, step: AgentStep) -> AgentReply:
        """Feedback first, then the market event; reply with what the strategy concluded."""
        with self._lock:
            if step.run != self.run:
                if self.run:  # the trading role started a new run: so does the strategy
                    _log.info("new run", run=step.run, previous=self.run)
                    self.strategy.stop()
                    self._fresh_strategy()
                self.run = step.run
            if step.ts_ns > self.clock.now_ns():
                self.clock.advance_to(step.ts_ns)
            self.strategy.resume_sequence(step.sequence)
            for feedback in step.feedback:
                self._publish_feedback(feedback)
            if step.bar is not None:
                self.bus.publish(BARS, step.bar)
            if step.chain is not None:
                self.bus.publish(CHAINS, _CHAINS.decode(step.chain))
            self.steps += 1
            trailing, self._decisions[:] = tuple(self._decisions), []
            fresh = self._fresh_decisions()
            views = self._decided_in_step or fresh
            self._decided_in_step = False
            return AgentReply(
                decisions=fresh,
                trailing=trailing,
                agents_json=_AGENTS.dump_json(agent_views(self.strategy)) if views else b"[]",
                sequence=self.strategy.orders_placed,
            )

    def _publish_feedback(self, feedback: Feedback) -> None:
        if feedback.rejection is not None:
            self.bus.publish(REJECTIONS, feedback.rejection)
        if feedback.snapshot is not None:
            self.bus.publish(PORTFOLIO, feedback.snapshot)

    def _submit(self, intent: OrderIntent) -> None:
        """The strategy placed an order: play it in the trading role, then its feedback here."""
        decisions, self._decisions[:] = tuple(self._decisions), []
        submission = Submission(
            decisions=decisions, intent=intent, consensus=self._fresh_decisions()
        )
        reply = self.remote.request(SUBMISSIONS, submission)
        for feedback in reply.feedback:
            self._publish_feedback(feedback)

    def _fresh_decisions(self) -> tuple[Decision, ...]:
        """The consensus decisions made since the last step (a swarm strategy keeps them)."""
        kept: Any = getattr(self.strategy, "decisions", None)
        if not kept or kept[-1] is self._last_decision:
            return ()
        self._decided_in_step = True
        fresh: list[Decision] = []
        for decision in reversed(kept):
            if decision is self._last_decision:
                break
            fresh.append(decision)
        self._last_decision = kept[-1]
        return tuple(reversed(fresh))

"""The agents role: the strategy (the swarm and its consensus) on its own bus and clock.

It answers ``AGENT_STEPS``: the feedback the strategy has not seen, then the bar or chain, are
published on its in-process bus, as the single-process node would have delivered them. Each
order the strategy places goes to the trading role as a ``Submission`` while the strategy waits,
and the feedback it caused (a rejection) is published before the strategy's ``publish`` returns.
A restarted agents role warms up again from the history before the first event it sees and
carries on the run's order numbering (``AgentStep.sequence``).
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from pydantic import TypeAdapter

from optionswarm.bus import InProcessBus, MessageBus
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

from .protocol import AGENT_STEPS, SUBMISSIONS, AgentReply, AgentStep, Feedback, Submission

__all__ = ["AgentsRole"]

_log = structlog.get_logger("optionswarm.cluster.agents")
_AGENTS = TypeAdapter(list[v.Agent])
_CHAINS = codec_for(ChainSnapshot)


class AgentsRole:
    """Serves the strategy to the trading role (see the module docstring)."""

    def __init__(self, settings: Settings, remote: MessageBus) -> None:
        self.settings = settings
        self.remote = remote
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
        self._lock = threading.Lock()  # one step at a time
        self._decisions: list[StrategyDecision] = []
        self._last_decision: Decision | None = None
        self._decided_in_step = False
        self.steps = 0
        self.bus.subscribe(DECISIONS, self._decisions.append)
        self.bus.subscribe(ORDERS, self._submit)

    def start(self) -> None:
        """Start the strategy (a swarm warms up on the history before the replay's first day,
        as it would on that day's bar) and answer the trading role."""
        self.strategy.start()
        warm_up = getattr(self.strategy, "warm_up_before", None)
        if callable(warm_up):
            replay = self.settings.replay
            bars = ArchDataSource().bars(
                self.settings.backtest.underlying, replay.start, replay.end
            )
            if len(bars):
                warm_up(bars.to_bars()[0])
        self.remote.register_responder(AGENT_STEPS, self.step)
        _log.info("agents role serving", strategy=self.strategy.name)

    def stop(self) -> None:
        """Stop the strategy (the caller closes the NATS bus)."""
        self.strategy.stop()

    # -- a step (a responder thread; one at a time) ----------------------------------------
    def step(self, step: AgentStep) -> AgentReply:
        """Feedback first, then the market event; reply with what the strategy concluded."""
        with self._lock:
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

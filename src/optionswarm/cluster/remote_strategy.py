"""``RemoteStrategy``: stands where the strategy stands on the trading role's bus.

Subscribed last, as the strategy is in the single-process node, it sends each bar and chain to
the agents role (``AGENT_STEPS``) with the feedback the strategy has not seen yet, then serves
the conversation on the node thread: every order the strategy places arrives as a ``Submission``
(:meth:`RemoteStrategy.serve_submission`, on a responder thread) and is played on the node's bus
at once; the reply carries the feedback it caused. If the agents role cannot be reached or
fails, the strategy abstains for that event (no new orders; counted in ``failures``) and the
node carries on — a missing strategy never stops the node.
"""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import structlog
from pydantic import TypeAdapter

from optionswarm.bus import MessageBus
from optionswarm.bus._nats_codec import codec_for
from optionswarm.config import StrategySettings
from optionswarm.engine import Clock
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot
from optionswarm.engine.topics import DECISIONS, ORDERS
from optionswarm.model import Bar, ChainSnapshot, Decision
from optionswarm.service import views as v
from optionswarm.strategy.base import StrategyComponent

from .protocol import AGENT_STEPS, AgentReply, AgentStep, Feedback, Submission, SubmissionReply

__all__ = ["AgentsUnavailableError", "RemoteStrategy"]

_log = structlog.get_logger("optionswarm.cluster.strategy")
_AGENTS = TypeAdapter(list[v.Agent])
_CHAINS = codec_for(ChainSnapshot)


class AgentsUnavailableError(RuntimeError):
    """A submission arrived while no session event is being handled."""


class RemoteStrategy(StrategyComponent):
    """The trading role's side of the agents conversation (see the module docstring)."""

    def __init__(
        self,
        name: str,
        bus: MessageBus,
        clock: Clock,
        config: StrategySettings,
        *,
        underlying: str,
        initial_equity: float,
        remote: MessageBus,
        run: str = "",
    ) -> None:
        self.remote = remote
        self.run = run
        self.failures = 0
        self.answered = 0
        self.last_error = ""
        self._inbox: queue.SimpleQueue[tuple[str, Any]] | None = None
        self._inbox_lock = threading.Lock()
        self._wire: tuple[ChainSnapshot | None, bytes] = (None, b"")
        super().__init__(
            name, bus, clock, config, underlying=underlying, initial_equity=initial_equity
        )

    def reset_state(self) -> None:
        self.decisions: collections.deque[Decision] = collections.deque(maxlen=1_000)
        self.agent_views_snapshot: list[v.Agent] = []
        self.remote_sequence = 0
        self._pending: list[Feedback] = []

    # -- what the strategy would have seen -------------------------------------------------
    def _on_portfolio(self, snapshot: PortfolioSnapshot) -> None:
        super()._on_portfolio(snapshot)
        self._pending.append(Feedback(snapshot=snapshot))

    def on_rejected(self, rejection: OrderRejected) -> None:
        self._pending.append(Feedback(rejection=rejection))

    def on_bar(self, bar: Bar) -> None:
        self._converse(AgentStep(ts_ns=self.clock.now_ns(), bar=bar, **self._carry()))

    def reuse_wire(self, chain: ChainSnapshot | None, wire: bytes) -> None:
        """``wire`` is ``chain`` already encoded (as it came from the ingest role): send those
        bytes to the agents role instead of encoding the chain again (None: forget it)."""
        self._wire = (chain, wire)

    def on_chain(self, chain: ChainSnapshot) -> None:
        held, wire = self._wire
        encoded = wire if held is chain else _CHAINS.encode(chain)
        self._converse(AgentStep(ts_ns=self.clock.now_ns(), chain=encoded, **self._carry()))

    def _carry(self) -> dict[str, Any]:
        feedback, self._pending = tuple(self._pending), []
        return {"feedback": feedback, "sequence": self.remote_sequence, "run": self.run}

    # -- the conversation (node thread) ----------------------------------------------------
    def _converse(self, step: AgentStep) -> None:
        inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        with self._inbox_lock:
            self._inbox = inbox

        def ask() -> None:
            try:
                inbox.put(("reply", self.remote.request(AGENT_STEPS, step)))
            except Exception as error:  # reported on the node thread below
                inbox.put(("error", error))

        threading.Thread(target=ask, name="optionswarm-agents-step", daemon=True).start()
        try:
            while True:
                kind, item = inbox.get()
                if kind == "submit":
                    submission, future = item
                    self._play(submission, future)
                    continue
                if kind == "reply":
                    self._take(item)
                else:
                    self._abstain(step, item)
                return
        finally:
            with self._inbox_lock:
                self._inbox = None

    def _play(self, submission: Submission, future: Future[SubmissionReply]) -> None:
        """Publish the decisions and the order on the node's bus; reply with their feedback."""
        if not future.set_running_or_notify_cancel():
            return
        try:
            self.decisions.extend(submission.consensus)  # oversight reads the newest one
            self._publish_decisions(submission.decisions)
            self.bus.publish(ORDERS, submission.intent)
            feedback, self._pending = tuple(self._pending), []
            future.set_result(SubmissionReply(feedback=feedback))
        except BaseException as error:
            future.set_exception(error)

    def _publish_decisions(self, decisions: Sequence[Any]) -> None:
        for decision in decisions:
            self.bus.publish(DECISIONS, decision)

    def _take(self, reply: AgentReply) -> None:
        self.answered += 1
        self._publish_decisions(reply.trailing)
        self.decisions.extend(reply.decisions)
        self.remote_sequence = max(self.remote_sequence, reply.sequence)
        if reply.agents_json != b"[]" or not self.agent_views_snapshot:
            self.agent_views_snapshot = _AGENTS.validate_json(reply.agents_json)

    def _abstain(self, step: AgentStep, error: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(error).__name__}: {error}"
        self._pending = [*step.feedback, *self._pending]  # the strategy has still not seen it
        _log.warning("agents_unavailable", ts_ns=step.ts_ns, error=self.last_error)

    # -- a responder thread ----------------------------------------------------------------
    def serve_submission(self, submission: Submission) -> SubmissionReply:
        """Hand an order to the conversation in progress and wait for its feedback."""
        with self._inbox_lock:
            inbox = self._inbox
        if inbox is None:
            raise AgentsUnavailableError(
                f"order {submission.intent.client_order_id} arrived outside a session event"
            )
        future: Future[SubmissionReply] = Future()
        inbox.put(("submit", (submission, future)))
        return future.result()

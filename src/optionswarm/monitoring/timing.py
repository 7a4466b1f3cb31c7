"""Latency seams: tick-to-order pairing, a timed risk gate and a timed LLM engine.

All three measure wall-clock ``time.perf_counter`` (the node's clock may be simulated), and none
changes what it wraps: the gate's verdict and the engine's completion or error pass through.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from prometheus_client import Histogram

from optionswarm.execution.ports import RiskGate, RiskVerdict
from optionswarm.llm._errors import LLMTimeoutError, ModelUnavailableError
from optionswarm.llm.types import ChatEngine, ChatRequest, Completion
from optionswarm.model import OrderIntent

__all__ = ["SESSION_KEY", "TickToOrder", "TimedChatEngine", "TimedRiskGate"]

SESSION_KEY: Final = "*"  # a session close concerns every underlying
_MAX_PENDING = 4096  # decisions remembered while their order is awaited


class TickToOrder:
    """Pairs each strategy order with the market event that caused it.

    A decision inherits the latest event for its underlying (or the latest session close, if
    later); its order (``decision_id``) is observed against that event. An order without a known
    decision falls back to its own underlying's latest event. Orders not from a strategy
    (manual, flatten) and pairs older than ``max_age_s`` are not observed.
    """

    def __init__(
        self,
        histogram: Histogram,
        *,
        max_age_s: float = 60.0,
        now: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._histogram = histogram
        self._max_age_s = max_age_s
        self._now = now
        self._ticks: dict[str, tuple[float, str]] = {}
        self._decisions: dict[str, tuple[float, str]] = {}

    def on_tick(self, underlying: str, trigger: str) -> None:
        """A market event for ``underlying`` (``SESSION_KEY`` for a session close) arrived."""
        self._ticks[underlying] = (self._now(), trigger)

    def on_decision(self, decision_id: str, underlying: str) -> None:
        """A strategy decided: remember which event it answers."""
        tick = self._latest(underlying)
        if tick is None:
            return
        if len(self._decisions) >= _MAX_PENDING:  # decisions without orders: drop the oldest
            del self._decisions[next(iter(self._decisions))]
        self._decisions[decision_id] = tick

    def on_order(self, intent: OrderIntent) -> float | None:
        """Observe the order's latency; returns it in seconds, or None when not paired."""
        tick = None
        if intent.decision_id is not None:
            tick = self._decisions.pop(intent.decision_id, None)
        if tick is None:
            tick = self._latest(intent.underlying)
        if tick is None or intent.source != "strategy":
            return None
        elapsed = self._now() - tick[0]
        if elapsed > self._max_age_s:
            return None
        self._histogram.labels(trigger=tick[1]).observe(elapsed)
        return elapsed

    def _latest(self, underlying: str) -> tuple[float, str] | None:
        own = self._ticks.get(underlying)
        session = self._ticks.get(SESSION_KEY)
        if own is None or (session is not None and session[0] > own[0]):
            return session
        return own


class TimedRiskGate:
    """A ``RiskGate`` that times each ``check`` of the gate it wraps (label: the outcome)."""

    def __init__(self, gate: RiskGate, histogram: Histogram) -> None:
        self.inner = gate
        self._histogram = histogram

    def check(self, intent: OrderIntent) -> RiskVerdict:
        """The wrapped gate's verdict, timed."""
        started = time.perf_counter()
        try:
            verdict = self.inner.check(intent)
        except Exception:
            self._histogram.labels(outcome="error").observe(time.perf_counter() - started)
            raise
        self._histogram.labels(outcome=verdict.outcome.value).observe(time.perf_counter() - started)
        return verdict


class TimedChatEngine:
    """A ``ChatEngine`` that times each model call (labels: model id and outcome).

    Outcomes: ``ok``, ``timeout``, ``unavailable``, ``error`` (any other exception).
    Pass it to ``LLMClient(config, engine=...)``: cached answers never reach it.
    """

    def __init__(self, engine: ChatEngine, histogram: Histogram) -> None:
        self.inner = engine
        self._histogram = histogram

    @property
    def model_id(self) -> str:
        """The wrapped engine's model id."""
        return self.inner.model_id

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """The wrapped engine's completion, timed."""
        started = time.perf_counter()
        outcome = "error"
        try:
            completion = self.inner.chat(request, deadline)
            outcome = "ok"
            return completion
        except LLMTimeoutError:
            outcome = "timeout"
            raise
        except ModelUnavailableError:
            outcome = "unavailable"
            raise
        finally:
            elapsed = time.perf_counter() - started
            self._histogram.labels(model=self.inner.model_id, outcome=outcome).observe(elapsed)

    def close(self) -> None:
        """Close the wrapped engine."""
        self.inner.close()

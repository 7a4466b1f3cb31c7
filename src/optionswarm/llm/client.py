"""``LLMClient``: one way to ask a model, whatever the engine, under cache, budget and limits.

Order of a call: answer cache (hit: charged its recorded tokens, no model call) -> run
budget (fail closed) -> concurrency limit (waiting counts against the deadline) -> engine
with a deadline of ``min(timeout_s, wall budget left)`` -> charge tokens -> cache. Every
failure is an ``LLMError`` whose ``reason_code`` the caller turns into an abstention.
"""

from __future__ import annotations

import threading
import time

from optionswarm.llm._errors import LLMTimeoutError, ModelUnavailableError
from optionswarm.llm.budget import RunBudget
from optionswarm.llm.cache import AnswerCache
from optionswarm.llm.config import EngineKind, LLMConfig
from optionswarm.llm.embedded import EmbeddedEngine
from optionswarm.llm.remote import OpenAIEngine
from optionswarm.llm.types import ChatEngine, ChatMessage, ChatRequest, Completion

__all__ = ["LLMClient", "OffEngine", "build_engine"]


class OffEngine:
    """No model: every call raises ``ModelUnavailableError`` (``engine = "off"``)."""

    model_id = "off"

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """Always refuses."""
        raise ModelUnavailableError("the LLM is switched off by configuration")

    def close(self) -> None:
        """Nothing to release."""


def build_engine(config: LLMConfig) -> ChatEngine:
    """The engine ``config.engine`` names (imports its library lazily)."""
    if config.engine is EngineKind.OFF:
        return OffEngine()
    if config.engine is EngineKind.OPENAI:
        return OpenAIEngine(config)
    return EmbeddedEngine(config)


class LLMClient:
    """Cache, budget, concurrency and deadline around one ``ChatEngine``.

    ``engine`` defaults to the one ``config`` names; ``cache`` to ``config.cache_path``;
    ``budget`` to a fresh ``RunBudget`` from the config (one run).
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        engine: ChatEngine | None = None,
        cache: AnswerCache | None = None,
        budget: RunBudget | None = None,
    ) -> None:
        self.config = config
        self._engine: ChatEngine | None = engine
        self._engine_error: ModelUnavailableError | None = None
        self.cache = cache if cache is not None else AnswerCache(config.cache_path)
        self.budget = budget or RunBudget(config.token_budget, config.wall_budget_s)
        self._slots = threading.BoundedSemaphore(config.concurrency)
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> ChatEngine:
        """The engine, built on first use (``ModelUnavailableError`` if it cannot be)."""
        with self._engine_lock:
            if self._engine is None:
                if self._engine_error is not None:
                    raise self._engine_error
                try:
                    self._engine = build_engine(self.config)
                except ModelUnavailableError as exc:
                    self._engine_error = exc
                    raise
            return self._engine

    def request(self, messages: tuple[tuple[str, str], ...], schema: str = "") -> ChatRequest:
        """A ``ChatRequest`` with this client's sampling settings."""
        return ChatRequest(
            messages=tuple(ChatMessage(role=r, content=c) for r, c in messages),
            schema=schema,
            max_tokens=self.config.max_tokens,
            temperature=self.config.temperature,
            seed=self.config.seed,
        )

    def complete(self, request: ChatRequest) -> Completion:
        """The model's answer to ``request`` (see the module docstring for the order)."""
        engine = self.engine
        cached = self.cache.get(request, engine.model_id)
        if cached is not None:
            self.budget.charge(cached.total_tokens)
            return cached
        seconds_left = self.budget.reserve(request.max_tokens)
        started = time.monotonic()
        deadline = started + min(self.config.timeout_s, seconds_left)
        if not self._slots.acquire(timeout=deadline - started):
            raise LLMTimeoutError("no model slot came free before the deadline")
        try:
            completion = engine.chat(request, deadline)
        finally:
            self._slots.release()
        self.budget.charge(completion.total_tokens)
        self.cache.put(request, completion)
        return completion

    def close(self) -> None:
        """Release the engine and the cache."""
        with self._engine_lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        self.cache.close()

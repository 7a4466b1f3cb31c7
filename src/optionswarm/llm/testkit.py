"""Test helpers: ``ScriptedEngine`` answers from a script, counting calls (no model needed).

For unit tests of what surrounds a model (cache, budget, validation, panels); behaviour of
the real engines is tested against the real SmolLM2 model and a real llama.cpp server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from optionswarm.llm._errors import LLMTimeoutError
from optionswarm.llm.types import ChatRequest, Completion

__all__ = ["ScriptedEngine"]


class ScriptedEngine:
    """Answers each request with ``answer(request)``; ``delay_s`` simulates generation time.

    A delay past the deadline raises ``LLMTimeoutError`` as a real engine would.
    """

    def __init__(
        self,
        answer: Callable[[ChatRequest], str],
        *,
        model_id: str = "scripted",
        delay_s: float = 0.0,
        tokens: int = 10,
    ) -> None:
        self._answer = answer
        self._model_id = model_id
        self.delay_s = delay_s
        self.tokens = tokens
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The scripted model's name."""
        return self._model_id

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """The scripted answer, after ``delay_s`` (or a timeout if that passes ``deadline``)."""
        started = time.monotonic()
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if started + self.delay_s > deadline:
                time.sleep(max(0.0, deadline - started))
                raise LLMTimeoutError("scripted delay passes the deadline")
            time.sleep(self.delay_s)
            text = self._answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1
        return Completion(
            text=text,
            model_id=self._model_id,
            prompt_tokens=self.tokens,
            completion_tokens=self.tokens,
            elapsed_s=time.monotonic() - started,
        )

    def close(self) -> None:
        """Nothing to release."""

"""``OpenAIEngine``: any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server).

One ``openai.OpenAI`` client with no retries (a retry is a new decision, not a hidden loop);
each call's HTTP timeout is the time left to its deadline. Connection failures and HTTP
errors become ``ModelUnavailableError``; a read that outlives the deadline becomes
``LLMTimeoutError``.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from optionswarm.llm._errors import LLMTimeoutError, ModelUnavailableError
from optionswarm.llm.config import LLMConfig, ResponseFormatStyle
from optionswarm.llm.types import ChatRequest, Completion

__all__ = ["OpenAIEngine"]


class OpenAIEngine:
    """An OpenAI-compatible HTTP server (see the module docstring)."""

    def __init__(self, config: LLMConfig) -> None:
        self._config = config
        try:
            self._openai: Any = importlib.import_module("openai")
        except ImportError as exc:
            raise ModelUnavailableError(
                "the openai client is not installed (pip install 'optionswarm[llm]')"
            ) from exc
        self._client: Any = self._openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            max_retries=0,
            timeout=config.timeout_s,
        )

    @property
    def model_id(self) -> str:
        """The server's model name and address."""
        return f"{self._config.model}@{self._config.base_url}"

    def _response_format(self, request: ChatRequest) -> dict[str, Any] | None:
        schema = request.schema_dict()
        style = self._config.response_format
        if schema is None or style is ResponseFormatStyle.NONE:
            return None
        if style is ResponseFormatStyle.JSON_SCHEMA:
            return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
        return {"type": "json_object", "schema": schema}

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """Answer ``request`` over HTTP before ``deadline`` (monotonic seconds)."""
        started = time.monotonic()
        remaining = deadline - started
        if remaining <= 0:
            raise LLMTimeoutError("no time left before the deadline")
        kwargs: dict[str, Any] = {
            "model": self._config.model,
            "messages": request.message_dicts(),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "timeout": remaining,
        }
        response_format = self._response_format(request)
        if response_format is not None:
            kwargs["response_format"] = response_format
        try:
            response = self._client.chat.completions.create(**kwargs)
        except self._openai.APITimeoutError as exc:
            raise LLMTimeoutError(f"{self.model_id} did not answer in {remaining:.1f} s") from exc
        except self._openai.APIError as exc:
            raise ModelUnavailableError(f"{self.model_id}: {type(exc).__name__}: {exc}") from exc
        return self._completion(response, started)

    def _completion(self, response: Any, started: float) -> Completion:
        choices = getattr(response, "choices", None) or []
        text = (choices[0].message.content or "") if choices else ""
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            model_id=self.model_id,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            elapsed_s=time.monotonic() - started,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

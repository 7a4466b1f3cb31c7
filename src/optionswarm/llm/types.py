"""A chat request and its completion: what a model saw and what it said."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol, runtime_checkable

import msgspec

__all__ = ["ChatEngine", "ChatMessage", "ChatRequest", "Completion"]


class ChatMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One chat turn (``role`` is system, user or assistant)."""

    role: str
    content: str


class ChatRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that decides a model's answer; its ``key`` addresses the answer cache.

    ``schema`` is a JSON schema (as canonical JSON text) the output must follow, or ``""``.
    """

    messages: tuple[ChatMessage, ...]
    schema: str = ""
    max_tokens: int = 80
    temperature: float = 0.0
    seed: int = 7

    def key(self, model_id: str) -> str:
        """sha256 of the model id and the exact request (hex)."""
        payload = msgspec.json.encode({"model": model_id, "request": self}, order="sorted")
        return hashlib.sha256(payload).hexdigest()

    def schema_dict(self) -> dict[str, Any] | None:
        """The schema as a dict, or None when unconstrained."""
        if not self.schema:
            return None
        decoded: dict[str, Any] = msgspec.json.decode(self.schema)
        return decoded

    def message_dicts(self) -> list[dict[str, str]]:
        """The messages as the OpenAI wire format wants them."""
        return [{"role": m.role, "content": m.content} for m in self.messages]


class Completion(msgspec.Struct, frozen=True, kw_only=True):
    """A model's answer with its token counts; ``cached`` when read back from the cache."""

    text: str
    model_id: str
    prompt_tokens: int
    completion_tokens: int
    elapsed_s: float
    cached: bool = False

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@runtime_checkable
class ChatEngine(Protocol):
    """A model that answers a ``ChatRequest`` by ``deadline`` (``time.monotonic()`` seconds).

    Raises ``ModelUnavailableError`` or ``LLMTimeoutError``; never blocks past the deadline
    by more than one token's time.
    """

    @property
    def model_id(self) -> str:
        """Names the model (and its file) in the cache key."""
        ...

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """Answer ``request`` before ``deadline``."""
        ...

    def close(self) -> None:
        """Release the model or connection."""
        ...

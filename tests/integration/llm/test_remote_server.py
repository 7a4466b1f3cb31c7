"""The OpenAI-compatible path against a real llama.cpp server on loopback, and its failures."""

from __future__ import annotations

import pytest

from optionswarm.agents.slow import BULL, AnalystContext, LLMAnalyst
from optionswarm.llm import EngineKind, LLMClient, LLMConfig
from optionswarm.model import Reason

from .conftest import MAX_TOKENS, LlamaServer, free_port

NOW = 1_520_000_000 * 1_000_000_000
CONTEXT = AnalystContext(underlying="sp500", ts_ns=NOW)


def _remote(base_url: str, **extra: object) -> LLMClient:
    config = LLMConfig(
        engine=EngineKind.OPENAI,
        base_url=base_url,
        model="smollm2",
        max_tokens=MAX_TOKENS,
        timeout_s=120.0,
        **extra,  # type: ignore[arg-type]
    )
    return LLMClient(config)


@pytest.mark.slow
def test_a_real_server_answers_and_a_stopped_one_means_model_unavailable(
    llama_server: LlamaServer,
) -> None:
    client = _remote(llama_server.base_url)
    view = LLMAnalyst(BULL, client).analyse(CONTEXT)
    assert not view.is_abstention, view.rationale
    assert client.budget.tokens_spent > 0  # usage reported by the server
    (exchange,) = list(client.cache.exchanges())
    assert exchange.model_id == f"smollm2@{llama_server.base_url}"

    llama_server.stop()
    fresh = _remote(llama_server.base_url)
    stopped = LLMAnalyst(BULL, fresh).analyse(CONTEXT)
    assert stopped.abstain_reason == Reason.MODEL_UNAVAILABLE
    assert "APIConnectionError" in stopped.rationale
    assert client.complete(exchange.request).cached  # an audit replays without the server


def test_a_port_with_nothing_listening_means_model_unavailable() -> None:
    view = LLMAnalyst(BULL, _remote(f"http://127.0.0.1:{free_port()}/v1")).analyse(CONTEXT)
    assert view.abstain_reason == Reason.MODEL_UNAVAILABLE


def test_a_tiny_budget_abstains_without_contacting_the_server() -> None:
    client = _remote(f"http://127.0.0.1:{free_port()}/v1", token_budget=5)
    view = LLMAnalyst(BULL, client).analyse(CONTEXT)
    assert view.abstain_reason == "budget_exhausted"

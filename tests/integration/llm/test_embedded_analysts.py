"""The real SmolLM2-135M model end to end: schema-constrained answers, cache, budget, deadline.

Few real generations (each ~1-3 s on 2 loaded cores): one panel of two roles, its cached
replay, and failures that stop before or during generation.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from optionswarm.agents.slow import (
    BULL,
    VOLATILITY,
    AnalystConfig,
    AnalystContext,
    AnalystPanel,
    Headline,
    LLMAnalyst,
)
from optionswarm.features import FeatureEngine
from optionswarm.llm import (
    AnswerCache,
    EmbeddedEngine,
    LLMClient,
    LLMConfig,
    ModelUnavailableError,
    shipped_model_path,
)
from optionswarm.model import NS_PER_DAY, Bar, Reason

from .conftest import MAX_TOKENS

NOW = 1_520_000_000 * 1_000_000_000


def _context() -> AnalystContext:
    engine = FeatureEngine("sp500")
    price = 2700.0
    for i in range(40):
        price *= math.exp(-0.004 + 0.012 * math.sin(i))
        stamp = NOW - (39 - i) * NS_PER_DAY
        engine.on_bar(
            Bar(symbol="sp500", ts_ns=stamp, open=price, high=price, low=price, close=price)
        )
    headlines = (
        Headline(published_ns=NOW - NS_PER_DAY, title="Stocks tumble as inflation fears mount"),
        Headline(
            published_ns=NOW - 3600 * 10**9, title="Volatility jumps; analysts warn of losses"
        ),
    )
    return AnalystContext(
        underlying="sp500", ts_ns=NOW, features=engine.snapshot(), headlines=headlines
    )


def test_shipped_model_is_the_smollm2_gguf() -> None:
    path = shipped_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000


@pytest.mark.slow
def test_real_model_answers_within_the_schema_and_the_replay_comes_from_the_cache(
    embedded_engine: EmbeddedEngine, tmp_path: Path
) -> None:
    config = LLMConfig(max_tokens=MAX_TOKENS, concurrency=2, timeout_s=120.0)
    cache_file = tmp_path / "answers.sqlite"
    client = LLMClient(config, engine=embedded_engine, cache=AnswerCache(cache_file))
    panel = AnalystPanel(client, roles=(BULL, VOLATILITY), config=AnalystConfig())
    context = _context()
    views = panel.analyse(context)
    assert [v.agent_id for v in views] == ["llm_bull", "llm_volatility"]
    for view in views:
        # grammar-constrained decoding: a valid answer, not an abstention
        assert not view.is_abstention, view.rationale
        assert view.conviction in {0.2, 0.45, 0.7}
        assert view.ts_ns == NOW
    spent = client.budget.tokens_spent
    assert spent > 0
    exchanges = list(client.cache.exchanges())
    assert len(exchanges) == 2
    assert all("Stocks tumble" in e.request.messages[-1].content for e in exchanges)

    replay = LLMClient(config, engine=embedded_engine, cache=AnswerCache(cache_file))
    again = AnalystPanel(replay, roles=(BULL, VOLATILITY)).analyse(context)
    assert again == views
    assert replay.budget.tokens_spent == spent  # charged as recorded, no new generation


def test_a_tiny_token_budget_abstains_before_generating(embedded_engine: EmbeddedEngine) -> None:
    client = LLMClient(LLMConfig(max_tokens=MAX_TOKENS, token_budget=10), engine=embedded_engine)
    view = LLMAnalyst(BULL, client).analyse(_context())
    assert view.abstain_reason == "budget_exhausted"


def test_a_deadline_passing_mid_generation_is_a_timeout(embedded_engine: EmbeddedEngine) -> None:
    client = LLMClient(LLMConfig(max_tokens=MAX_TOKENS, timeout_s=0.02), engine=embedded_engine)
    view = LLMAnalyst(BULL, client).analyse(_context())
    assert view.abstain_reason == Reason.TIMEOUT
    assert len(client.cache) == 0


def test_a_gguf_that_is_not_a_model_is_unavailable(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF not really")
    engine = EmbeddedEngine(LLMConfig(model_path=str(bogus)))
    with pytest.raises(ModelUnavailableError, match=r"bogus\.gguf"):
        engine.load()
    view = LLMAnalyst(BULL, LLMClient(LLMConfig(model_path=str(bogus)))).analyse(_context())
    assert view.abstain_reason == Reason.MODEL_UNAVAILABLE

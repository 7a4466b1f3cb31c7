"""Agent memory: recall by similarity, never an outcome that was not yet known."""

from __future__ import annotations

import pytest

from optionswarm.agents.slow import (
    SAMPLE_HEADLINES_FILE,
    AgentMemory,
    ContextBuilder,
    ContextLimits,
    HashingEmbedder,
    HeadlineFeed,
    PastCase,
    describe,
    load_headlines,
)
from optionswarm.model import NS_PER_DAY
from optionswarm.storage.vector import InMemoryVectorStore

from .conftest import NOW, make_features


def _case(cid: str, situation: str, known_ns: int, underlying: str = "sp500") -> PastCase:
    return PastCase(
        case_id=cid,
        underlying=underlying,
        decided_ns=known_ns - 5 * NS_PER_DAY,
        outcome_known_ns=known_ns,
        situation=situation,
        outcome=f"outcome of {cid}",
    )


@pytest.fixture
def memory() -> AgentMemory:
    embedder = HashingEmbedder(dim=256)
    return AgentMemory(InMemoryVectorStore(256), embedder)


def test_recall_returns_the_most_similar_known_cases(memory: AgentMemory) -> None:
    memory.remember(
        [
            _case("calm", "sp500: week flat, realised vol low, implied vol low", NOW - 10),
            _case("storm", "sp500: week falling, realised vol high, implied vol high", NOW - 10),
            _case("other", "ndx: week falling, realised vol high", NOW - 10, underlying="ndx"),
        ]
    )
    got = memory.recall("sp500: week falling, realised vol high, implied vol high", NOW, k=1)
    assert [c.case_id for c in got] == ["storm"]
    assert got[0].similarity == pytest.approx(1.0)
    sp_only = memory.recall("week falling, realised vol high", NOW, k=5, underlying="sp500")
    assert {c.case_id for c in sp_only} == {"calm", "storm"}


def test_a_case_whose_outcome_was_not_known_at_decision_time_is_never_shown(
    memory: AgentMemory,
) -> None:
    text = "sp500: week falling, realised vol high"
    memory.remember([_case("later", text, NOW + 1), _case("earlier", text + " again", NOW)])
    assert [c.case_id for c in memory.recall(text, NOW)] == ["earlier"]
    assert [c.case_id for c in memory.recall(text, NOW + 1)] == ["later", "earlier"]
    assert memory.recall(text, NOW - 1) == ()


def test_remembering_nothing_is_a_no_op_and_dimensions_must_match(memory: AgentMemory) -> None:
    memory.remember([])
    assert len(memory.store) == 0
    with pytest.raises(ValueError, match="dimension"):
        AgentMemory(InMemoryVectorStore(8), HashingEmbedder(dim=16))


def test_hashing_embedder_is_deterministic_unit_length_and_handles_empty_text() -> None:
    embedder = HashingEmbedder(dim=64)
    one, again, empty = embedder.embed(["stocks fall hard", "stocks fall hard", ""])
    assert one == again
    assert sum(v * v for v in one) == pytest.approx(1.0)
    assert sum(v * v for v in empty) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(dim=0)


def test_describe_buckets_the_situation_deterministically() -> None:
    text = describe(make_features())
    assert text.startswith("sp500: week ")
    assert "implied vol unknown" in text  # no chain was given
    assert describe(make_features()) == text
    assert describe(make_features(drift=-0.02)) != text


def test_context_builder_gathers_only_what_was_known(memory: AgentMemory) -> None:
    features = make_features()
    memory.remember(
        [
            _case("known", describe(features), NOW - 1),
            _case("unknown", describe(features), NOW + NS_PER_DAY),
        ]
    )
    feed = HeadlineFeed(load_headlines(SAMPLE_HEADLINES_FILE))
    feb_9 = 1_518_134_400 * 1_000_000_000  # 2018-02-09T00:00Z
    builder = ContextBuilder(feed, memory, ContextLimits(headline_lookback_ns=7 * NS_PER_DAY))
    context = builder.build("sp500", feb_9, make_features(feb_9))
    assert [h.title[:22] for h in context.headlines] == [
        "SAMPLE: Stocks tumble ",
        "SAMPLE: Volatility exp",
        "SAMPLE: Selloff deepen",
    ]
    now_context = builder.build("sp500", NOW, features)
    assert [c.case_id for c in now_context.cases] == ["known"]
    assert ContextBuilder().build("sp500", NOW, None).headlines == ()

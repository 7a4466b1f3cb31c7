"""Sentiment over headlines: a finance-extended VADER reader, an optional FinBERT, an agent.

* ``LexiconScorer``: VADER (``vaderSentiment``, lexicon shipped, offline) with the finance
  word list in ``data/finance_lexicon.tsv`` laid over its lexicon.
* ``FinBertScorer``: a FinBERT-style classifier loaded from a *local* directory with
  ``transformers``, imported lazily; without the library or the directory it raises
  ``ScorerUnavailableError`` and the agent abstains with ``model_unavailable``.
* ``SentimentAgent``: the mean score of the headlines in a look-back window as of the
  decision time -> a ``View``; too few headlines -> ``insufficient_data``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import msgspec

from optionswarm.agents.slow.context import AnalystContext
from optionswarm.model import NS_PER_DAY, Direction, Reason, View, VolView

__all__ = [
    "FINANCE_LEXICON_FILE",
    "FinBertScorer",
    "HeadlineScorer",
    "LexiconScorer",
    "ScorerUnavailableError",
    "SentimentAgent",
    "SentimentConfig",
    "load_finance_lexicon",
]

FINANCE_LEXICON_FILE = Path(__file__).with_name("data") / "finance_lexicon.tsv"


class ScorerUnavailableError(RuntimeError):
    """The scorer's library or model is absent; ``reason_code`` is ``model_unavailable``."""

    reason_code = Reason.MODEL_UNAVAILABLE


class HeadlineScorer(Protocol):
    """Scores texts in [-1, 1] (negative .. positive)."""

    name: str

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score per text."""
        ...


def load_finance_lexicon(path: Path = FINANCE_LEXICON_FILE) -> dict[str, float]:
    """The word -> weight table of a finance lexicon file (``ValueError`` on a bad line)."""
    table: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, weight = line.partition("\t")
        value = float(weight)
        if not word or word != word.lower() or not -4.0 <= value <= 4.0:
            raise ValueError(f"{path.name}:{number}: bad entry {line!r}")
        table[word] = value
    return table


class LexiconScorer:
    """VADER compound scores with the finance word list laid over VADER's lexicon."""

    name = "vader_finance"

    def __init__(self, lexicon_path: Path = FINANCE_LEXICON_FILE) -> None:
        try:
            vader = importlib.import_module("vaderSentiment.vaderSentiment")
        except ImportError as exc:
            raise ScorerUnavailableError("vaderSentiment is not installed") from exc
        self._analyzer: Any = vader.SentimentIntensityAnalyzer()
        self._analyzer.lexicon.update(load_finance_lexicon(lexicon_path))

    def score(self, texts: Sequence[str]) -> list[float]:
        """VADER's compound score of each text."""
        return [float(self._analyzer.polarity_scores(t)["compound"]) for t in texts]


class FinBertScorer:
    """A sequence classifier with positive/negative/neutral labels from a local directory.

    Score = P(positive) - P(negative). Loading is lazy (first ``score``); a missing
    ``transformers``/``torch`` or directory raises ``ScorerUnavailableError``.
    """

    name = "finbert"

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        self._pipeline: Any = None

    def _load(self) -> Any:
        if self._pipeline is not None:
            return self._pipeline
        if not (self.model_dir / "config.json").is_file():
            raise ScorerUnavailableError(f"no FinBERT model in {self.model_dir}")
        try:
            transformers = importlib.import_module("transformers")
        except ImportError as exc:
            raise ScorerUnavailableError("transformers is not installed") from exc
        self._pipeline = transformers.pipeline(
            "text-classification", model=str(self.model_dir), top_k=None, local_files_only=True
        )
        return self._pipeline

    def score(self, texts: Sequence[str]) -> list[float]:
        """P(positive) - P(negative) per text."""
        results = self._load()(list(texts))
        scores = []
        for labels in results:
            probs = {item["label"].lower(): float(item["score"]) for item in labels}
            scores.append(probs.get("positive", 0.0) - probs.get("negative", 0.0))
        return scores


class SentimentConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Window, thresholds and the view's shape for ``SentimentAgent``."""

    agent_id: str = "sentiment"
    lookback_ns: int = 3 * NS_PER_DAY
    min_headlines: int = 1
    neutral_band: float = 0.15  # |mean score| below this -> neutral
    max_conviction: float = 0.6
    horizon_days: int = 3
    ttl_ns: int = NS_PER_DAY


class SentimentAgent:
    """Headline sentiment as of the decision time -> a ``View`` (abstains, never raises)."""

    def __init__(self, scorer: HeadlineScorer, config: SentimentConfig | None = None) -> None:
        self.scorer = scorer
        self.config = config or SentimentConfig()
        self.agent_id = self.config.agent_id

    def _abstain(self, context: AnalystContext, code: str, why: str) -> View:
        cfg = self.config
        return View.abstain(
            self.agent_id, context.underlying, context.ts_ns, code, why, ttl_ns=cfg.ttl_ns
        )

    def analyse(self, context: AnalystContext) -> View:
        """The view from the headlines of ``context`` published in the look-back window."""
        cfg = self.config
        since = context.ts_ns - cfg.lookback_ns
        texts = [h.title for h in context.headlines if since <= h.published_ns <= context.ts_ns]
        if len(texts) < cfg.min_headlines:
            return self._abstain(
                context, Reason.INSUFFICIENT_DATA, f"{len(texts)} headlines in the window"
            )
        try:
            scores = self.scorer.score(texts)
        except ScorerUnavailableError as exc:
            return self._abstain(context, exc.reason_code, str(exc))
        except Exception as exc:  # a scorer fault is an abstention, not a crash
            return self._abstain(context, Reason.AGENT_ERROR, f"{type(exc).__name__}: {exc}")
        mean = math.fsum(scores) / len(scores)
        if not math.isfinite(mean):
            return self._abstain(context, Reason.INVALID_OUTPUT, "non-finite sentiment score")
        return self._view(context, mean, len(scores))

    def _view(self, context: AnalystContext, mean: float, count: int) -> View:
        cfg = self.config
        strength = min(1.0, abs(mean))
        if strength < cfg.neutral_band:
            direction = Direction.NEUTRAL
        else:
            direction = Direction.BULLISH if mean > 0 else Direction.BEARISH
        conviction = 0.0 if direction is Direction.NEUTRAL else cfg.max_conviction * strength
        return View(
            agent_id=self.agent_id,
            underlying=context.underlying,
            ts_ns=context.ts_ns,
            direction=direction,
            probability=0.5 + 0.25 * conviction,
            vol_view=VolView.RISING if mean <= -0.5 else VolView.FLAT,
            conviction=conviction,
            horizon_days=cfg.horizon_days,
            rationale=f"{self.scorer.name}: mean score {mean:+.3f} over {count} headlines",
            ttl_ns=cfg.ttl_ns,
        )

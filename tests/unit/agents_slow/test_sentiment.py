"""Finance-lexicon sentiment, the FinBERT path's abstentions, and the sentiment agent."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from optionswarm.agents.slow import (
    FINANCE_LEXICON_FILE,
    SAMPLE_HEADLINES_FILE,
    AnalystContext,
    FinBertScorer,
    Headline,
    HeadlineFeed,
    LexiconScorer,
    ScorerUnavailableError,
    SentimentAgent,
    SentimentConfig,
    load_finance_lexicon,
    load_headlines,
)
from optionswarm.model import Direction, Reason, VolView

DAY = 86_400 * 1_000_000_000
NOW = 1_600_000_000 * 1_000_000_000


@pytest.fixture(scope="module")
def scorer() -> LexiconScorer:
    return LexiconScorer()


def _context(titles: Sequence[str], *, ago_ns: int = DAY // 2) -> AnalystContext:
    headlines = tuple(Headline(published_ns=NOW - ago_ns, title=t) for t in titles)
    return AnalystContext(underlying="sp500", ts_ns=NOW, headlines=headlines)


def test_finance_lexicon_file_is_documented_and_within_vader_scale() -> None:
    text = FINANCE_LEXICON_FILE.read_text(encoding="utf-8")
    assert "Loughran" in text
    table = load_finance_lexicon()
    assert len(table) > 100
    assert all(-4.0 <= w <= 4.0 for w in table.values())
    assert table["downgrade"] < 0 < table["upgrade"]


def test_a_bad_lexicon_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv"
    path.write_text("# comment\nBeat\t1.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lex\.tsv:2"):
        load_finance_lexicon(path)


def test_finance_words_unknown_to_plain_vader_now_carry_tone(scorer: LexiconScorer) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    plain = SentimentIntensityAnalyzer()
    up_title = "Revenue beats estimates as stock surges"
    down_title = "Bank downgraded; stock plunges"
    assert plain.polarity_scores(up_title)["compound"] == 0.0
    assert plain.polarity_scores(down_title)["compound"] == 0.0
    up, down = scorer.score([up_title, down_title])
    assert up > 0.5
    assert down < -0.5


def test_bearish_headlines_give_a_bearish_view_with_rising_vol(scorer: LexiconScorer) -> None:
    agent = SentimentAgent(scorer)
    view = agent.analyse(_context(["Stocks plunge as recession fears mount", "Selloff deepens"]))
    assert view.direction is Direction.BEARISH
    assert view.vol_view is VolView.RISING
    assert 0.0 < view.conviction <= agent.config.max_conviction
    assert view.probability > 0.5
    assert "vader_finance" in view.rationale


def test_mixed_headlines_are_neutral(scorer: LexiconScorer) -> None:
    view = SentimentAgent(scorer).analyse(_context(["The committee meets on Tuesday"]))
    assert view.direction is Direction.NEUTRAL
    assert view.conviction == 0.0
    assert not view.is_abstention


def test_no_headline_in_the_window_is_an_abstention(scorer: LexiconScorer) -> None:
    agent = SentimentAgent(scorer, SentimentConfig(lookback_ns=DAY))
    view = agent.analyse(_context(["Shares surge"], ago_ns=2 * DAY))
    assert view.abstain_reason == Reason.INSUFFICIENT_DATA


def test_sample_headlines_as_of_a_date_only_use_what_was_published(scorer: LexiconScorer) -> None:
    feed = HeadlineFeed(load_headlines(SAMPLE_HEADLINES_FILE))
    before_crash = 1_517_600_000 * 1_000_000_000  # 2018-02-02T19:33Z, before the 20:45 headline
    context = AnalystContext(
        underlying="sp500", ts_ns=before_crash, headlines=feed.as_of(before_crash)
    )
    view = SentimentAgent(scorer, SentimentConfig(lookback_ns=10 * DAY)).analyse(context)
    assert view.direction is Direction.BULLISH  # the "stocks tumble" headline is not known yet


def test_finbert_without_a_model_directory_abstains_with_model_unavailable(
    tmp_path: Path,
) -> None:
    agent = SentimentAgent(FinBertScorer(tmp_path / "no-model"))
    view = agent.analyse(_context(["Shares surge"]))
    assert view.abstain_reason == Reason.MODEL_UNAVAILABLE
    assert "no FinBERT model" in view.rationale


def test_finbert_without_transformers_abstains_with_model_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "transformers", None)  # import now raises ImportError
    scorer = FinBertScorer(tmp_path)
    with pytest.raises(ScorerUnavailableError, match="transformers is not installed"):
        scorer.score(["x"])
    view = SentimentAgent(scorer).analyse(_context(["Shares surge"]))
    assert view.abstain_reason == Reason.MODEL_UNAVAILABLE


def test_a_scorer_that_fails_makes_the_agent_abstain_not_crash() -> None:
    class Broken:
        name = "broken"

        def score(self, texts: Sequence[str]) -> list[float]:
            raise RuntimeError("boom")

    class NotFinite:
        name = "nan"

        def score(self, texts: Sequence[str]) -> list[float]:
            return [float("nan")] * len(texts)

    assert SentimentAgent(Broken()).analyse(_context(["x"])).abstain_reason == Reason.AGENT_ERROR
    nan_view = SentimentAgent(NotFinite()).analyse(_context(["x"]))
    assert nan_view.abstain_reason == Reason.INVALID_OUTPUT


def test_vader_missing_is_scorer_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vaderSentiment.vaderSentiment", None)
    with pytest.raises(ScorerUnavailableError, match="vaderSentiment"):
        LexiconScorer()

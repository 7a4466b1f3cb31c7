"""Analysts around a scripted engine: validation, abstention reasons, panel and debate."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.agents.slow import (
    ANSWER_SCHEMA,
    BULL,
    DEFAULT_ROLES,
    AnalystAnswer,
    AnalystConfig,
    AnalystContext,
    AnalystPanel,
    ConvictionScale,
    Headline,
    LLMAnalyst,
    LookAheadError,
    PastCase,
    messages,
)
from optionswarm.features import Features
from optionswarm.llm import (
    ChatRequest,
    EngineKind,
    InvalidOutputError,
    LLMClient,
    LLMConfig,
    parse_answer,
)
from optionswarm.llm.testkit import ScriptedEngine
from optionswarm.model import Direction, Reason, VolView

from .conftest import NOW, make_features

GOOD = '{"direction": "bearish", "volatility": "rising", "conviction": "high", "reason": "x"}'


def _client(answer: str | None = None, **config: object) -> tuple[LLMClient, ScriptedEngine]:
    engine = ScriptedEngine(lambda request: answer if answer is not None else GOOD)
    return LLMClient(LLMConfig(**config), engine=engine), engine  # type: ignore[arg-type]


def test_a_valid_answer_becomes_a_view_whose_numbers_code_decides(features: Features) -> None:
    client, _ = _client()
    view = LLMAnalyst(BULL, client).analyse(
        AnalystContext(underlying="sp500", ts_ns=NOW, features=features)
    )
    assert view.agent_id == "llm_bull"
    assert view.direction is Direction.BEARISH
    assert view.vol_view is VolView.RISING
    scale = ConvictionScale()
    assert view.conviction == pytest.approx(min(scale.cap, scale.high))
    assert view.probability == pytest.approx(0.5 + scale.edge * view.conviction)
    assert view.ts_ns == NOW
    assert not view.is_abstention


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "not json",
        '{"direction": "up", "volatility": "rising", "conviction": "high", "reason": "x"}',
        '{"direction": "bullish", "volatility": "rising", "conviction": 9, "reason": "x"}',
        '{"direction": "bullish", "volatility": "rising", "conviction": "high"}',
        '{"direction": "bullish", "volatility": "rising", "conviction": "high", "reason": "x",'
        ' "strike": 4000}',
        '{"direction": "bullish", "volatility": "rising", "conviction": "high", "reason": "'
        + "y" * 300
        + '"}',
        '{"direction": "bullish", "volatility": "rising", "conviction": "hi',
    ],
)
def test_invalid_output_is_an_abstention_with_its_reason(answer: str) -> None:
    client, _ = _client(answer)
    view = LLMAnalyst(BULL, client).analyse(AnalystContext(underlying="sp500", ts_ns=NOW))
    assert view.abstain_reason == Reason.INVALID_OUTPUT
    assert view.conviction == 0.0


@settings(max_examples=60)
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_parse_answer_either_validates_or_raises_invalid_output(text: str) -> None:
    try:
        answer = parse_answer(text, AnalystAnswer)
    except InvalidOutputError:
        return
    assert answer.direction in {"bullish", "bearish", "neutral"}


def test_schema_allows_only_the_precomputed_answers() -> None:
    schema = json.loads(ANSWER_SCHEMA)
    props = schema["properties"]
    assert props["direction"]["enum"] == ["bullish", "bearish", "neutral"]
    assert props["conviction"]["enum"] == ["low", "medium", "high"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(AnalystAnswer.__struct_fields__)


def test_no_model_makes_the_analyst_abstain_with_model_unavailable() -> None:
    client = LLMClient(LLMConfig(engine=EngineKind.OFF))
    view = LLMAnalyst(BULL, client).analyse(AnalystContext(underlying="sp500", ts_ns=NOW))
    assert view.abstain_reason == Reason.MODEL_UNAVAILABLE


def test_a_spent_budget_makes_the_analyst_abstain_with_budget_exhausted() -> None:
    client, engine = _client(token_budget=10, max_tokens=80)
    view = LLMAnalyst(BULL, client).analyse(AnalystContext(underlying="sp500", ts_ns=NOW))
    assert view.abstain_reason == "budget_exhausted"
    assert engine.calls == 0


def test_a_late_answer_is_a_timeout_abstention() -> None:
    engine = ScriptedEngine(lambda r: GOOD, delay_s=2.0)
    client = LLMClient(LLMConfig(timeout_s=0.05), engine=engine)
    view = LLMAnalyst(BULL, client).analyse(AnalystContext(underlying="sp500", ts_ns=NOW))
    assert view.abstain_reason == Reason.TIMEOUT


def test_an_unexpected_engine_error_is_an_agent_error_abstention() -> None:
    def explode(request: ChatRequest) -> str:
        raise KeyError("unexpected")

    client = LLMClient(LLMConfig(), engine=ScriptedEngine(explode))
    view = LLMAnalyst(BULL, client).analyse(AnalystContext(underlying="sp500", ts_ns=NOW))
    assert view.abstain_reason == Reason.AGENT_ERROR


def test_panel_runs_every_role_and_debate_shows_each_the_others(features: Features) -> None:
    seen_others: list[str] = []

    def answer(request: ChatRequest) -> str:
        prompt = request.messages[-1].content
        if "The other analysts said" in prompt:
            seen_others.append(prompt)
            return GOOD.replace("bearish", "neutral")
        return GOOD

    engine = ScriptedEngine(answer)
    client = LLMClient(LLMConfig(concurrency=2), engine=engine)
    panel = AnalystPanel(client, config=AnalystConfig(debate=True))
    context = AnalystContext(underlying="sp500", ts_ns=NOW, features=features)
    views = panel.analyse(context)
    assert [v.agent_id for v in views] == list(panel.agent_ids)
    assert len(views) == len(DEFAULT_ROLES)
    assert all(v.direction is Direction.NEUTRAL for v in views)  # the revised answers
    assert len(seen_others) == len(DEFAULT_ROLES)
    assert all(prompt.count("- llm_") == len(DEFAULT_ROLES) - 1 for prompt in seen_others)
    assert engine.max_in_flight <= 2


def test_a_failed_debate_answer_keeps_the_first_round_view(features: Features) -> None:
    def answer(request: ChatRequest) -> str:
        return "garbage" if "The other analysts said" in request.messages[-1].content else GOOD

    client = LLMClient(LLMConfig(), engine=ScriptedEngine(answer))
    panel = AnalystPanel(client, config=AnalystConfig(debate=True))
    views = panel.analyse(AnalystContext(underlying="sp500", ts_ns=NOW, features=features))
    assert all(v.direction is Direction.BEARISH for v in views)


def test_debate_with_every_peer_abstaining_keeps_the_first_round() -> None:
    client = LLMClient(LLMConfig(engine=EngineKind.OFF))
    views = AnalystPanel(client, config=AnalystConfig(debate=True)).analyse(
        AnalystContext(underlying="sp500", ts_ns=NOW)
    )
    assert {v.abstain_reason for v in views} == {Reason.MODEL_UNAVAILABLE}


def test_prompt_is_deterministic_and_holds_only_the_context() -> None:
    context = AnalystContext(
        underlying="sp500",
        ts_ns=NOW,
        features=make_features(),
        headlines=(Headline(published_ns=NOW - 10, title="Stocks rally"),),
        cases=(
            PastCase(
                case_id="c1",
                underlying="sp500",
                decided_ns=NOW - 100,
                outcome_known_ns=NOW - 1,
                situation="quiet market",
                outcome="rose 1%",
            ),
        ),
    )
    first = messages(BULL, context)
    assert first == messages(BULL, copy.deepcopy(context))
    system, user = first
    assert "bull analyst" in system[1]
    assert "Stocks rally" in user[1]
    assert "quiet market -> rose 1%" in user[1]
    assert "ATM implied vol: unknown" in user[1]  # no chain was given
    assert "2020-09-13 12:26 UTC" in user[1]


def test_context_refuses_anything_stamped_after_the_decision_time() -> None:
    with pytest.raises(LookAheadError, match="headline"):
        AnalystContext(
            underlying="sp500",
            ts_ns=NOW,
            headlines=(Headline(published_ns=NOW + 1, title="tomorrow"),),
        )
    with pytest.raises(LookAheadError, match="outcome"):
        AnalystContext(
            underlying="sp500",
            ts_ns=NOW,
            cases=(
                PastCase(
                    case_id="c",
                    underlying="sp500",
                    decided_ns=NOW - 5,
                    outcome_known_ns=NOW + 1,
                    situation="s",
                    outcome="o",
                ),
            ),
        )
    with pytest.raises(LookAheadError, match="features"):
        AnalystContext(underlying="sp500", ts_ns=NOW, features=make_features(NOW + 1))


def test_conviction_scale_caps_and_validates() -> None:
    scale = ConvictionScale(cap=0.3)
    answer = AnalystAnswer(direction="neutral", volatility="flat", conviction="high", reason=" ")
    view = scale.view(answer, agent_id="a", underlying="u", ts_ns=1, horizon_days=1, ttl_ns=5)
    assert view.conviction == 0.3
    assert view.probability == 0.5
    assert view.rationale == "(no reason given)"
    with pytest.raises(ValueError, match="rise"):
        ConvictionScale(low=0.5, medium=0.4)
    with pytest.raises(ValueError, match="edge"):
        ConvictionScale(edge=0.9)

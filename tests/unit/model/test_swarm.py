"""Agent views, abstentions with reasons, and consensus decisions."""

from __future__ import annotations

import math

import pytest

from optionswarm.model import (
    ABSTAIN_REASONS,
    DECISION_REASONS,
    REASON_CODES,
    AgentContribution,
    Decision,
    Direction,
    ModelValidationError,
    Reason,
    View,
    VolView,
)
from optionswarm.model.testkit import TS_NS, make_decision, make_view


def test_abstain_builds_a_neutral_zero_conviction_view_with_its_reason() -> None:
    view = View.abstain("llm_analyst", "SPY", TS_NS, Reason.TIMEOUT, "no answer within 2 s")
    assert view.is_abstention
    assert view.abstain_reason == "timeout"
    assert view.direction is Direction.NEUTRAL
    assert view.vol_view is VolView.FLAT
    assert view.conviction == 0.0
    assert view.probability == 0.5
    assert not make_view().is_abstention


def test_view_is_live_until_its_ttl_runs_out() -> None:
    view = make_view(ttl_ns=1_000)
    assert view.expires_at_ns == TS_NS + 1_000
    assert view.is_live(TS_NS)
    assert view.is_live(TS_NS + 999)
    assert not view.is_live(TS_NS + 1_000)
    assert not view.is_live(TS_NS - 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"probability": 1.01}, "probability"),
        ({"probability": -0.01}, "probability"),
        ({"probability": math.nan}, "probability"),
        ({"conviction": 1.5}, "conviction"),
        ({"conviction": -0.1}, "conviction"),
        ({"horizon_days": -1}, "horizon_days"),
        ({"horizon_days": 1.5}, "horizon_days"),
        ({"ttl_ns": 0}, "ttl_ns"),
        ({"direction": "up"}, "direction"),
        ({"vol_view": "wild"}, "vol_view"),
        ({"rationale": ""}, "rationale"),
        ({"agent_id": ""}, "agent_id"),
        ({"abstain_reason": "Timed Out"}, "abstain_reason"),
        ({"abstain_reason": "timeout", "conviction": 0.5}, "conviction"),
    ],
)
def test_bad_view_is_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_view(**overrides)
    assert caught.value.field == field


def test_abstain_rejects_a_malformed_reason_code() -> None:
    with pytest.raises(ModelValidationError) as caught:
        View.abstain("a", "SPY", TS_NS, "", "why")
    assert caught.value.field == "abstain_reason"


def test_reason_codes_are_documented_snake_case_strings() -> None:
    assert set(REASON_CODES) == set(ABSTAIN_REASONS) | set(DECISION_REASONS)
    constants = {value for name, value in vars(Reason).items() if name.isupper()}
    assert constants == set(REASON_CODES)
    for code, sentence in REASON_CODES.items():
        assert code.replace("_", "").isalpha()
        assert code == code.lower()
        assert sentence


def test_decision_holds_contributions_and_is_actionable_on_consensus() -> None:
    decision = make_decision()
    assert len(decision.contributions) == 2
    assert decision.is_actionable
    neutral_sell_vol = make_decision(direction=Direction.NEUTRAL, vol_view=VolView.FALLING)
    assert neutral_sell_vol.is_actionable
    assert not make_decision(reason_code=Reason.HIGH_DISAGREEMENT).is_actionable


def test_decision_over_no_views_is_valid_for_all_abstained() -> None:
    decision = make_decision(
        views=[],
        direction=Direction.NEUTRAL,
        confidence=0.0,
        reason_code=Reason.ALL_ABSTAINED,
        explanation="every agent abstained",
    )
    assert decision.contributions == ()
    assert not decision.is_actionable


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"confidence": 1.2}, "confidence"),
        ({"disagreement": -0.2}, "disagreement"),
        ({"reason_code": "OK!"}, "reason_code"),
        ({"explanation": ""}, "explanation"),
        ({"decision_id": ""}, "decision_id"),
        ({"contributions": ("x",)}, "contributions"),
        ({"underlying": "QQQ"}, "contributions"),
    ],
)
def test_bad_decision_is_rejected_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_decision(**overrides)
    assert caught.value.field == field


def test_an_agent_counted_twice_is_rejected() -> None:
    view = make_view("momentum")
    with pytest.raises(ModelValidationError) as caught:
        make_decision(views=[view, view])
    assert caught.value.field == "contributions"


def test_contributions_given_as_a_list_become_a_tuple() -> None:
    view = make_view()
    item = AgentContribution(agent_id=view.agent_id, view=view, weight=1.0, contribution=0.5)
    decision = make_decision(contributions=[item])
    assert decision.contributions == (item,)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"agent_id": "other"}, "agent_id"),
        ({"weight": -1.0}, "weight"),
        ({"contribution": math.inf}, "contribution"),
        ({"view": "v"}, "view"),
    ],
)
def test_bad_contribution_is_rejected(fields: dict[str, object], field: str) -> None:
    view = make_view()
    good = {"agent_id": view.agent_id, "view": view, "weight": 0.5, "contribution": 0.1}
    with pytest.raises(ModelValidationError) as caught:
        AgentContribution(**{**good, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_direction_sign() -> None:
    assert [d.sign for d in Direction] == [1, -1, 0]
    assert isinstance(make_decision(), Decision)

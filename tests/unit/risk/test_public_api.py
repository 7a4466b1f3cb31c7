"""The public surface of ``optionswarm.risk`` does not drift by accident."""

from __future__ import annotations

from optionswarm import risk
from optionswarm.risk import RISK_REASONS, RiskCode

EXPECTED_CORE = {
    "RiskEngine",
    "RiskConfig",
    "RiskVerdict",
    "RiskDecision",
    "DenyReason",
    "RiskCode",
    "TradingState",
    "TradingStateMachine",
    "TradingTrigger",
    "MarginEngine",
    "BrokerProfile",
    "REG_T",
    "CASH_ACCOUNT",
    "Breaker",
    "DailyLossBreaker",
    "DrawdownBreaker",
    "ConsecutiveLossBreaker",
    "StaleDataBreaker",
    "BrokerErrorBreaker",
    "LatencyBreaker",
    "VolatilityShockBreaker",
    "InconsistencyBreaker",
    "BreakerTripped",
    "BreakerReset",
    "KillSwitchEngaged",
    "TradingStateChanged",
    "CancelAllRequested",
    "FlattenRequested",
    "ActionRefused",
}


def test_core_names_are_exported_once_and_resolve() -> None:
    assert set(risk.__all__) >= EXPECTED_CORE
    assert len(risk.__all__) == len(set(risk.__all__))
    for name in risk.__all__:
        assert getattr(risk, name) is not None


def test_every_reason_code_has_a_sentence() -> None:
    assert set(RISK_REASONS) == set(RiskCode)
    assert all(sentence and sentence[0].islower() for sentence in RISK_REASONS.values())

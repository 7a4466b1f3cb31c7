"""The approval policy's rules one by one, and its measures from a real risk context."""

from __future__ import annotations

import math

import msgspec
import pytest

from optionswarm.model import Side
from optionswarm.oversight import (
    AgentOpinion,
    DecisionInfo,
    OrderFacts,
    OrderMeasures,
    OversightConfig,
    PolicyConfig,
    as_deny_reasons,
    evaluate,
    measure,
)
from optionswarm.oversight.testkit import put_spread
from optionswarm.risk import LossLimits, OrderLimits, RiskCode, RiskConfig, TradingState
from optionswarm.risk.testkit import build_engine, option_symbol, order_of, standard_chain

QUIET = PolicyConfig(
    max_loss_above=None,
    notional_above=None,
    undefined_risk=False,
    confidence_below=None,
    while_reducing=False,
    first_trade_in_underlying=False,
    veto_agents=frozenset(),
    manual_quantity_above=None,
)
SMALL = OrderMeasures(
    max_loss=400.0,
    bounded=True,
    margin=500.0,
    notional=20_000.0,
    greeks_before=(0.0, 0.0, 0.0, 0.0),
    greeks_after=(10.0, -1.0, -5.0, 2.0),
    spot=100.0,
    package_mid=-0.6,
)


def _facts(**fields: object) -> OrderFacts:
    base: dict[str, object] = {
        "source": "strategy",
        "quantity": 1,
        "underlying": "SPY",
        "measures": SMALL,
        "trading_state": TradingState.ACTIVE,
        "first_trade": False,
        "decision": None,
    }
    return OrderFacts(**{**base, **fields})  # type: ignore[arg-type]


def _codes(cfg: PolicyConfig, facts: OrderFacts) -> list[str]:
    return [r.code for r in evaluate(cfg, facts)]


def test_quiet_policy_needs_no_approval() -> None:
    assert evaluate(QUIET, _facts()) == ()


def test_max_loss_above_threshold_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, max_loss_above=300.0)
    reasons = evaluate(cfg, _facts())
    assert [r.code for r in reasons] == ["max_loss_above"]
    assert "$400" in reasons[0].message
    assert "$300" in reasons[0].message
    assert evaluate(msgspec.structs.replace(QUIET, max_loss_above=400.0), _facts()) == ()


def test_notional_above_threshold_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, notional_above=10_000.0)
    assert _codes(cfg, _facts()) == ["notional_above"]


def test_undefined_risk_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, undefined_risk=True)
    unbounded = msgspec.structs.replace(SMALL, max_loss=None, bounded=False)
    assert _codes(cfg, _facts(measures=unbounded)) == ["undefined_risk"]
    assert _codes(cfg, _facts()) == []


def test_low_consensus_confidence_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, confidence_below=0.6)
    weak = DecisionInfo(decision_id="d1", explanation="weak", confidence=0.52)
    strong = DecisionInfo(decision_id="d2", explanation="strong", confidence=0.8)
    reasons = evaluate(cfg, _facts(decision=weak))
    assert [r.code for r in reasons] == ["low_confidence"]
    assert "0.52" in reasons[0].message
    assert _codes(cfg, _facts(decision=strong)) == []


def _opinion(agent: str, conviction: float, abstained: bool = False) -> AgentOpinion:
    return AgentOpinion(
        agent_id=agent,
        direction="bearish",
        conviction=conviction,
        weight=0.2,
        contribution=-0.1,
        abstained=abstained,
        rationale="earnings next week",
    )


def test_veto_agent_flag_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, veto_agents=frozenset({"calendar"}), veto_conviction=0.5)
    flagged = DecisionInfo(decision_id="d", explanation="", opinions=(_opinion("calendar", 0.7),))
    mild = DecisionInfo(decision_id="d", explanation="", opinions=(_opinion("calendar", 0.3),))
    silent = DecisionInfo(
        decision_id="d", explanation="", opinions=(_opinion("calendar", 0.9, abstained=True),)
    )
    other = DecisionInfo(decision_id="d", explanation="", opinions=(_opinion("momentum", 0.9),))
    reasons = evaluate(cfg, _facts(decision=flagged))
    assert [r.code for r in reasons] == ["veto_flag"]
    assert "calendar" in reasons[0].message
    assert _codes(cfg, _facts(decision=mild)) == []
    assert _codes(cfg, _facts(decision=silent)) == []
    assert _codes(cfg, _facts(decision=other)) == []
    vetoed = DecisionInfo(decision_id="d", explanation="", reason_code="vetoed")
    assert _codes(cfg, _facts(decision=vetoed)) == ["veto_flag"]


def test_order_while_reducing_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, while_reducing=True)
    assert _codes(cfg, _facts(trading_state=TradingState.REDUCING)) == ["reducing_state"]
    assert _codes(cfg, _facts(trading_state=TradingState.ACTIVE)) == []


def test_first_trade_in_new_underlying_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, first_trade_in_underlying=True)
    reasons = evaluate(cfg, _facts(first_trade=True, underlying="QQQ"))
    assert [r.code for r in reasons] == ["first_trade_in_underlying"]
    assert "QQQ" in reasons[0].message


def test_manual_order_above_size_needs_approval() -> None:
    cfg = msgspec.structs.replace(QUIET, manual_quantity_above=5)
    assert _codes(cfg, _facts(source="manual", quantity=6)) == ["manual_order"]
    assert _codes(cfg, _facts(source="manual", quantity=5)) == []
    assert _codes(cfg, _facts(source="strategy", quantity=50)) == []


def test_closing_orders_skip_the_size_rules() -> None:
    cfg = msgspec.structs.replace(
        QUIET, max_loss_above=1.0, notional_above=1.0, undefined_risk=True
    )
    unbounded = msgspec.structs.replace(SMALL, max_loss=None, bounded=False)
    assert _codes(cfg, _facts(position_reducing=True, measures=unbounded)) == []
    weak = DecisionInfo(decision_id="d", explanation="", confidence=0.1)
    strict = msgspec.structs.replace(cfg, confidence_below=0.5, while_reducing=True)
    closing = _facts(position_reducing=True, decision=weak, trading_state=TradingState.REDUCING)
    assert _codes(strict, closing) == ["reducing_state"]  # context rules still apply
    assert _codes(cfg, _facts(measures=unbounded)) == ["notional_above", "undefined_risk"]


def test_flatten_orders_never_wait_for_a_human() -> None:
    strict = PolicyConfig(max_loss_above=0.0, manual_quantity_above=0)
    assert evaluate(strict, _facts(source="flatten", first_trade=True)) == ()


def test_every_tripped_rule_is_reported() -> None:
    cfg = PolicyConfig(max_loss_above=100.0, notional_above=1_000.0, manual_quantity_above=0)
    codes = _codes(cfg, _facts(source="manual", first_trade=True))
    assert codes == [
        "max_loss_above",
        "notional_above",
        "first_trade_in_underlying",
        "manual_order",
    ]


def test_reasons_enter_the_risk_engine_as_approval_required() -> None:
    reasons = evaluate(msgspec.structs.replace(QUIET, max_loss_above=1.0), _facts())
    (deny,) = as_deny_reasons(reasons)
    assert deny.code is RiskCode.APPROVAL_REQUIRED
    assert deny.check == "approval.max_loss_above"
    assert deny.message == reasons[0].message


def test_measure_of_a_put_spread_matches_its_payoff() -> None:
    engine, clock, _ = build_engine(RiskConfig(order=OrderLimits(allow_market_orders=True)))
    intent = put_spread(quantity=2)
    m = measure(engine.context(intent, clock.now_ns()))
    ctx = engine.context(intent, clock.now_ns())
    credit = -sum(leg.quantity * leg.price for leg in ctx.legs) * 100  # dollars received
    assert m.bounded
    assert m.max_loss == pytest.approx(2 * 500.0 - credit, abs=1e-6)
    assert m.package_mid is not None
    assert m.package_mid < 0
    assert m.spot == 100.0
    assert m.notional == pytest.approx(4 * 100 * 100.0)
    assert m.margin is not None
    assert m.margin > 0
    assert m.greeks_before == (0.0, 0.0, 0.0, 0.0)
    assert m.greeks_after[0] > 0  # a bull put spread adds delta


def test_measure_of_a_naked_call_is_unbounded() -> None:
    config = RiskConfig(
        order=OrderLimits(allow_market_orders=True), loss=LossLimits(allow_undefined_risk=True)
    )
    engine, clock, _ = build_engine(config)
    chain = standard_chain()
    intent = order_of([(option_symbol(chain, 105.0, call=True), Side.SELL, 1)], limit_price=None)
    m = measure(engine.context(intent, clock.now_ns()))
    assert not m.bounded
    assert m.max_loss is None
    facts = _facts(measures=m)
    assert _codes(msgspec.structs.replace(QUIET, undefined_risk=True), facts) == ["undefined_risk"]


def test_config_from_a_settings_table_refuses_unknown_keys() -> None:
    cfg = OversightConfig.from_mapping({"ttl_ns": 60, "policy": {"max_loss_above": 1.0}})
    assert cfg.ttl_ns == 60
    assert cfg.policy.max_loss_above == 1.0
    with pytest.raises(msgspec.ValidationError, match="unknown"):
        OversightConfig.from_mapping({"ttl": 60})
    with pytest.raises(ValueError, match="ttl_ns"):
        OversightConfig(ttl_ns=0)
    assert math.isfinite(OversightConfig().price_tolerance)

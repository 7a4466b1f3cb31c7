"""Random multi-leg orders never crash the engine: each gets accept, approval or a denial whose
every reason has a known code and a sentence."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optionswarm.model import Fill, Side
from optionswarm.risk import (
    RISK_REASONS,
    ClosedTrade,
    LossLimits,
    RiskCode,
    RiskConfig,
    RiskDecision,
    TradingState,
)
from optionswarm.risk.testkit import build_engine, option_symbol, order_of, standard_chain

CHAIN = standard_chain()
QUOTED = [
    option_symbol(CHAIN, k, c, e)
    for k in (80.0, 90.0, 95.0, 100.0, 105.0, 110.0, 120.0)
    for c in (True, False)
    for e in (0, 1)
]
UNQUOTED = [s.replace("00100000", "00102500") for s in QUOTED[:4]]
ENGINE, CLOCK, _ = build_engine(RiskConfig(loss=LossLimits(allow_undefined_risk=True)), chain=CHAIN)

legs = st.lists(
    st.tuples(
        st.sampled_from([*QUOTED, *UNQUOTED, "SPY"]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(min_value=1, max_value=3),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda leg: leg[0],
).filter(lambda ls: math.gcd(*(r for _, _, r in ls)) == 1)
prices = st.one_of(st.none(), st.floats(min_value=-50, max_value=50, allow_nan=False))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    legs=legs,
    quantity=st.integers(min_value=1, max_value=50),
    price=prices,
    fill_first=st.booleans(),
    n=st.integers(min_value=0, max_value=10**9),
)
def test_random_orders_get_a_verdict_never_an_exception(
    legs: list[tuple[str, Side, int]], quantity: int, price: float | None, fill_first: bool, n: int
) -> None:
    if fill_first:  # build up random holdings, so regrouping and reduce logic get exercised
        for i, (symbol, side, ratio) in enumerate(legs):
            ENGINE.on_fill(
                Fill(
                    client_order_id=f"f{n}",
                    fill_id=f"f{n}-{i}",
                    symbol=symbol,
                    side=side,
                    quantity=ratio,
                    price=1.0,
                    fee=0.0,
                    ts_ns=CHAIN.ts_ns,
                )
            )
    order = order_of(legs, quantity=quantity, limit_price=price, client_order_id=f"fz-{n}")
    verdict = ENGINE.assess(order)
    assert verdict.decision in set(RiskDecision)
    if verdict.decision is RiskDecision.DENY:
        assert verdict.reasons
    for reason in verdict.reasons:
        assert reason.code in RISK_REASONS
        assert reason.message
    gate = ENGINE.check(
        order_of(legs, quantity=quantity, limit_price=price, client_order_id=f"fz-{n}-gate")
    )
    assert gate.reason_code


REDUCING_ENGINE, _, _ = build_engine(
    RiskConfig(loss=LossLimits(allow_undefined_risk=True)), chain=CHAIN
)
for _i, _symbol in enumerate(QUOTED[:8]):
    REDUCING_ENGINE.on_fill(
        Fill(
            client_order_id="seed",
            fill_id=f"seed-{_i}",
            symbol=_symbol,
            side=Side.BUY if _i % 2 else Side.SELL,
            quantity=3,
            price=1.0,
            fee=0.0,
            ts_ns=CHAIN.ts_ns,
        )
    )
for _t in range(5):
    REDUCING_ENGINE.observe(ClosedTrade(ts_ns=_t, symbol="X", realized_pnl=-1.0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    legs=legs,
    quantity=st.integers(min_value=1, max_value=5),
    price=prices,
    n=st.integers(min_value=0, max_value=10**9),
)
def test_in_reducing_state_only_risk_reducing_orders_pass(
    legs: list[tuple[str, Side, int]], quantity: int, price: float | None, n: int
) -> None:
    assert REDUCING_ENGINE.trading_state is TradingState.REDUCING
    order = order_of(legs, quantity=quantity, limit_price=price, client_order_id=f"rd-{n}")
    verdict = REDUCING_ENGINE.assess(order)
    if verdict.decision is not RiskDecision.DENY:
        assert verdict.risk_reducing
    else:
        assert verdict.risk_reducing or RiskCode.REDUCING_ONLY in verdict.codes
